"""Write requirements.lock and environment.yml from the current environment (``make lock``).

The lock file is ``pip freeze`` of ``.venv`` (setuptools pinned too, for the editable install); environment.yml
lists the same pins under ``pip:`` for the conda route. tests/test_environment.py checks that they agree.
"""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

__all__ = ["HEADER", "frozen", "environment_yml", "main"]

HEADER = (
    "# Exact versions of every package in the environment (pip freeze). Installed by `make`; environment.yml\n"
    "# lists the same pins. Regenerate with `make lock` after changing pyproject.toml's dependencies.\n"
)


def frozen() -> list[str]:
    """``name==version`` lines of the current environment, sorted case-insensitively, without aictlab."""
    out = subprocess.run(
        [sys.executable, "-m", "pip", "freeze", "--exclude-editable"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    lines = [line for line in out.splitlines() if "==" in line and not line.lower().startswith("aictlab")]
    lines.append(f"setuptools=={version('setuptools')}")
    return sorted(set(lines), key=str.lower)


def environment_yml(pins: list[str]) -> str:
    """A conda environment file with the interpreter and ``pins`` installed by pip."""
    body = "\n".join(f"      - {pin}" for pin in pins)
    return (
        "# conda env create -f environment.yml && conda activate aictlab && pip install --no-deps -e .\n"
        "# Same pins as requirements.lock (tests/test_environment.py checks it); regenerate with `make lock`.\n"
        "name: aictlab\nchannels:\n  - conda-forge\ndependencies:\n  - python=3.11\n  - pip\n  - pip:\n"
        f"{body}\n"
    )


def main(root: Path = Path(".")) -> None:
    pins = frozen()
    (root / "requirements.lock").write_text(HEADER + "\n".join(pins) + "\n", encoding="utf-8")
    (root / "environment.yml").write_text(environment_yml(pins), encoding="utf-8")
    print(f"pinned {len(pins)} packages in requirements.lock and environment.yml")


if __name__ == "__main__":
    main()
