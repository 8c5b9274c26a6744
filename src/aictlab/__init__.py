"""aictlab: did the discourse of French local governments' international action drift from solidarité to
attractivité between the 2010s and 2025?

Import cost is kept low: heavy libraries (spaCy, gensim, statsmodels, matplotlib) are imported inside the
functions that need them.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "load_corpus", "build_corpus", "Corpus", "select_tokens"]


def __getattr__(name: str):
    # Lazy re-exports keep `import aictlab` fast (METHODS/benchmarks: <= 0.5 s).
    if name in {"load_corpus", "build_corpus", "Corpus", "select_tokens"}:
        from aictlab import corpus

        return getattr(corpus, name)
    if name == "read_iramuteq":
        from aictlab.iramuteq import read_iramuteq

        return read_iramuteq
    raise AttributeError(f"module 'aictlab' has no attribute {name!r}")
