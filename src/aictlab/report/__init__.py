"""The report: ``python -m aictlab.report`` rebuilds every figure and table a paper cites.

:func:`run_report` loads the corpus once, runs each part (``part_<name>.py``: a ``run(ctx) -> str`` returning
its Markdown section), keeps going when one part fails (marking it in REPORT.md and exiting non-zero), then
writes ``REPORT.md``, ``report.html`` and ``provenance.json``. It holds no analysis logic.
"""

from __future__ import annotations

from aictlab.report.runner import PARTS, run_report

__all__ = ["PARTS", "run_report"]
