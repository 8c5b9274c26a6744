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
# # 1. The corpus: from files to counted units
#
# This notebook loads the seed corpus with `aictlab.load_corpus`, shows what the cleaning did, which
# paragraphs are counted once because they are duplicated across documents, and the units every later
# measure counts: **word tokens** (tokens with a letter), **paragraphs**, and **segments** of about 40
# words (IRaMuTeQ's unit, and the resampling unit of every bootstrap).
#
# Run it from the repository root or from `notebooks/`; it only calls the library.

# %%
from pathlib import Path

import aictlab
from aictlab.plots.corpus import plot_corpus_overview

ROOT = Path.cwd().parent if Path.cwd().name == "notebooks" else Path.cwd()
corpus = aictlab.load_corpus(ROOT / "data" / "raw", cache_dir=ROOT / "data" / "processed")
corpus.documents[["doc_id", "date", "year", "organiser", "genre", "source_file"]]

# %% [markdown]
# ## What each document contributes
#
# `tokens` counts word tokens of the clean text. `duplicated_share` is the share of them in paragraphs that
# also stand in a fuller document: the 2023 programme is almost entirely contained in the 2023
# programme-and-report, so by default its paragraphs are counted once, in the report. `tokens_counted` is
# what the measures count (duplicates once, timetable lines out).

# %%
overview = corpus.summary()
overview.drop(columns="title")

# %%
fig, drawn = plot_corpus_overview(overview)
fig

# %% [markdown]
# ## Near-duplicates
#
# Paragraphs are compared through word shingles (Jaccard >= 0.8 or containment >= 0.9). The overlap table
# reads: `containment_a` is the share of document a's text found in document b. The programme is contained
# in the report (high containment, low Jaccard), not the reverse.

# %%
corpus.overlap

# %% [markdown]
# ## What the cleaning did
#
# The raw text stays next to the clean text. In the 2012 report (a PDF extraction) the running header,
# page numbers, hard line wraps and words split by the extraction ("économ iques") are repaired.

# %%
docs = corpus.documents.set_index("doc_id")
print(docs.loc["cnfpt_2012", "raw_text"][:600])
print("-----")
print(docs.loc["cnfpt_2012", "text"][:600])

# %% [markdown]
# ## Tokens and multi-word expressions
#
# One row per token: surface form, lemma (spaCy `fr_core_news_sm`), part of speech, stop-word and structure
# flags. The field's multi-word expressions are one token (`coopération_décentralisée`), so they are counted
# once and not as their parts.

# %%
tokens = corpus.analysis_tokens()
tokens[tokens["lemma"].str.contains("_")]["lemma"].value_counts().head(15)

# %% [markdown]
# ## Segments
#
# Segments are cut at the sentence end nearest 40 words and never cross a document or a change between
# counted and left-out paragraphs.

# %%
corpus.segments.groupby("doc_id")["n_tokens"].describe()[["count", "mean", "min", "max"]]
