"""aictlab: did the discourse of French local governments' international action drift from solidarité to
attractivité between the 2010s and 2025?

The main entry points, by stage (docs/api.md lists every public function; docs/architecture.md the stages):

- corpus: :func:`load_corpus`, :func:`read_iramuteq`, :func:`read_europresse`, :func:`build_corpus`, :class:`Corpus`,
  :func:`as_corpus`, :func:`select_tokens`, :func:`add_periods`, :func:`write_iramuteq`;
- frames and drift: :func:`load_lexicon`, :func:`frame_data`, :func:`measure_drift`, :func:`trend_tests`,
  :func:`decide_verdict`, :func:`robustness_panel`, :func:`mention_vs_use`, :func:`kwic_frames`;
- textometry: :func:`lexical_table`, :func:`keyness`, :func:`specificities`, :func:`kwic`,
  :func:`collocations`, :func:`top_bigrams`, :func:`correspondence_analysis`, :func:`reinert`,
  :func:`segment_term_matrix`;
- topics: :func:`select_topic_models`, :func:`topic_prevalence`;
- semantic scaling and study design: :func:`semantic_scaling`, :func:`design_table`, :func:`design_notes`;
- resampling: :func:`resample_totals`, :func:`bootstrap_interval`;
- the report: :class:`Settings`, :func:`run_report`.

Import cost is kept low: these names are imported on first use (``aictlab.load_corpus`` imports
:mod:`aictlab.corpus` then), and heavy libraries (spaCy, gensim, statsmodels, matplotlib) inside the
functions that need them.
"""

from __future__ import annotations

from importlib import import_module

__version__ = "0.1.0"

#: Public name -> the module that defines it (imported lazily by :func:`__getattr__`).
_EXPORTS = {
    # corpus
    "load_corpus": "aictlab.corpus",
    "read_iramuteq": "aictlab.corpus",
    "read_europresse": "aictlab.corpus",
    "build_corpus": "aictlab.corpus",
    "Corpus": "aictlab.corpus",
    "as_corpus": "aictlab.corpus",
    "select_tokens": "aictlab.corpus",
    "add_periods": "aictlab.periods",
    "write_iramuteq": "aictlab.iramuteq",
    # frames and drift
    "load_lexicon": "aictlab.lexicon",
    "frame_data": "aictlab.frames",
    "measure_drift": "aictlab.drift",
    "trend_tests": "aictlab.trend",
    "decide_verdict": "aictlab.verdict",
    "verdict_table": "aictlab.verdict",
    "robustness_panel": "aictlab.robustness",
    "mention_vs_use": "aictlab.coding",
    "kwic_frames": "aictlab.coding",
    # textometry
    "lexical_table": "aictlab.keyness",
    "keyness": "aictlab.keyness",
    "specificities": "aictlab.keyness",
    "kwic": "aictlab.concordance",
    "collocations": "aictlab.concordance",
    "top_bigrams": "aictlab.concordance",
    "correspondence_analysis": "aictlab.ca",
    "reinert": "aictlab.reinert",
    "segment_term_matrix": "aictlab.reinert",
    # topics
    "select_topic_models": "aictlab.topics",
    "topic_prevalence": "aictlab.topics",
    # semantic scaling and study design
    "semantic_scaling": "aictlab.scaling",
    "design_table": "aictlab.design",
    "design_notes": "aictlab.design",
    # partner geography
    "partner_geography": "aictlab.geography",
    # resampling
    "resample_totals": "aictlab.resample",
    "bootstrap_interval": "aictlab.resample",
    # the report
    "Settings": "aictlab.config",
    "run_report": "aictlab.report.runner",
}

__all__ = ["__version__", *_EXPORTS]


def __getattr__(name: str):
    # Lazy re-exports keep `import aictlab` fast (docs/benchmarks.md: <= 0.5 s).
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'aictlab' has no attribute {name!r}")
    return getattr(import_module(module), name)


def __dir__() -> list[str]:
    return sorted(__all__)
