# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 4. Topic models: the drift seen without a lexicon
#
# A topic model describes each text unit as a mixture of a few **topics**, each topic being a distribution
# over lemmas learned from the corpus itself. This notebook fits two families on the ~40-word segments:
# **LDA** (latent Dirichlet allocation, batch variational Bayes; gensim as an option) and **NMF** (non-negative matrix factorisation of TF-IDF,
# scikit-learn). It then:
#
# 1. chooses the number of topics K by a rule fixed in advance (stability first, then coherence);
# 2. labels each topic by its most relevant terms and says whether it *leans* to the solidarité or the
#    attractivité frame (share of its top-term weight that falls in each frame's lexicon);
# 3. follows the **prevalence** of each topic, and of the frame-leaning topics together, across periods, with
#    bootstrap intervals.
#
# The frame-leaning shares are the topic-model view of the drift, to set beside the lexicon rates of
# notebook 2: if attractivité-leaning topics grow at the expense of solidarité-leaning ones, both views agree.
#
# **Caveats.** Five documents, one per period (in 2023 the programme adds only the few segments it does not
# share with the 2023 report): a topic that grows between periods may simply be the vocabulary of one
# document, its organiser (CNFPT,
# CIEDEL/CUF, Cités Unies France, MEAE) and its genre. The 2017 workshop (`ciedel_2017`) *discusses* the
# solidarité → attractivité hypothesis, so a topic carried by it may be vocabulary about the paradigm rather
# than in it. Topic models are unstable on small corpora (about 400 segments here): the stability score and
# the refit range below say how much.
#
# **Reduced settings.** To run in about a minute, this notebook tries K = 3 to 6 with 2 subsample refits per
# K and uses B = 2,000 bootstrap replicates. The report (`python -m aictlab.report`) runs the full grid of
# `Settings` (K = 2 to 10, 5 refits per K) with B = 9,999, so its chosen K and its numbers may differ.

# %%
# %matplotlib inline
from pathlib import Path

import pandas as pd

import aictlab
from aictlab import topics as tp
from aictlab.config import Settings
from aictlab.lexicon import load_lexicon
from aictlab.plots import topics as tplots

pd.set_option("display.max_colwidth", 90)
pd.set_option("display.width", 200)

ROOT = Path.cwd().parent if Path.cwd().name == "notebooks" else Path.cwd()
settings = Settings(root=ROOT)
corpus = aictlab.load_corpus(ROOT / "data" / "raw", cache_dir=ROOT / "data" / "processed")
lexicon = load_lexicon()

K_GRID = range(3, 7)  # the report: settings.topic_k
N_SEEDS = 2  # the report: settings.topic_seeds
N_BOOT = 2000  # the report: settings.bootstrap
print(f"report: K in {list(settings.topic_k)}, {settings.topic_seeds} refits per K, B = {settings.bootstrap}; "
      f"here: K in {list(K_GRID)}, {N_SEEDS} refits, B = {N_BOOT}")  # fmt: skip

# %% [markdown]
# ## The topic documents
#
# One row per segment, as a bag of lemmas: the tokens every measure counts (duplicates once, timetable lines
# out), without stop words, numbers and one-letter words. The vocabulary keeps lemmas found in at least two
# segments and in at most half of them (too rare or too common lemmas say nothing about topics).

# %%
docs = tp.topic_documents(corpus, unit=settings.topic_unit, periods=settings.periods)
print(f"{len(docs)} segments; vocabulary pruning: {docs.attrs}")
docs.groupby(["doc_id", "year", "period"]).agg(
    segments=("unit_id", "size"), lemmas=("n_terms", "sum")
).reset_index()

# %% [markdown]
# ## Choosing K
#
# For each family and each K: one **reference fit** on all segments, and refits on random 80 % subsamples.
#
# - **Stability** = how similar the refits' topics are to the reference's (mean average Jaccard of matched
#   top-20 term lists, Greene et al. 2014): 1 = the same topics every time.
# - **Coherence** c_npmi and c_v = how often a topic's top terms occur together in the segments (higher =
#   more interpretable topics).
#
# Rule (fixed before looking at the seeds): among K ≥ 3, keep the K whose stability is within 0.05 of the
# best (the plateau); among those, the best c_npmi, ties within 0.01 going to the smaller K. With only two
# refits per K here, stability carries noticeable Monte Carlo error (`stability_sd`). The report headlines the
# family that is the more stable at its chosen K; NMF on TF-IDF is usually far more stable than LDA on a
# corpus this small.

# %%
selection = tp.select_topic_models(docs, k=K_GRID, seed=settings.seed, n_seeds=N_SEEDS, n_jobs=2)
models = selection.params["models"]
chosen = {m: selection.chosen_k(m) for m in models}
print("chosen K:", chosen)
selection.summary[["model", "k", "c_v", "c_npmi", "stability", "stability_sd", "chosen"]]

# %%
fig, drawn = tplots.plot_model_selection(selection.table, chosen=chosen)
fig

# %% [markdown]
# ## Topics, labels and frames
#
# *Reading guide.* A topic's **label** joins its three most *relevant* terms (Sievert & Shirley's relevance,
# λ = 0.6: frequent in the topic, but not frequent everywhere). `share_solidarite` and `share_attractivite` are
# the shares of its top-20 term weight that fall in each frame's lexicon; a topic **leans** to a frame when
# that share is at least 5 % and twice the other frame's, and is `other` otherwise. Many topics are `other`:
# the corpus also speaks of programmes, procedures, places and people.

# %%
lda = selection.reference("lda", chosen["lda"])
lda_topics = tp.label_topics(lda.topics(topn=20), lexicon, docs=selection.docs)
lda_topics.groupby("topic").head(1)[["topic", "label", "frame", "share_solidarite", "share_attractivite"]]

# %% [markdown]
# The top terms of each LDA topic:

# %%
fig, drawn = tplots.plot_top_terms(lda_topics.assign(model="lda"), model="lda", n=10)
fig

# %% [markdown]
# Where does each topic live? The share of each topic's token mass held by its main document. A topic held
# at 80 % or more by one document is that document's vocabulary (its organiser, its genre, its speakers) as
# much as a theme of its period.

# %%
lda_doc_topics = lda.document_topics()
tp.topic_mass_by_document(lda_doc_topics).groupby("topic").head(1)

# %% [markdown]
# The same for NMF, the second family: do the two families find similar topics and frame leanings?

# %%
nmf = selection.reference("nmf", chosen["nmf"])
nmf_topics = tp.label_topics(nmf.topics(topn=20), lexicon, docs=selection.docs)
nmf_topics.groupby("topic").head(1)[["topic", "label", "frame", "share_solidarite", "share_attractivite"]]

# %%
fig, drawn = tplots.plot_top_terms(nmf_topics.assign(model="nmf"), model="nmf", n=10)
fig

# %% [markdown]
# ## Prevalence over time
#
# *Reading guide.* A topic's **prevalence** in a period is the token-weighted mean of its proportion over the
# period's segments. The 95 % interval resamples segments within each document (B = 2,000 here): it reflects
# which passages a document contains, given the fitted model. It does not include the uncertainty of the fit
# itself; the `seed_low`/`seed_high` columns give the range of prevalence over the subsample refits (topics
# matched to the reference's), a rough measure of that second source. When the reference estimate lies outside
# that range, the topic itself changes from one fit to the next: read its curve with care.

# %%
lda_prevalence = tp.topic_prevalence(lda_doc_topics, by="period", n_boot=N_BOOT, seed=settings.seed)
lda_range = tp.seed_prevalence_range(selection, "lda", chosen["lda"], by="period")
lda_prevalence = lda_prevalence.merge(lda_range, on=["topic", "period"], how="left")
lda_prevalence

# %%
fig, drawn = tplots.plot_topic_prevalence(lda_prevalence, labels=lda_topics.drop_duplicates("topic"))
fig

# %% [markdown]
# ## Frame-leaning topic shares
#
# The prevalence of all solidarité-leaning topics together, of all attractivité-leaning topics together, and
# of the rest, per period (shares of a period sum to 1; `topics` lists the topics in each group). This is the
# topic-model counterpart of the drift index, for both families. A share of exactly 0 with an empty `topics`
# means that no topic of that fit leans to the frame, not that the frame's words are absent.

# %%
frame_prevalence = pd.concat(
    [
        tp.frame_topic_prevalence(
            fitted.document_topics().assign(model=m),
            labelled.assign(model=m),
            by="period",
            n_boot=N_BOOT,
            seed=settings.seed,
        )
        for m, fitted, labelled in [("lda", lda, lda_topics), ("nmf", nmf, nmf_topics)]
    ],
    ignore_index=True,
)
frame_prevalence[["model", "period", "frame", "prevalence", "ci_low", "ci_high", "topics"]]

# %%
fig, drawn = tplots.plot_frame_topic_share(frame_prevalence)
fig

# %% [markdown]
# Does the picture depend on K? The frame-leaning shares of every reference fit of the grid (point estimates).
# If a frame's leaning topics appear only at some K, or their share swings with K, the topic-model view of
# the drift is fragile: with few topics, a frame's terms are often spread over topics that lean to neither
# frame, or absorbed by one broad topic.

# %%
by_k = tp.frame_shares_by_k(selection, lexicon, by="period")
by_k[by_k["frame"].ne("other")].pivot_table(
    index=["model", "k", "frame"], columns="period", values="prevalence"
).round(3)

# %% [markdown]
# ## What this does and does not show
#
# Topic models see the same documents as the lexicon, without its choices: where they agree with notebook 2,
# the agreement does not come from the lexicon. But they add their own fragility (K, seeds, a small corpus),
# and a topic's movement between periods is a movement between single documents from different organisers and
# genres. Read the frame-leaning shares as a description of these documents, and the refit ranges and the
# by-K table as a measure of how much the description depends on the model.
