"""How far ``themelens verify`` agrees with the independent reference verdicts.

Run ``.venv/bin/python bench/verdict_agreement.py [--sets DIR ...] [--json OUT]``.
For each set it runs the tool end to end::

    .venv/bin/themelens verify SET_DIR --prices-dir PRICES --format jsonl --db TMP/x.duckdb

matches the tool's claims to the gold claims with the rule of
``../shared/tools/score_claims.py`` (its ``matches`` is imported from that path;
predictions that restate each other are collapsed first, then each gold claim
takes the first unused matching prediction), and compares the tool's verdict
with ``bench/verdict_reference.py`` on every matched gold market claim.

Figures, per set and pooled:

* ``checkable``: gold market claims about one entity (no ``+``);
* ``coverage``: share of checkable gold claims the tool found (matched);
* ``agreement``: share of matched claims where tool verdict == reference verdict;

and the same three for the subset whose reference verdict is not
``unverifiable``. Every disagreement is listed with both reasons.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))  # run as bench/<script>.py
from verdict_reference import (
    PRICES_DIR,
    THEME,
    RefVerdict,
    is_checkable,
    load_set,
    reference_verdicts,
)

ROOT = Path(__file__).resolve().parents[1]
SCORER = ROOT.parent / "shared/tools/score_claims.py"
TOOL = ROOT / ".venv/bin/themelens"
SETS = (
    ROOT.parent / "shared/corpus/dev",
    *(
        ROOT / "tests/news/validation" / n
        for n in ("tune", "tune2", "tune3", "holdout", "holdout2")
    ),
)


def load_matcher(path: Path = SCORER) -> Callable[[dict[str, Any], dict[str, Any]], bool]:
    """``matches(pred, gold)`` from the shared scorer, loaded from its file."""
    spec = importlib.util.spec_from_file_location("score_claims", path)
    if spec is None or spec.loader is None:
        raise SystemExit(f"{path}: cannot load the scorer")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    matcher: Callable[[dict[str, Any], dict[str, Any]], bool] = module.matches
    return matcher


@dataclass(frozen=True)
class Pair:
    """One checkable gold claim: its reference verdict and the tool's matched claim (if any)."""

    ref: RefVerdict
    tool: dict[str, Any] | None

    @property
    def agrees(self) -> bool:
        return self.tool is not None and self.tool.get("verdict") == self.ref.verdict


@dataclass
class Figures:
    """Counts for one set (or pooled); ``*_v``: reference verdict not unverifiable."""

    checkable: int = 0
    matched: int = 0
    agreed: int = 0
    checkable_v: int = 0
    matched_v: int = 0
    agreed_v: int = 0
    tool_failed: bool = False
    confusion: Counter[str] = field(default_factory=Counter)

    def add(self, pair: Pair) -> None:
        verifiable = pair.ref.verdict != "unverifiable"
        self.checkable += 1
        self.checkable_v += verifiable
        if pair.tool is not None:
            self.matched += 1
            self.matched_v += verifiable
            self.agreed += pair.agrees
            self.agreed_v += pair.agrees and verifiable
            self.confusion[f"{pair.ref.verdict} -> {pair.tool.get('verdict')}"] += 1

    def to_dict(self) -> dict[str, Any]:
        def share(a: int, b: int) -> float | None:
            return round(a / b, 4) if b else None

        return {
            "checkable": self.checkable,
            "matched": self.matched,
            "agreed": self.agreed,
            "coverage": share(self.matched, self.checkable),
            "agreement": share(self.agreed, self.matched),
            "checkable_verifiable": self.checkable_v,
            "matched_verifiable": self.matched_v,
            "agreed_verifiable": self.agreed_v,
            "coverage_verifiable": share(self.matched_v, self.checkable_v),
            "agreement_verifiable": share(self.agreed_v, self.matched_v),
            "tool_failed": self.tool_failed,
            "confusion": dict(sorted(self.confusion.items())),
        }


def run_tool(set_dir: Path, prices_dir: Path, workdir: Path) -> list[dict[str, Any]]:
    """The tool's claims with verdicts for every article of a set (JSONL lines)."""
    cmd = [str(TOOL), "verify", str(set_dir), "--prices-dir", str(prices_dir)]
    cmd += ["--format", "jsonl", "--db", str(workdir / "x.duckdb")]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["(no stderr)"])[-1]
        print(f"!! tool failed on {set_dir} (exit {done.returncode}): {tail}", file=sys.stderr)
    return [json.loads(x) for x in done.stdout.splitlines() if x.strip().startswith("{")]


def pair_claims(
    set_dir: Path,
    tool_claims: list[dict[str, Any]],
    refs: list[RefVerdict],
    matches: Callable[[dict[str, Any], dict[str, Any]], bool],
) -> list[Pair]:
    """Match tool claims to gold as ``score_claims.score`` does; one Pair per checkable gold claim."""
    by_key = {(r.article, r.claim_index): r for r in refs}
    pairs = []
    for article in load_set(set_dir):
        uniq: list[dict[str, Any]] = []
        for p in (c for c in tool_claims if c.get("article") == article.name):
            if not any(matches(p, q) and matches(q, p) for q in uniq):
                uniq.append(p)
        used = [False] * len(uniq)
        for k, gold in enumerate(article.claims):
            hit = next((i for i, p in enumerate(uniq) if not used[i] and matches(p, gold)), None)
            if hit is not None:
                used[hit] = True
            if is_checkable(gold):
                pairs.append(Pair(by_key[(article.name, k)], None if hit is None else uniq[hit]))
    return pairs


def format_figures(name: str, f: Figures) -> str:
    d = f.to_dict()

    def pct(x: float | None) -> str:
        return "  n/a" if x is None else f"{100 * x:5.1f}%"

    return (
        f"{name:10} checkable {d['checkable']:4}  coverage {pct(d['coverage'])} ({d['matched']:3})  "
        f"agreement {pct(d['agreement'])} ({d['agreed']:3})  | verifiable {d['checkable_verifiable']:3}  "
        f"coverage {pct(d['coverage_verifiable'])} ({d['matched_verifiable']:3})  "
        f"agreement {pct(d['agreement_verifiable'])} ({d['agreed_verifiable']:3})"
        + ("  TOOL FAILED" if f.tool_failed else "")
    )


def format_disagreement(set_name: str, pair: Pair) -> str:
    tool = pair.tool or {}
    r = pair.ref
    return (
        f"- {set_name}/{r.article}#{r.claim_index} {r.entity} {r.metric} {r.value} "
        f"{r.window or ''} | {r.quote[:100]!r}\n"
        f"    tool: {tool.get('verdict')} [{tool.get('ticker')} {tool.get('asof')} "
        f"computed={tool.get('computed')}] {tool.get('reason')}\n"
        f"    ref:  {r.verdict} [{r.ticker} {r.session} computed={r.computed}] {r.reason}"
    )


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--sets", nargs="+", type=Path, default=list(SETS), help="set folders")
    ap.add_argument("--prices-dir", type=Path, default=PRICES_DIR)
    ap.add_argument("--theme", type=Path, default=THEME, help="theme YAML for the reference")
    ap.add_argument(
        "--listing-source",
        choices=("gold", "quote"),
        default="gold",
        help="reference listing: gold claim's listing key then quote words (default), or words only",
    )
    ap.add_argument("--json", type=Path, metavar="OUT", help="write the figures as JSON")
    ap.add_argument("--quiet", action="store_true", help="do not list the disagreements")
    args = ap.parse_args(argv)
    matches = load_matcher()
    pooled, per_set = Figures(), {}
    disagreements: list[tuple[str, Pair]] = []
    with tempfile.TemporaryDirectory(prefix="verdict-agreement-") as tmp:
        for set_dir in args.sets:
            workdir = Path(tmp) / set_dir.name
            workdir.mkdir()
            tool_claims = run_tool(set_dir, args.prices_dir, workdir)
            refs = reference_verdicts(
                set_dir,
                theme_path=args.theme,
                prices_dir=args.prices_dir,
                listing_source=args.listing_source,
            )
            figures = Figures(tool_failed=not tool_claims)
            for pair in pair_claims(set_dir, tool_claims, refs, matches):
                figures.add(pair)
                pooled.add(pair)
                if pair.tool is not None and not pair.agrees:
                    disagreements.append((set_dir.name, pair))
            per_set[set_dir.name] = figures
    if not args.quiet:
        print(f"== {len(disagreements)} disagreements (matched claims, tool != reference)")
        for set_name, pair in disagreements:
            print(format_disagreement(set_name, pair))
        print()
    print("== reference -> tool verdicts (pooled, matched claims)")
    for key, n in sorted(pooled.confusion.items(), key=lambda kv: -kv[1]):
        print(f"{n:5}  {key}")
    print()
    for name, figures in per_set.items():
        print(format_figures(name, figures))
    print(format_figures("pooled", pooled))
    if args.json:
        out = {
            "sets": {k: v.to_dict() for k, v in per_set.items()},
            "pooled": pooled.to_dict(),
            "disagreements": [
                {"set": s, "ref": asdict(p.ref), "tool": p.tool} for s, p in disagreements
            ],
        }
        args.json.write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
