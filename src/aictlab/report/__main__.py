"""Command line: ``python -m aictlab.report [options]`` (see ``--help``)."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from aictlab.config import ENGINES, LEMMATIZERS, Settings
from aictlab.errors import AictlabError, SettingsError

__all__ = ["parse_periods", "build_parser", "read_settings_file", "resolve_settings", "main"]


def parse_periods(text: str) -> int | tuple[int, ...]:
    """``"5"`` -> bin width 5; ``"2010,2016,2021"`` -> explicit left edges."""
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
        description="Rebuild every figure and table of the aictlab analysis (solidarité -> attractivité drift).",
    )
    parser.add_argument(
        "--config", type=Path, help="settings file (TOML or YAML) whose keys are Settings fields"
    )
    parser.add_argument("--root", type=Path, help="project root for relative paths (default: current folder)")
    parser.add_argument(
        "--corpus",
        type=Path,
        help="corpus folder (metadata.csv + documents) or an IRaMuTeQ .txt file; default data/raw",
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
    parser.add_argument("--out", type=Path, help="output folder; default figures/")
    parser.add_argument(
        "--only", nargs="+", metavar="NAME", choices=list(PARTS), help="rebuild only these parts"
    )
    parser.add_argument("--lemmatizer", choices=LEMMATIZERS)
    parser.add_argument(
        "--periods", type=parse_periods, help="bin width in years (5) or left edges (2010,2016)"
    )
    parser.add_argument(
        "--keep-duplicates",
        action="store_true",
        default=None,
        help="count duplicated paragraphs in every copy",
    )
    parser.add_argument("--lexicon", type=Path, help="frame lexicon YAML (default: the packaged frames.yaml)")
    parser.add_argument("--seed", type=int)
    parser.add_argument("--bootstrap", type=int, help="bootstrap replicates for headline intervals")
    parser.add_argument(
        "--no-cache", action="store_true", help="recompute everything (and refresh data/processed)"
    )
    verbosity = parser.add_mutually_exclusive_group()
    verbosity.add_argument("-q", "--quiet", action="store_true", help="errors only")
    verbosity.add_argument("-v", "--verbose", action="store_true", help="one line per step with its time")
    return parser


def read_settings_file(path: Path) -> dict:
    """Settings from a TOML (``.toml``) or YAML file; unknown keys are an error naming them."""
    import dataclasses

    if not path.is_file():
        raise SettingsError(f"{path}: settings file not found.")
    text = path.read_text(encoding="utf-8")
    if path.suffix.lower() == ".toml":
        import tomllib

        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as err:
            raise SettingsError(f"{path}: invalid TOML ({err}).") from None
    else:
        import yaml

        try:
            data = yaml.safe_load(text) or {}
        except yaml.YAMLError as err:
            raise SettingsError(f"{path}: invalid YAML ({err}).") from None
    if not isinstance(data, dict):
        raise SettingsError(f"{path}: expected key = value settings at the top level.")
    fields = {f.name: f for f in dataclasses.fields(Settings)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise SettingsError(f"{path}: unknown setting(s) {', '.join(unknown)}; known: {', '.join(fields)}.")
    for key in ("root", "corpus", "out", "processed", "lexicon", "mwe"):
        if data.get(key) is not None:
            data[key] = Path(data[key])
    for key in ("periods", "topic_k"):
        if isinstance(data.get(key), list):
            data[key] = tuple(data[key])
    return data


def resolve_settings(args: argparse.Namespace) -> Settings:
    """Defaults, then the settings file, then command-line options."""
    values = read_settings_file(args.config) if args.config else {}
    cli = {
        "root": args.root,
        "corpus": args.corpus,
        "out": args.out,
        "lemmatizer": args.lemmatizer,
        "periods": args.periods,
        "keep_duplicates": args.keep_duplicates,
        "lexicon": args.lexicon,
        "seed": args.seed,
        "bootstrap": args.bootstrap,
        "use_cache": False if args.no_cache else None,
        "engine": args.engine,
        "scheduler": args.scheduler,
    }
    values.update({k: v for k, v in cli.items() if v is not None})
    return Settings(**values)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    import matplotlib

    matplotlib.use("Agg")  # the report draws off-screen (notebooks keep their inline backend)
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


if __name__ == "__main__":
    sys.exit(main())
