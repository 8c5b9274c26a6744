"""Dynamic topic model over periods (gensim ``LdaSeqModel``; Blei & Lafferty 2006, "Dynamic topic models",
ICML): exploratory, slow, not part of the default report."""

from __future__ import annotations

import numpy as np
import pandas as pd

from aictlab.topics.bow import gensim_dictionary, topic_vocabulary
from aictlab.topics.units import check_topic_documents, unit_groups

__all__ = ["dynamic_topics"]


def dynamic_topics(
    docs: pd.DataFrame,
    n_topics: int,
    *,
    seed: int = 42,
    passes: int = 10,
    chain_variance: float = 0.005,
    topn: int = 10,
    em_min_iter: int = 6,
    em_max_iter: int = 20,
) -> pd.DataFrame:
    """Dynamic topic model over periods (gensim ``LdaSeqModel``; Blei & Lafferty 2006).

    Topics are chains of term distributions β_{k,t} linked by a Gaussian random walk (variance
    ``chain_variance``) over the periods in time order, so a topic keeps its identity while its top terms
    change (does a "coopération" topic acquire economic vocabulary?). Exploratory below 5 time slices
    (``docs/methods.md`` §10); slow (pure Python), so not part of the default report. Time slices are the
    units' ``period`` column (their documents' periods, :func:`aictlab.topics.units.topic_documents`),
    ordered by label ("2010-2014" < "2015-2019").

    Returns
    -------
    DataFrame
        ``period, topic, rank, term, weight`` (weight = p(term | topic, period)).
    """
    from gensim.models import LdaSeqModel

    check_topic_documents(docs)
    period = unit_groups(docs, "period").to_numpy()
    order = np.argsort(period, kind="stable")
    texts = [list(docs["terms"].iloc[i]) for i in order]
    labels, sizes = np.unique(period[order], return_counts=True)
    dictionary = gensim_dictionary(topic_vocabulary(texts))
    bow = [dictionary.doc2bow(t) for t in texts]
    with np.errstate(divide="ignore", invalid="ignore"):  # gensim divides by a zero first bound
        model = LdaSeqModel(
            corpus=bow,
            id2word=dictionary,
            time_slice=[int(s) for s in sizes],
            num_topics=n_topics,
            chain_variance=chain_variance,
            passes=passes,
            random_state=seed,
            em_min_iter=em_min_iter,
            em_max_iter=em_max_iter,
        )
    rows = []
    for t, label in enumerate(labels):
        for k, terms in enumerate(model.print_topics(time=t, top_terms=topn)):
            for r, (term, weight) in enumerate(terms, start=1):
                rows.append(
                    {"period": label, "topic": k + 1, "rank": r, "term": term, "weight": float(weight)}
                )
    return pd.DataFrame(rows)
