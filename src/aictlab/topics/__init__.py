"""Topic models of the corpus, one module per stage (``docs/methods.md`` §10).

========================================  ===================================================================
:mod:`aictlab.topics.units`               topic documents (segments or paragraphs) from a corpus; samples
:mod:`aictlab.topics.bow`                 bags of words: document-term matrix, Matrix Market corpus
:mod:`aictlab.topics.models`              LDA and NMF (scikit-learn) fits, streamed LDA fit (gensim)
:mod:`aictlab.topics.vblda`               batch variational Bayes for LDA over all units and many fits
:mod:`aictlab.topics.coherence`           c_v and c_npmi coherence
:mod:`aictlab.topics.stability`           average Jaccard, matched agreement of two fits
:mod:`aictlab.topics.selection`           the K × seeds grid, the choice of K, the final fit
:mod:`aictlab.topics.labels`              topic labels and the lexicon frame each topic leans to
:mod:`aictlab.topics.prevalence`          prevalence per period with the package's bootstrap
:mod:`aictlab.topics.dtm`                 dynamic topic model over periods
========================================  ===================================================================

Pipeline
--------
>>> docs = topic_documents(corpus, unit="segment", periods=5)             # doctest: +SKIP
>>> sel = select_topic_models(docs, k=range(2, 11), seed=42, n_seeds=20)  # doctest: +SKIP
>>> k = choose_k(sel.summary, model="lda")                                # doctest: +SKIP
>>> model = sel.reference("lda", k)                                       # doctest: +SKIP
>>> topics = label_topics(model.topics(topn=20), frames=lexicon)          # doctest: +SKIP
>>> prev = topic_prevalence(model.document_topics(), by="period", seed=42)  # doctest: +SKIP

Large corpora
-------------
Memory that does not grow with the corpus, in three places:

1. :func:`topic_documents` reads a ``Corpus`` partition by partition (``Corpus.map_tokens``): the token table
   of the Dask engine stays on disk. A token table is read the same way, as a one-partition corpus.
2. ``select_topic_models(docs, max_units=1_000)`` fits the K × seeds grid on a seeded random sample of
   ``max_units`` units stratified by period (:func:`sample_topic_units`, rule in :func:`sampling_rule`) when
   there are more units.
3. :func:`final_topic_model` then fits the chosen K on every unit, in memory; above
   :data:`TOPIC_STREAM_UNITS` units LDA streams from a gensim Matrix Market corpus on disk with
   ``LdaMulticore`` (:class:`LdaTopicModel` ``stream=True``; when: :func:`stream_final_fit`). NMF stays in memory: scikit-learn needs the sparse units × vocabulary matrix,
   a few numbers per unit, far smaller than the token table.

>>> sel = select_topic_models(docs, max_units=1_000)                              # doctest: +SKIP
>>> model = final_topic_model(sel, docs, "lda", sel.chosen_k("lda"), stream=True,
...                           workdir="data/processed/topics")                      # doctest: +SKIP

References
----------
Blei, Ng & Jordan 2003, "Latent Dirichlet allocation", JMLR 3.
Lee & Seung 1999, "Learning the parts of objects by non-negative matrix factorization", Nature 401.
Röder, Both & Hinneburg 2015, "Exploring the space of topic coherence measures", WSDM.
Greene, O'Callaghan & Cunningham 2014, "How many topics? Stability analysis for topic models", ECML-PKDD.
Sievert & Shirley 2014, "LDAvis: a method for visualizing and interpreting topics", ACL workshop.
Blei & Lafferty 2006, "Dynamic topic models", ICML.
"""

from aictlab.topics.bow import cast_dtm, gensim_dictionary, topic_texts, topic_vocabulary, write_bow_corpus
from aictlab.topics.coherence import COHERENCE_MEASURES, coherence_many, topic_coherence
from aictlab.topics.dtm import dynamic_topics
from aictlab.topics.labels import (
    OTHER,
    frame_sets,
    label_topics,
    normalise_term,
    term_shares,
    topic_frames,
    topic_labels,
)
from aictlab.topics.models import (
    LDA_BACKENDS,
    LDA_DEFAULTS,
    MODELS,
    NMF_DEFAULTS,
    NMF_TOL,
    STREAM_CHUNKSIZE,
    STREAM_LDA_DEFAULTS,
    LdaTopicModel,
    NmfTopicModel,
    document_topic_table,
    fit_lda_many,
    fit_topic_model,
    lda_theta_many,
    make_topic_model,
)
from aictlab.topics.prevalence import (
    DEGENERATE_TOPIC_SHARE,
    bootstrap_group_means,
    compared_frame_prevalence,
    degenerate_topics,
    frame_shares_by_k,
    frame_topic_prevalence,
    seed_prevalence_range,
    topic_and_frame_prevalence,
    topic_mass_by_document,
    topic_prevalence,
    weighted_group_means,
)
from aictlab.topics.selection import (
    STREAM_MODES,
    TOPIC_STREAM_UNITS,
    TopicSelection,
    choose_k,
    final_topic_model,
    select_topic_models,
    stream_final_fit,
)
from aictlab.topics.stability import average_jaccard, topic_agreement
from aictlab.topics.units import (
    GROUP_BY,
    MIN_DF_RATE,
    TOPIC_DOCUMENT_COLUMNS,
    TOPIC_MAX_UNITS,
    TOPIC_MIN_UNITS,
    TOPIC_STOP_WORDS,
    UNITS,
    UNITS_PER_TOPIC,
    allocate_sample,
    check_topic_documents,
    sample_topic_units,
    sampling_rule,
    scaled_min_df,
    topic_documents,
    topic_k_grid,
    unit_groups,
)

__all__ = [
    "COHERENCE_MEASURES",
    "DEGENERATE_TOPIC_SHARE",
    "GROUP_BY",
    "LDA_BACKENDS",
    "LDA_DEFAULTS",
    "MIN_DF_RATE",
    "MODELS",
    "NMF_DEFAULTS",
    "NMF_TOL",
    "OTHER",
    "STREAM_CHUNKSIZE",
    "STREAM_LDA_DEFAULTS",
    "STREAM_MODES",
    "TOPIC_DOCUMENT_COLUMNS",
    "TOPIC_MAX_UNITS",
    "TOPIC_MIN_UNITS",
    "TOPIC_STOP_WORDS",
    "TOPIC_STREAM_UNITS",
    "UNITS",
    "UNITS_PER_TOPIC",
    "LdaTopicModel",
    "NmfTopicModel",
    "TopicSelection",
    "allocate_sample",
    "average_jaccard",
    "bootstrap_group_means",
    "cast_dtm",
    "degenerate_topics",
    "check_topic_documents",
    "choose_k",
    "coherence_many",
    "document_topic_table",
    "dynamic_topics",
    "final_topic_model",
    "fit_lda_many",
    "fit_topic_model",
    "frame_sets",
    "frame_shares_by_k",
    "compared_frame_prevalence",
    "frame_topic_prevalence",
    "gensim_dictionary",
    "label_topics",
    "lda_theta_many",
    "make_topic_model",
    "normalise_term",
    "sample_topic_units",
    "sampling_rule",
    "scaled_min_df",
    "seed_prevalence_range",
    "select_topic_models",
    "stream_final_fit",
    "term_shares",
    "topic_agreement",
    "topic_coherence",
    "topic_documents",
    "topic_frames",
    "topic_k_grid",
    "topic_labels",
    "topic_and_frame_prevalence",
    "topic_mass_by_document",
    "topic_prevalence",
    "topic_texts",
    "topic_vocabulary",
    "unit_groups",
    "weighted_group_means",
    "write_bow_corpus",
]
