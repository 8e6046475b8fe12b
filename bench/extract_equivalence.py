"""Output equivalence of the rules extractor: dump every claim of every text we have, compare.

Performance work on ``themelens.news.extract`` must not change a single claim.
This script runs ``extract_claims`` (and ``extract_rules`` with ``explain=True``,
so the evidence is covered too) on:

* the dev corpus ``../shared/corpus/dev/*.txt`` (skipped, with a note, when absent);
* ``tests/news/own_corpus/*.txt``;
* every ``.txt`` under ``tests/news/validation/``;
* the demo articles ``src/themelens/demo_articles/*.txt``;
* with ``--perturbed`` (default on), each gold article of the above under every
  perturbation of ``tests/news/perturb.py`` for two seeds (title case, ticker
  tags, renamed entities, scaled numbers, reordered sentences), for more
  varied input than the files alone.

Every claim is dumped with all its fields (floats as ``repr``, so exactly), in
order, per text. Run::

    .venv/bin/python bench/extract_equivalence.py --write /tmp/extract_ref.json
    .venv/bin/python bench/extract_equivalence.py /tmp/extract_ref.json

The second form compares against the saved reference, prints the first
differences and exits 1 when any text differs.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from dataclasses import fields, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from themelens.news.article import Article
from themelens.news.claim import Claim
from themelens.news.extract import extract_claims
from themelens.news.extract.assemble import extract_rules
from themelens.news.ingest import ingest
from themelens.theme import Theme, load_theme

ROOT = Path(__file__).resolve().parents[1]
NEWS_TESTS = ROOT / "tests" / "news"
DEV = ROOT.parent / "shared" / "corpus" / "dev"
# a fixed fetch time: it supplies the year to a dateline without one
NOW = datetime(2025, 12, 1)


def _sources() -> list[tuple[str, list[Path]]]:
    return [
        ("dev", sorted(DEV.glob("*.txt"))),
        ("own_corpus", sorted((NEWS_TESTS / "own_corpus").glob("*.txt"))),
        ("validation", sorted((NEWS_TESTS / "validation").rglob("*.txt"))),
        ("demo", sorted((ROOT / "src" / "themelens" / "demo_articles").glob("*.txt"))),
    ]


def _plain(value: Any) -> Any:
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if hasattr(value, "__dataclass_fields__"):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    return value


def _dump(claims: list[Claim]) -> list[dict[str, Any]]:
    return [_plain(c) for c in claims]


def _articles() -> Iterator[tuple[str, Article, Path]]:
    for label, paths in _sources():
        if not paths:
            print(f"note: no texts for {label}", file=sys.stderr)
            continue
        for path in paths:
            result = ingest([path], now=NOW)
            for failure in result.failures:
                print(f"note: {label}: not ingested: {failure}", file=sys.stderr)
            for k, article in enumerate(result.articles):
                yield f"{label}/{path.name}#{k}", article, path  # same keys in any checkout


def _perturbed(article: Article, path: Path) -> Iterator[tuple[str, Article]]:
    gold_path = path.with_suffix("").with_suffix(".claims.jsonl")
    if not gold_path.is_file():
        return
    sys.path.insert(0, str(NEWS_TESTS))
    from perturb import PERTURBATIONS  # tests/news/perturb.py

    lines = gold_path.read_text(encoding="utf-8").splitlines()
    gold = [json.loads(line) for line in lines if line.strip()]
    for name, perturb in PERTURBATIONS.items():
        for seed in (0, 1):
            try:
                text, _ = perturb(article.text, gold, seed=seed)
            except (AssertionError, ValueError) as exc:  # a gold quote it cannot carry
                print(f"note: {path.name} {name}#{seed}: {exc}", file=sys.stderr)
                continue
            if text != article.text:
                yield f"{name}#{seed}", replace(article, text=text)


def collect(theme: Theme, *, perturbed: bool) -> dict[str, Any]:
    """Every text's claims (plain and explained), keyed by a stable name."""
    out: dict[str, Any] = {}
    for key, article, path in _articles():
        variants = [("", article)]
        if perturbed:
            variants += list(_perturbed(article, path))
        for suffix, variant in variants:
            name = f"{key}{'::' + suffix if suffix else ''}"
            out[name] = {
                "claims": _dump(extract_claims(variant, theme)),
                "explained": _dump(extract_rules(variant, theme, explain=True)),
            }
    return out


def compare(ref: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """Human-readable differences between two dumps (empty when identical)."""
    diffs: list[str] = []
    for key in sorted(set(ref) | set(now)):
        if key not in now:
            diffs.append(f"{key}: missing now")
        elif key not in ref:
            diffs.append(f"{key}: not in the reference")
        elif ref[key] != now[key]:
            for part in ("claims", "explained"):
                a, b = ref[key][part], now[key][part]
                if a == b:
                    continue
                k = next((k for k, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), None)
                where = f"first differing claim #{k}" if k is not None else "counts differ"
                diffs.append(f"{key} [{part}]: {len(a)} -> {len(b)} claims, {where}")
                if k is not None:
                    diffs.append(f"    ref: {json.dumps(a[k])[:400]}")
                    diffs.append(f"    now: {json.dumps(b[k])[:400]}")
    return diffs


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("reference", nargs="?", type=Path, help="saved dump to compare with")
    ap.add_argument("--write", type=Path, help="write the dump here (the reference)")
    ap.add_argument("--no-perturbed", dest="perturbed", action="store_false")
    args = ap.parse_args()
    if args.reference is None and args.write is None:
        ap.error("give a reference to compare with, or --write PATH")
    now = collect(load_theme(), perturbed=args.perturbed)
    claims = sum(len(v["claims"]) for v in now.values())
    print(f"{len(now)} texts, {claims} claims")
    if args.write is not None:
        args.write.write_text(json.dumps(now, indent=1, sort_keys=True), encoding="utf-8")
        print(f"wrote {args.write}")
    if args.reference is None:
        return 0
    ref = json.loads(args.reference.read_text(encoding="utf-8"))
    if not args.perturbed:  # compare the plain texts only
        ref = {k: v for k, v in ref.items() if "::" not in k}
    diffs = compare(ref, now)
    if diffs:
        print("\n".join(diffs[:60]))
        print(f"DIFFERENT: {sum(1 for d in diffs if not d.startswith(' '))} differences")
        return 1
    print(f"IDENTICAL to {args.reference}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
