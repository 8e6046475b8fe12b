"""Benchmark: ``themelens news add`` and ``themelens verify`` of N articles; per-article cost and slope.

Issue 18 ("fast on one core, linear everywhere") measured ``news add`` at 67 ms
an article for 100 articles and 84 ms for 10,000 (n^1.09), ``verify`` at 108
and 173 ms (n^1.18): most of it opening and closing the store once or more
per article. Targets: per-article cost flat within 15 % from 100 to 10,000
articles, and ``news add`` at 100 articles/s or more.

The script writes N synthetic articles into a temporary folder, varied from
the five dev articles under ``../shared/corpus/dev`` (their dates, numbers,
company names and paragraph order changed, a reference line added, so each has
its own content hash; nothing of their text is kept in this repository), then
runs the real commands in fresh processes on a temporary store:

* ``news add DIR --db A`` on an empty store, then again on the same store
  (every article unchanged: nothing is re-extracted);
* ``verify DIR --db B --prices-dir ../shared/data/prices --format jsonl`` on an
  empty store, then again.

The commands run a copy of ``src`` taken when the script starts, so an edit
made meanwhile (which changes the package digest in every extraction key)
cannot turn the second runs into first runs. For each run it prints the wall
time, the per-article cost net of a one-article run of the same command (the
least of three: the process start, imports and theme), and the number of
DuckDB connections the process opened (``duckdb.connect`` calls on a file,
counted by a wrapper around the entry point). Last, the slope: the exponent
``k`` of net time ~ N^k between the smallest and largest N (1.0 is linear).

Run: .venv/bin/python bench/bench_news_scaling.py [--sizes 100 1000] [--large]
(``--large`` adds N = 10,000: five to seven minutes more on two busy cores).
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import NamedTuple

from _machine import cpu_model  # bench/_machine.py: run as bench/<script>.py

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
DEV = SHARED / "corpus" / "dev"
PRICES = SHARED / "data" / "prices"

# The command runs in a child process through this wrapper, which counts the
# DuckDB files it opens and prints the count on stderr's last line.
_WRAPPER = """
import sys, duckdb
opened = [0]
_connect = duckdb.connect
def counting(database=":memory:", *args, **kwargs):
    if str(database) not in ("", ":memory:"):
        opened[0] += 1
    return _connect(database, *args, **kwargs)
duckdb.connect = counting
from themelens.cli import app
try:
    app(sys.argv[1:], prog_name="themelens")
finally:
    print(f"BENCH connections={opened[0]}", file=sys.stderr)
"""

_NAMES = ("Alibaba", "Tencent", "Baidu", "JD.com", "Meituan", "Xiaomi", "NetEase", "SMIC")
_HEADER_DATE = re.compile(r"^date: (\d{4}-\d{2}-\d{2})$", re.MULTILINE)
_PERCENT = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d+)?)%")
_AMOUNT = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d+)?)( billion| million| bn)")


class Timed(NamedTuple):
    seconds: float  # wall
    cpu: float  # user + system of the process
    connections: int


def vary(text: str, rng: random.Random, ref: int) -> str:
    """One synthetic article from a dev article: date, numbers, names and paragraph order changed."""

    def shift_date(m: re.Match[str]) -> str:
        day = date.fromisoformat(m.group(1)) + timedelta(days=rng.randint(-20, 20))
        return f"date: {day.isoformat()}"

    def number(m: re.Match[str]) -> str:
        value = float(m.group(1)) * rng.uniform(0.6, 1.4)
        decimals = len(m.group(1).partition(".")[2])
        return f"{value:.{max(decimals, 1)}f}" + m.group(0)[len(m.group(1)) :]

    text = _HEADER_DATE.sub(shift_date, text, count=1)
    text = _AMOUNT.sub(number, _PERCENT.sub(number, text))
    swapped = list(_NAMES)
    rng.shuffle(swapped)
    marks = {name: f"\x00{i}\x00" for i, name in enumerate(_NAMES)}
    for name, mark in marks.items():
        text = text.replace(name, mark)
    for i, name in enumerate(swapped):
        text = text.replace(f"\x00{i}\x00", name)
    lines = text.split("\n")
    head = 2 if lines and lines[0].startswith("date:") else 1  # the header and the title stay
    body = lines[head:]
    if len(body) > 3:
        cut = rng.randint(1, len(body) - 1)
        body = body[cut:] + body[:cut]  # paragraphs rotated: each still reads as written
    return "\n".join([*lines[:head], *body, "", f"Ref. {ref:06d}."]) + "\n"


def write_articles(folder: Path, n: int, seeds: list[str]) -> None:
    folder.mkdir(parents=True)
    for i in range(n):
        rng = random.Random(i)
        (folder / f"a{i:06d}.txt").write_text(vary(seeds[i % len(seeds)], rng, i), encoding="utf-8")


def run(args: list[str], *, src: Path) -> Timed:
    """Run ``themelens ARGS`` from ``src`` in a fresh process through the counting wrapper."""
    env = {**os.environ, "PYTHONHASHSEED": "0", "NO_COLOR": "1", "PYTHONPATH": str(src)}
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _WRAPPER, *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        check=False,
    )
    seconds = time.perf_counter() - start
    now = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = now.ru_utime + now.ru_stime - used.ru_utime - used.ru_stime
    found = re.findall(r"BENCH connections=(\d+)", done.stderr)
    if done.returncode not in (0, 1) or not found:
        tail = done.stderr.strip().splitlines()[-3:]
        raise SystemExit(f"themelens {' '.join(args[:2])} failed ({done.returncode}): {tail}")
    return Timed(seconds, cpu, int(found[-1]))


def commands(folder: Path, db: Path) -> dict[str, list[str]]:
    return {
        "news add": ["news", "add", str(folder), "--db", str(db)],
        "verify": [
            "verify", str(folder), "--db", str(db), "--prices-dir", str(PRICES),
            "--format", "jsonl",
        ],
    }  # fmt: skip


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--sizes", type=int, nargs="+", default=[100, 1000], help="article counts")
    ap.add_argument("--large", action="store_true", help="add N = 10,000")
    ap.add_argument(
        "--only", choices=("news add", "verify"), default=None, help="run one command only"
    )
    ap.add_argument(
        "--src",
        type=Path,
        default=REPO / "src",
        help="the src folder to copy and run (another version: git archive HEAD src | tar -x)",
    )
    opts = ap.parse_args()
    if not DEV.is_dir() or not PRICES.is_dir():
        print(f"skipped: {DEV} or {PRICES} is absent (the shared corpus and prices)")
        return
    seeds = [p.read_text(encoding="utf-8") for p in sorted(DEV.glob("*.txt"))]
    sizes = sorted({*opts.sizes, *([10_000] if opts.large else [])})
    print(f"{cpu_model()}, {os.cpu_count()} cores, python {platform.python_version()}")
    print(f"themelens: a copy of {opts.src}; articles varied from {len(seeds)} dev articles")
    names = [opts.only] if opts.only else ["news add", "verify"]
    net: dict[str, dict[int, tuple[float, float]]] = {name: {} for name in names}
    with tempfile.TemporaryDirectory(prefix="themelens-scaling-") as tmp:
        root = Path(tmp)
        src = root / "src"
        shutil.copytree(
            opts.src / "themelens",
            src / "themelens",
            ignore=shutil.ignore_patterns("__pycache__"),
        )
        write_articles(root / "one", 1, seeds)
        base: dict[str, Timed] = {}
        for i, name in enumerate(names):  # the least of three: the start varies most
            runs = [
                run(commands(root / "one", root / f"one-{i}-{k}.duckdb")[name], src=src)
                for k in range(3)
            ]
            base[name] = Timed(min(r.seconds for r in runs), min(r.cpu for r in runs), 0)
            print(
                f"{name}: one article {base[name].seconds * 1000:.0f} ms wall, "
                f"{base[name].cpu * 1000:.0f} ms CPU (start, imports, theme)"
            )
        print(
            f"{'command':<9} {'N':>6} {'run':<6} {'wall s':>7} {'CPU s':>7} {'ms/art':>7} "
            f"{'net wall':>9} {'net CPU':>8} {'art/s':>6} {'connections':>11}"
        )
        for n in sizes:
            folder = root / f"n{n}"
            write_articles(folder, n, seeds)
            for name in names:
                db = root / f"n{n}-{name.replace(' ', '-')}.duckdb"
                for label in ("fresh", "again"):
                    t = run(commands(folder, db)[name], src=src)
                    wall = max(t.seconds - base[name].seconds, 1e-9) / n
                    cpu = max(t.cpu - base[name].cpu, 1e-9) / n
                    if label == "fresh":
                        net[name][n] = (wall, cpu)
                    print(
                        f"{name:<9} {n:>6} {label:<6} {t.seconds:>7.2f} {t.cpu:>7.2f} "
                        f"{t.seconds / n * 1000:>7.2f} {wall * 1000:>9.2f} {cpu * 1000:>8.2f} "
                        f"{min(1 / wall, 99999):>6.0f} {t.connections:>11}",
                        flush=True,
                    )
    print("net: per article, less the one-article run (ms); art/s from the net wall time")
    for name, per in net.items():
        if len(per) < 2:
            continue
        lo, hi = min(per), max(per)
        for i, what in enumerate(("wall", "CPU")):
            a, b = per[lo][i], per[hi][i]
            slope = 1 + math.log(b / a) / math.log(hi / lo)
            print(
                f"{name} {what}: {a * 1000:.2f} ms/article at N={lo}, {b * 1000:.2f} at N={hi} "
                f"(x{b / a:.2f}); time ~ N^{slope:.2f}"
            )


if __name__ == "__main__":
    main()
