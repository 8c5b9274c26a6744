# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 3. Textometry: which words characterise each period?
#
# The frame lexicon (notebook 2) counts words chosen in advance. This notebook looks at the vocabulary
# without a lexicon, with the classic tools of French textometry (Lebart & Salem, TXM, IRaMuTeQ):
#
# 1. a **lexical table** of lemmas × periods;
# 2. **keyness** (log-likelihood G², LogRatio) and **Lafon specificities**: which lemmas are over- or
#    under-used in a period compared with the rest of the corpus;
# 3. **concordances** (KWIC) and **collocations** of *coopération* and *attractivité*: in which company do
#    the two key words appear, and does it change?
# 4. a **correspondence analysis** (CA) of lemmas × periods: the main oppositions of vocabulary;
# 5. a **Reinert classification** of the ~40-word segments: the corpus's "lexical worlds".
#
# **Caveats.** The seed corpus holds five documents, and each period holds one of them (the 2023 programme is
# almost wholly a duplicate of the 2023 report and is counted once). "Period" therefore means "this document":
# the organiser (CNFPT, CIEDEL/CUF, Cités Unies France, MEAE) and the genre (seminar report, research workshop,
# colloquium, ministerial compte rendu) change with the year, and the words that characterise a period
# characterise its document as much as its time. The 2017 document (`ciedel_2017`) *discusses* the
# solidarité → attractivité hypothesis, so its attractivité vocabulary is partly vocabulary *about* the
# paradigm. Significance levels below are descriptive: tokens are not independent draws.

# %%
# %matplotlib inline
from pathlib import Path

import pandas as pd

import aictlab
from aictlab import ca as ca_mod
from aictlab import keyness as kn
from aictlab import reinert as rn
from aictlab.concordance import collocations, kwic, top_bigrams
from aictlab.config import Settings
from aictlab.contingency import CRITICAL_0001
from aictlab.corpus import select_tokens
from aictlab.plots import textometry as tplots

pd.set_option("display.max_colwidth", 90)
pd.set_option("display.width", 200)

ROOT = Path.cwd().parent if Path.cwd().name == "notebooks" else Path.cwd()
settings = Settings(root=ROOT)
corpus = aictlab.load_corpus(ROOT / "data" / "raw", cache_dir=ROOT / "data" / "processed")

# %% [markdown]
# ## The lexical table
#
# Word tokens as every measure counts them (duplicated paragraphs once, timetable lines out), each with its
# period (bins of five years). The table counts lemmas per period, stop words out; multi-word expressions
# (`coopération_décentralisée`) are one lemma. The period sizes count all word tokens, stop words included:
# they are the denominators of every statistic below.

# %%
corpus = corpus.with_periods(settings.periods)  # each document's period, used by every measure below
table = kn.lexical_table(corpus, "period")
periods = table.groups
earliest, latest = periods[0], periods[-1]
print(f"{len(table.counts)} lemmas; word tokens per period:")
table.sizes

# %%
table.counts.assign(total=table.counts.sum(axis=1)).sort_values("total", ascending=False).head(15)

# %% [markdown]
# ## Keyness and Lafon specificities: each period against the rest
#
# *Reading guide.* For each period, each lemma's count is compared with its count in the other periods.
#
# - **G²** (log-likelihood, signed): + = over-used in the period, − = under-used; |G²| ≥ 3.84 is p ≤ 0.05 and
#   ≥ 10.83 is p ≤ 0.001 for a single lemma (no correction for the thousands of lemmas tested).
# - **LogRatio** = log2 of the ratio of relative frequencies: +1 = twice as frequent in the period.
# - **Lafon specificity** (TXM's measure, from the hypergeometric law): +3 means the lemma is this frequent in
#   the period with probability ≤ 10⁻³ if tokens were shared out at random; −3, this rare. |s| ≥ 2 is TXM's
#   usual threshold.

# %%
kw = kn.keyness_each(table)
kn.top_terms(kw, 8, by="specificity").sort_values(["group", "specificity"], ascending=[True, False])[
    ["group", "term", "count_target", "count_reference", "specificity", "g2", "log_ratio", "p_value"]
]

# %% [markdown]
# The figure shows, per period, the ten lemmas with the largest positive and negative G².

# %%
fig, drawn = tplots.plot_keyness(kw, n=10, by="g2")
fig

# %% [markdown]
# The specificity matrix puts all periods side by side: the 30 lemmas with the largest absolute
# specificity, ordered by the period where they peak.

# %%
spec = kn.specificities(table)
fig, drawn = tplots.plot_specificities_heatmap(spec, n=30)
fig

# %% [markdown]
# ### Latest period against earliest period
#
# The drift question compares the two ends of the series directly. Lemmas with |G²| ≥ 10.83 (p ≤ 0.001),
# ranked by LogRatio: first those more frequent in the latest period, then those more frequent in the
# earliest (`count_target` = latest period, `count_reference` = earliest). Remember that this compares the 2025
# MEAE compte rendu with the 2012 CNFPT seminar report: lemmas naming institutions, offices, places and
# speakers mark each document's organiser and genre before they mark a change of discourse.

# %%
late_early = kn.keyness(table, latest, earliest)
more_late = late_early[late_early["g2"] >= CRITICAL_0001]
more_early = late_early[late_early["g2"] <= -CRITICAL_0001]
print(f"{len(more_late)} lemmas significantly more frequent in {latest}, {len(more_early)} in {earliest}")
kn.top_terms(more_late, 10, by="log_ratio")[["term", "count_target", "count_reference", "g2", "log_ratio"]]

# %%
kn.top_terms(more_early, 10, by="log_ratio", over=False)[
    ["term", "count_target", "count_reference", "g2", "log_ratio"]
]

# %% [markdown]
# ## *Coopération* and *attractivité* in context
#
# A keyword-in-context (KWIC) line shows each occurrence with ten tokens on each side. Matching is on lemmas:
# `coopération` alone and `coopération_décentralisée` (one multi-word lemma) are different terms, so both are
# asked for. How many occurrences per document:

# %%
words = select_tokens(corpus.tokens, words_only=False)  # punctuation kept for readable contexts
coop = kwic(words, ["coopération", "coopération_décentralisée"], window=10)
pd.crosstab(coop["doc_id"], coop["term"])

# %%
coop.groupby(["doc_id", "term"]).head(1)[["doc_id", "year", "left", "keyword", "right"]]

# %% [markdown]
# For *attractivité* the match is on the surface form: the spaCy model sometimes tags the word as a verb and
# lemmatises it "attractiviter" (once in the 2023 report), which a lemma query would miss. All occurrences:

# %%
attr = kwic(words, ["attractivité"], window=10, by="token")
attr[["doc_id", "year", "left", "keyword", "right"]]

# %% [markdown]
# Most occurrences come from the 2017 workshop, which analyses the paradigm; in 2025 the word mainly appears
# in the title of the minister in charge of "Commerce extérieur et de l'Attractivité". Notebook 2 codes every
# frame hit as use, mention, title or other sense.

# %% [markdown]
# ### Collocations
#
# *Reading guide*: a collocate is a lemma that occurs within five word tokens of the node, per period.
# `cofreq` = co-occurrences; `ll` = signed log-likelihood of the co-occurrence against what the collocate's
# frequency predicts (≥ 3.84: p ≤ 0.05, descriptive); `pmi` = log2(observed / expected), only given from three
# co-occurrences up (PMI overrates rare pairs). Below, the five strongest collocates with at least two
# co-occurrences per node and period. The *attractivité* collocations count lemmas, so they miss the one
# occurrence lemmatised as a verb.

# %%
coll = collocations(corpus, ["coopération", "attractivité"], span=5, group="period", min_cofreq=2)
strong = coll[coll["ll"] >= 3.84]
strong.groupby(["node", "group"]).head(5)[["node", "group", "collocate", "cofreq", "pmi", "ll"]]

# %% [markdown]
# Adjacent pairs of lemmas ranked by log-likelihood are the corpus's fixed expressions; they are the
# candidates for the multi-word expression list that makes `coopération_décentralisée` one token.

# %%
top_bigrams(corpus, min_count=3, n=15)

# %% [markdown]
# ## Correspondence analysis (lemmas × periods)
#
# CA places lemmas and periods in the same space: two periods are close when they use the same words in
# similar proportions; a lemma lies on the side of the periods that over-use it. Only lemmas with at least
# five occurrences enter (rare lemmas would dominate the inertia). Axis 1 is oriented so that the latest
# period is on the positive side. With four periods there are at most three axes, and each period is a single
# document: the axes separate documents (organiser, genre) as much as time.
#
# *Reading guide*: `percent` = share of the total inertia (the χ² of the table / n) carried by the axis;
# `contrib` = a point's share (%) of an axis's inertia; `cos2` = how well the axis represents the point (1 =
# entirely).

# %%
ca = ca_mod.correspondence_analysis(table.counts, min_total=5, orient_column=latest)
print(f"{len(ca.rows)} lemmas, total inertia {ca.total_inertia:.4f}")
ca.eigenvalues

# %%
ca_tables = ca_mod.ca_tables(ca)
ca_tables["ca_groups"]

# %% [markdown]
# The lemmas contributing most to the first two axes:

# %%
ca_tables["ca_terms"].head(15)

# %%
fig, drawn = tplots.plot_ca_biplot(ca, n_terms=30)
fig

# %% [markdown]
# ## Reinert classification (IRaMuTeQ / rainette method)
#
# The descending hierarchical classification splits the segments in two along the first axis of a CA of the
# segments × lemmas table (presence/absence of nouns, verbs, adjectives and adverbs found in at least three
# segments), then splits the largest class again, until five classes (the report's setting). A class is
# described by the lemmas over-represented in its segments (signed χ²); reading them side by side gives the
# corpus's "lexical worlds". The `period` column is passed along so that each class can be located in time.

# %%
res = rn.reinert(corpus, k=5, extra=("period",))
print(f"{len(res.segments)} segments, {res.params['n_terms']} lemmas, k = {res.k}, "
      f"{100 * res.unclassified_share:.1f}% unclassified")  # fmt: skip
res.classes

# %% [markdown]
# *Reading guide*: for each class, its most characteristic lemmas (χ² of the class × presence table; ≥ 3.84
# is p ≤ 0.05). A class that holds under 5 % of the segments is an outlying passage rather than a lexical
# world: the method splits the largest class whatever the size of the halves.

# %%
profiles = rn.class_profiles(res, n=30)
profiles.groupby("class").head(8)

# %% [markdown]
# Where does each class come from? `share_of_group` = share of that year's segments in the class;
# `share_of_class` = share of the class's segments from that year. Because each year is one document, a class
# concentrated in one year is often that document's own vocabulary (its programme, its speakers).

# %%
distribution = rn.class_distribution(res, "year")
distribution

# %%
fig, drawn = tplots.plot_reinert(res, profiles, distribution, by="year")
fig

# %% [markdown]
# The most typical segment of each class (highest sum of its lemmas' χ²), to read the classes in the text:

# %%
typical = rn.typical_segments(res, corpus.segments, n=1, profiles=rn.class_profiles(res, n=None))
typical[["class", "doc_id", "year", "score", "text"]]

# %% [markdown]
# ### Double classification
#
# rainette's double classification runs the method twice, on units of at least 10 and at least 15 lemmas, and
# keeps only the classes found by both: fewer classes, but stable ones. Segments in no stable class stay
# unclassified.

# %%
double = rn.reinert_double(corpus, max_k=5)
print(f"{double.k} stable classes covering {100 * (1 - double.unclassified_share):.0f}% of the segments")
double_profiles = rn.class_profiles(double, n=6)
double_profiles.groupby("class").head(6)

# %% [markdown]
# ## What this does and does not show
#
# Keyness, specificities, CA and the Reinert classes describe how the four counted documents differ in
# vocabulary. Because each period is one document from one organiser in one genre, none of these contrasts
# can be attributed to time alone; they show *what* changes between the documents (which words, in which
# company), which is what the frame lexicon of notebook 2 has to be checked against.
