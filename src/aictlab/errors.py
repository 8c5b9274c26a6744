"""Exceptions of aictlab: one readable message naming the file, the row and what to do."""

from __future__ import annotations

__all__ = ["AictlabError", "CorpusError", "SchemaError", "LexiconError", "SettingsError", "check_choice"]


class AictlabError(Exception):
    """Base class of every error aictlab raises on purpose."""


class CorpusError(AictlabError):
    """A corpus folder or file cannot be loaded as it is (missing file, bad metadata, bad encoding...)."""


class SchemaError(AictlabError, ValueError):
    """A table passed to a function lacks required columns or has the wrong shape."""


class LexiconError(AictlabError, ValueError):
    """A frame lexicon or multi-word expression file is malformed."""


class SettingsError(AictlabError, ValueError):
    """A setting has an invalid value."""


def check_choice(name: str, value: object, choices: tuple) -> None:
    """Raise :class:`SettingsError` when ``value`` is not one of ``choices`` (quanteda's ``match.arg``)."""
    if value not in choices:
        raise SettingsError(f"{name}={value!r} is not valid; choose one of {', '.join(map(repr, choices))}.")
