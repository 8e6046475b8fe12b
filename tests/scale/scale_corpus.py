"""Synthetic articles for the scale tests, varied from the package's demo articles.

Each article keeps a demo article's shape (a ``date:`` header, claims about the
theme's names) with its date, numbers and paragraph order changed and a
reference line added, so every one has its own content hash. ``paragraphs``
repeats the body (varied again) to make an article slower to extract.
"""

from __future__ import annotations

import random
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from themelens.news.ingest import ingest
from themelens.theme import Theme

DEMO = Path(__file__).resolve().parents[2] / "src" / "themelens" / "demo_articles"
_DATE = re.compile(r"^date: (\d{4}-\d{2}-\d{2})$", re.MULTILINE)
_NUMBER = re.compile(r"(?<![\d.])(\d{1,3}(?:\.\d+)?)(%| billion| million)")


def seeds() -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted(DEMO.glob("*.txt"))]


def vary(text: str, rng: random.Random, ref: int, paragraphs: int = 1) -> str:
    """One article from a demo article: date shifted, numbers scaled, body rotated and repeated."""

    def shift(m: re.Match[str]) -> str:
        return f"date: {date.fromisoformat(m.group(1)) + timedelta(days=rng.randint(-40, 40))}"

    def number(m: re.Match[str]) -> str:
        value = float(m.group(1)) * rng.uniform(0.6, 1.4)
        return f"{value:.1f}{m.group(2)}"

    head, _, body = _DATE.sub(shift, text, count=1).partition("\n\n")
    parts = [p for p in body.split("\n\n") if p.strip()]
    out = []
    for _ in range(paragraphs):
        cut = rng.randint(0, max(len(parts) - 1, 0))
        out.extend(_NUMBER.sub(number, p) for p in parts[cut:] + parts[:cut])
    return f"{head}\n\n" + "\n\n".join(out) + f"\n\nRef. {ref:06d}.\n"


def write_corpus(
    folder: Path, n: int, *, paragraphs: int = 1, start: int = 0, day: date | None = None
) -> list[Path]:
    """``n`` articles ``a000000.txt``... in ``folder`` (made if missing); returns their paths.

    ``day`` dates them all that day (one month: one shard per partition).
    """
    folder.mkdir(parents=True, exist_ok=True)
    texts = seeds()
    paths = []
    for i in range(start, start + n):
        text = vary(texts[i % len(texts)], random.Random(i), i, paragraphs)
        if day is not None:
            text = _DATE.sub(f"date: {day.isoformat()}", text, count=1)
        path = folder / f"a{i:06d}.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths


def single_process(folder: Path, theme: Theme, prices: pd.DataFrame) -> tuple[list[Any], ...]:
    """What the single-process path gives for ``folder``: articles, claims, verdict rows."""
    from themelens.news.extract import extract_claims
    from themelens.verify import verify_claims

    articles = list(ingest([str(folder)]).articles)
    claims = [c for a in articles for c in extract_claims(a, theme)]
    verified = verify_claims(
        claims,
        prices=prices,
        theme=theme,
        article_dates={a.id: a.published for a in articles},
        proxy=True,
    )
    return articles, claims, list(verified.rows)


def universe_prices(tickers: int, sessions: int, *, seed: int = 7) -> pd.DataFrame:
    """A synthetic universe: ``tickers`` names ``U0000.HK``... and the benchmark ``BENCH.HK``,
    each a random walk loosely tied to the benchmark, on weekdays from 2020."""
    import numpy as np

    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2020-01-01", periods=sessions)
    market = rng.normal(0.0003, 0.011, sessions)
    frames = [
        pd.DataFrame(
            {"date": dates, "ticker": "BENCH.HK", "close": 100 * np.exp(np.cumsum(market))}
        )
    ]
    for i in range(tickers):
        beta = rng.uniform(0.5, 1.5)
        r = beta * market + rng.normal(0, 0.015, sessions)
        close = 50 * np.exp(np.cumsum(r))
        frames.append(pd.DataFrame({"date": dates, "ticker": f"U{i:04d}.HK", "close": close}))
    out = pd.concat(frames, ignore_index=True)
    out["open"] = out["close"]
    out["high"] = out["close"] * 1.01
    out["low"] = out["close"] * 0.99
    out["volume"] = 1000.0
    return out[["date", "ticker", "open", "high", "low", "close", "volume"]]
