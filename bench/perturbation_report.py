"""Claim extraction under perturbations: F1 before and after, per gold folder and perturbation.

Runs the suite of ``tests/news/perturb.py`` (rename entities, change numbers,
reorder sentences, ticker tags, Title Case) on every gold folder of its
``GOLD_FOLDERS`` that exists here (the own corpus, validation/tune, and
../shared/corpus/dev when present) and prints one row per folder and
perturbation: the articles the perturbation changed, their gold claims, F1 of
the extractor on them as written and as perturbed, and tp/fp/fn of both.
``tests/news/test_extract_perturbation.py`` asserts on the same numbers.

Run: ``.venv/bin/python bench/perturbation_report.py [--seeds N ...] [--folder NAME ...]``.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

PERTURB = Path(__file__).resolve().parents[1] / "tests" / "news" / "perturb.py"


def load_perturb() -> ModuleType:
    """Import tests/news/perturb.py (tests/ is not a package)."""
    spec = importlib.util.spec_from_file_location("perturb", PERTURB)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["perturb"] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def main() -> int:
    perturb = load_perturb()
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--seeds", type=int, nargs="+", default=list(perturb.SEEDS))
    ap.add_argument("--folder", action="append", choices=list(perturb.GOLD_FOLDERS))
    args = ap.parse_args()
    folders = [f for f in args.folder or perturb.GOLD_FOLDERS if perturb.GOLD_FOLDERS[f].is_dir()]
    if not folders:
        print("no gold folder found", file=sys.stderr)
        return 1
    header = f"{'folder':11} {'perturbation':21} {'articles':>8} {'claims':>6}  {'F1 orig':>7} {'F1 pert':>7} {'drop':>6}  tp/fp/fn orig -> pert"
    print(f"seeds {' '.join(map(str, args.seeds))} (scores pool every changed article and seed)")
    print(header)
    print("-" * len(header))
    for folder in folders:
        for name in perturb.PERTURBATIONS:
            r = perturb.measure(folder, name, seeds=args.seeds)
            orig, pert = r.original, r.perturbed
            counts = f"{orig.tp}/{orig.fp}/{orig.fn} -> {pert.tp}/{pert.fp}/{pert.fn}"
            print(
                f"{folder:11} {name:21} {r.articles:8d} {r.claims:6d}  "
                f"{orig.f1:7.3f} {pert.f1:7.3f} {orig.f1 - pert.f1:6.3f}  {counts}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
