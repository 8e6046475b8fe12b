"""How fast verify gives verdicts, and whether its cost stays linear in the claims.

Run ``.venv/bin/python bench/verify_engine_speed.py [--sizes 1000 10000 50000]``.

Claims are synthetic day moves ("X rose N%") on random sessions of the real
prices in ../shared/data/prices (41 tickers), half of them true to the tape.
Two ways to the same verdict are timed in one process, best of three:

- ``verify_claims``: the engine (listing, session resolution, the day's
  range, misdated neighbours, one reason string per claim);
- the honest baseline: one vectorised pandas pass — close-to-close returns
  for every session, a merge of the claims on (ticker, date), and the plain
  tolerance test — which gives supported/contradicted and nothing else.

The engine does more per claim (a reason, the range, two sessions either
side), so the ratio says what that costs; per-claim time across sizes says
whether the cost is linear.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from themelens.data.providers import CsvProvider, fetch_prices
from themelens.news.claim import Claim
from themelens.theme import load_theme
from themelens.verify import verify_claims

PRICES = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "prices"


def _prices() -> pd.DataFrame:
    tickers = sorted(p.stem for p in PRICES.glob("*.csv"))
    return fetch_prices(CsvProvider(PRICES), tickers).frame


def _claims(prices: pd.DataFrame, theme_slugs: dict[str, str], n: int, seed: int) -> list[Claim]:
    """``n`` day-move claims on random (ticker, session) rows of tickers the theme knows."""
    rng = np.random.default_rng(seed)
    frame = prices[prices["ticker"].isin(theme_slugs)].sort_values(["ticker", "date"])
    frame = frame.assign(ret=frame.groupby("ticker")["close"].pct_change() * 100).dropna(
        subset=["ret"]
    )
    rows = frame.iloc[rng.integers(0, len(frame), n)]
    true = rng.random(n) < 0.5
    values = np.where(true, rows["ret"].round(1), rows["ret"].round(1) + 7.0)
    return [
        Claim(
            theme_slugs[t],
            "return_pct",
            float(v),
            window="1d",
            date=f"{d:%Y-%m-%d}",
            quote="rose",
            article=f"a{i % 100}",
        )
        for i, (t, d, v) in enumerate(zip(rows["ticker"], rows["date"], values, strict=True))
    ]


def _baseline(prices: pd.DataFrame, claims: list[Claim], slugs_to_ticker: dict[str, str]) -> int:
    """Vectorised pandas: returns for all sessions, merge on (ticker, date), tolerance test."""
    frame = prices[["ticker", "date", "close"]].sort_values(["ticker", "date"])
    frame = frame.assign(ret=frame.groupby("ticker")["close"].pct_change() * 100)
    wanted = pd.DataFrame(
        {
            "ticker": [slugs_to_ticker[c.entity] for c in claims],
            "date": pd.to_datetime([c.date for c in claims]),
            "claimed": [float(c.value) for c in claims],
        }
    )
    merged = wanted.merge(frame, on=["ticker", "date"], how="left")
    tol = np.maximum(0.5, 0.1 * merged["ret"].abs())
    supported = (merged["claimed"] - merged["ret"]).abs() <= tol
    return int(supported.sum())


def _best(fn: Callable[[], object], repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", nargs="+", type=int, default=[1000, 10000, 50000])
    args = ap.parse_args()
    theme = load_theme()
    prices = _prices()
    slugs: dict[str, str] = {}
    for entity in theme.entities:
        if entity.primary is not None and entity.primary.ticker in set(prices["ticker"]):
            slugs[entity.primary.ticker] = entity.slug
    to_ticker = {slug: ticker for ticker, slug in slugs.items()}
    print(f"{len(slugs)} tickers the theme knows, {len(prices):,} price rows")
    print(f"{'claims':>8} {'engine s':>9} {'per claim':>10} {'baseline s':>11} {'ratio':>6}")
    dates: dict[str, date | None] = {}
    for n in args.sizes:
        claims = _claims(prices, slugs, n, seed=n)
        engine = _best(
            lambda c=claims: verify_claims(c, prices=prices, theme=theme, article_dates=dates)
        )
        base = _best(lambda c=claims: _baseline(prices, c, to_ticker))
        print(
            f"{n:>8,} {engine:>9.3f} {engine / n * 1e6:>8.1f}us {base:>11.3f} {engine / base:>6.1f}"
        )


if __name__ == "__main__":
    main()
