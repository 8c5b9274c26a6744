"""Command line of the lexicon validation: ``python -m aictlab.validate sample|sample-misses [options]``.

``sample`` writes a coding sheet of a seeded random sample of frame hits, stratified by frame
(:func:`aictlab.validation.sample_hits`); ``sample-misses`` writes a sheet of text segments without hits, for
recall (:func:`aictlab.validation.sample_misses`). Fill ``code`` and ``coder``, then give the sheets to the
report. The seed of the draw comes from ``--seed`` (default: the settings' seed).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from aictlab.config import LEMMATIZERS
from aictlab.errors import AictlabError

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The ``python -m aictlab.validate`` argument parser."""
    parser = argparse.ArgumentParser(
        prog="python -m aictlab.validate", description="Coding sheets to validate the frame lexicon."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    for name, text in (
        ("sample", "a coding sheet of sampled frame hits (stratified by frame)"),
        ("sample-misses", "a sheet of sampled text segments without hits (recall)"),
    ):
        p = sub.add_parser(name, help=text, description=text)
        p.add_argument("--out", type=Path, required=True, help="CSV file to write")
        p.add_argument(
            "--corpus", type=Path, default=Path("data/raw"), help="corpus folder (default data/raw)"
        )
        p.add_argument("--lexicon", type=Path, help="frame lexicon YAML (default: the packaged one)")
        p.add_argument("--lemmatizer", choices=LEMMATIZERS, default="spacy")
        p.add_argument("--cache", type=Path, default=Path("data/processed"), help="processed-table cache")
        p.add_argument("--seed", type=int, help="seed of the draw (default: the settings' seed, 42)")
        p.add_argument("--tier", choices=("core", "extended"), default="extended")
        p.add_argument(
            "-n", type=int, default=50 if name == "sample" else 100, help="hits per frame / segments"
        )
        if name == "sample":
            p.add_argument("--by-document", action="store_true", help="stratify by frame and document")
            p.add_argument("--width", type=int, default=12, help="tokens of context on each side")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command; a bad input prints its message and returns 2."""
    args = build_parser().parse_args(argv)
    from aictlab.config import Settings
    from aictlab.corpus import load_corpus
    from aictlab.frames import frame_data
    from aictlab.lexicon import load_lexicon
    from aictlab.validation import sample_hits, sample_misses

    try:
        seed = Settings().seed if args.seed is None else args.seed
        corpus = load_corpus(args.corpus, lemmatizer=args.lemmatizer, cache_dir=args.cache)
        lexicon = load_lexicon(args.lexicon)
        # the hits and their KWIC lines as the report finds them (partition by partition, punctuation kept)
        data = frame_data(corpus, lexicon, tiers=(args.tier,), window=getattr(args, "width", None))
        matches = data.hits(args.tier)
        if args.command == "sample":
            sheet = sample_hits(
                matches, data.kwic, n_per_frame=args.n, seed=seed, by_document=args.by_document
            )
        else:
            sheet = sample_misses(corpus.segments, matches, n=args.n, seed=seed)
        args.out.parent.mkdir(parents=True, exist_ok=True)
        sheet.to_csv(args.out, index=False, encoding="utf-8")
    except AictlabError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"{args.out}: {len(sheet)} rows to code (seed {seed}).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
