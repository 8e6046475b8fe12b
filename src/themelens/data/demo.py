"""A deterministic synthetic market, so the whole pipeline runs offline.

Everything here is **synthetic demo data**: invented prices with a plausible
shape, never market data. Outputs built on it say so (``SYNTHETIC_LABEL``).

Model
-----
Daily log returns on a common weekday grid follow a factor model::

    r[ticker] = b_us * f_us + b_china * f_china + b_chips * f_chips + e[issuer] + u[ticker]

with Student-t innovations (5 degrees of freedom, scaled to unit variance) so
that big days happen about as often as they do in equity markets. ``f_china``
(China tech) carries a synthetic story: a 2021–22 slump, a Jan–Sep 2025 rally
and a jump on 2025-09-17; ``f_chips`` (semiconductors) rallies in mid-2025.
Listings of one issuer (``9988.HK`` and ``BABA``) share ``e`` and so move
together, as dual listings do. Each ticker then samples its own exchange's
sessions (``calendar.sessions``): returns of days its exchange was shut
accumulate into the next session. Shanghai/Shenzhen shares are held to their
daily price limits (±10%, ±20% on STAR and ChiNext).

Every random stream is seeded from ``(seed, zlib.crc32(name))``, so a ticker's
series depends only on the seed, the date range and its own group — never on
which other tickers were requested.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Final

import numpy as np
import pandas as pd

from themelens.data.calendar import exchange_for_ticker, sessions
from themelens.data.contracts import PRICE_COLUMNS, validate_prices

__all__ = [
    "DEFAULT_END",
    "DEFAULT_SEED",
    "DEFAULT_START",
    "GROUPS",
    "default_group",
    "generate_demo_market",
]

DEFAULT_START: Final = date(2019, 1, 2)
DEFAULT_END: Final = date(2026, 10, 30)
DEFAULT_SEED: Final = 20250917

_WEEKDAYS_PER_YEAR: Final = 261.0
_T_DOF: Final = 5.0


@dataclass(frozen=True)
class _Factor:
    vol: float  # annualised
    drift: float  # annualised log drift
    regimes: tuple[tuple[str, str, float], ...] = ()  # (first day, last day, total log return)
    jumps: tuple[tuple[str, float], ...] = ()  # (day, log return added)


# The synthetic story lives in the factor regimes; all dates and sizes are invented.
_FACTORS: Final = {
    "us": _Factor(0.16, 0.08, regimes=(("2020-02-20", "2020-03-23", -0.35),)),
    "china": _Factor(
        0.22,
        0.0,
        regimes=(("2021-02-17", "2022-10-31", -0.90), ("2025-01-13", "2025-09-30", 0.50)),
        jumps=(("2025-09-17", 0.035),),
    ),
    "chips": _Factor(0.24, 0.02, regimes=(("2025-06-02", "2025-10-31", 0.30),)),
}


@dataclass(frozen=True)
class _Style:
    loadings: tuple[float, float, float]  # on us, china, chips
    issuer_vol: float  # annualised idiosyncratic vol shared by an issuer's listings
    listing_vol: float  # annualised noise of one listing
    drift: float  # annualised log drift
    level: tuple[float, float]  # range of the first close
    volume: float  # median daily volume


_STYLES: Final = {
    "china-tech": _Style((0.5, 1.0, 0.0), 0.26, 0.04, 0.0, (15.0, 400.0), 2.0e7),
    "chips": _Style((0.5, 0.6, 1.0), 0.28, 0.05, 0.0, (8.0, 120.0), 3.0e7),
    "us": _Style((1.0, 0.0, 0.1), 0.17, 0.02, 0.04, (40.0, 300.0), 3.0e7),
    "us-chips": _Style((1.2, 0.0, 0.8), 0.28, 0.02, 0.10, (20.0, 200.0), 4.0e7),
    "hk-index": _Style((0.4, 1.0, 0.1), 0.05, 0.0, 0.0, (4000.0, 4000.0), 3.0e9),
    "us-index": _Style((1.15, 0.0, 0.25), 0.03, 0.02, 0.02, (6500.0, 6500.0), 4.0e9),
}
GROUPS: Final = tuple(sorted(_STYLES))
"""Groups a ticker can belong to; each sets factor loadings, vols and price level."""

_KNOWN_GROUPS: Final = {
    **dict.fromkeys(("0981.HK", "688981.SS", "1347.HK", "688347.SS", "002371.SZ"), "chips"),
    **dict.fromkeys(("HSTECH.HK", "^HSI", "^HSCE"), "hk-index"),
    "NVDA": "us-chips",
    **dict.fromkeys(("BABA", "BIDU", "TCEHY", "JD"), "china-tech"),
}
_KNOWN_ISSUERS: Final = {
    "9988.HK": "alibaba",
    "BABA": "alibaba",
    "9888.HK": "baidu",
    "BIDU": "baidu",
    "0700.HK": "tencent",
    "TCEHY": "tencent",
    "9618.HK": "jd",
    "JD": "jd",
    "0981.HK": "smic",
    "688981.SS": "smic",
    "1347.HK": "hua-hong",
    "688347.SS": "hua-hong",
    "300750.SZ": "catl",
    "3750.HK": "catl",
    "0762.HK": "china-unicom",
    "600050.SS": "china-unicom",
    "^NDX": "nasdaq",
    "^IXIC": "nasdaq",
}
_KNOWN_LEVELS: Final = {
    "HSTECH.HK": 4000.0,
    "^HSI": 25000.0,
    "^HSCE": 10000.0,
    "^NDX": 6300.0,
    "^IXIC": 6650.0,
    "^GSPC": 2500.0,
}


def default_group(ticker: str) -> str:
    """The group a ticker gets when none is given: known theme names, else by listing.

    Other ``^`` indexes are US indexes, Hong Kong and mainland listings China
    tech, anything else a US share.
    """
    upper = ticker.upper()
    if upper in _KNOWN_GROUPS:
        return _KNOWN_GROUPS[upper]
    if upper.startswith("^"):
        return "us-index"
    if upper.endswith((".HK", ".SS", ".SZ")):
        return "china-tech"
    return "us"


def generate_demo_market(
    tickers: Iterable[str],
    *,
    start: date = DEFAULT_START,
    end: date = DEFAULT_END,
    seed: int = DEFAULT_SEED,
    groups: Mapping[str, str] | None = None,
    issuers: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Synthetic daily bars for ``tickers`` in the long price contract.

    Parameters
    ----------
    tickers
        Yahoo-style tickers; each trades on the sessions of its exchange.
    start, end
        Inclusive date range.
    seed
        Seeds every random stream (see module docs); same inputs, same frame.
    groups
        Ticker → one of ``GROUPS``; missing tickers get ``default_group``.
    issuers
        Ticker → issuer key; listings sharing a key share their idiosyncratic
        moves (defaults pair the theme's HK, US and mainland listings).

    Returns
    -------
    DataFrame
        ``PRICE_COLUMNS``, sorted by ``(ticker, date)``: consistent OHLC
        (``low <= open, close <= high``) and positive volume.

    Notes
    -----
    Synthetic demo data, not market data. Vols come out near 30–45% a year for
    Hong Kong and mainland names, 20–25% for US shares and 18–25% for indexes.
    """
    wanted = list(dict.fromkeys(t.strip().upper() for t in tickers if t.strip()))
    if start > end:
        raise ValueError(f"start {start} is after end {end}")
    grid = pd.bdate_range(start, end)
    factors = {name: _factor_path(name, spec, grid, seed) for name, spec in _FACTORS.items()}
    parts = []
    for ticker in wanted:
        group = (groups or {}).get(ticker) or default_group(ticker)
        if group not in _STYLES:
            raise ValueError(f"{ticker}: unknown demo group {group!r}; known: {', '.join(GROUPS)}")
        issuer = (issuers or {}).get(ticker) or _KNOWN_ISSUERS.get(ticker, ticker)
        parts.append(_ticker_bars(ticker, _STYLES[group], issuer, grid, factors, seed))
    if not parts:
        return validate_prices(pd.DataFrame({c: [] for c in PRICE_COLUMNS}))
    return validate_prices(pd.concat(parts, ignore_index=True))


def _rng(seed: int, name: str, stream: int) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(name.encode("utf-8")), stream])


def _t_noise(rng: np.random.Generator, n: int) -> np.ndarray:
    """Unit-variance Student-t draws: heavy tails without changing the vol."""
    scale = float(np.sqrt((_T_DOF - 2.0) / _T_DOF))
    draws: np.ndarray = np.asarray(rng.standard_t(_T_DOF, size=n), dtype=float)
    return draws * scale


def _factor_path(name: str, spec: _Factor, grid: pd.DatetimeIndex, seed: int) -> np.ndarray:
    """Daily log returns of one factor on the weekday grid, story included."""
    n = len(grid)
    daily_vol = spec.vol / float(np.sqrt(_WEEKDAYS_PER_YEAR))
    returns: np.ndarray = spec.drift / _WEEKDAYS_PER_YEAR + daily_vol * _t_noise(
        _rng(seed, f"factor:{name}", 0), n
    )
    for first, last, total in spec.regimes:
        inside = (grid >= pd.Timestamp(first)) & (grid <= pd.Timestamp(last))
        count = int(inside.sum())
        if count:
            returns[inside] += total / count
    for day, jump in spec.jumps:
        returns[grid == pd.Timestamp(day)] += jump
    return returns


def _ticker_bars(
    ticker: str,
    style: _Style,
    issuer: str,
    grid: pd.DatetimeIndex,
    factors: Mapping[str, np.ndarray],
    seed: int,
) -> pd.DataFrame:
    n = len(grid)
    per_day = np.sqrt(_WEEKDAYS_PER_YEAR)
    b_us, b_china, b_chips = style.loadings
    returns = (
        b_us * factors["us"]
        + b_china * factors["china"]
        + b_chips * factors["chips"]
        + style.drift / _WEEKDAYS_PER_YEAR
        + style.issuer_vol / per_day * _t_noise(_rng(seed, f"issuer:{issuer}", 0), n)
        + style.listing_vol / per_day * _t_noise(_rng(seed, f"listing:{ticker}", 0), n)
    )
    days = sessions(exchange_for_ticker(ticker), grid[0], grid[-1]) if n else pd.DatetimeIndex([])
    at = grid.get_indexer(days)
    days, at = days[at >= 0], at[at >= 0]  # exchange sessions all fall on weekdays
    if len(days) == 0:
        return pd.DataFrame({c: [] for c in PRICE_COLUMNS})
    path = np.cumsum(returns)[at]
    step = np.diff(path, prepend=path[0])  # a holiday's moves land on the next session
    extra = _rng(seed, f"listing:{ticker}", 1)
    low_level, high_level = style.level
    first_close = _KNOWN_LEVELS.get(ticker) or float(
        np.exp(extra.uniform(np.log(low_level), np.log(high_level)))
    )
    decimals = 2 if first_close >= 1000 else 3
    limit = _price_limit(ticker)
    close = _closes(first_close, np.expm1(step), limit, decimals)
    daily_vol = float(np.std(step)) if len(step) > 1 else 0.02
    return _with_ohlcv(ticker, days, close, daily_vol, limit, decimals, style.volume, extra)


def _closes(first: float, simple: np.ndarray, limit: float | None, decimals: int) -> np.ndarray:
    """Rounded closes; under a price limit each close stays within the band of the one before.

    The band is applied to the *rounded* previous close, as exchanges do, so
    the limit holds exactly in the output; that makes it sequential.
    """
    if limit is None:
        closes: np.ndarray = np.round(first * np.cumprod(1.0 + simple), decimals)
        return closes
    out = np.empty(len(simple))
    prev = out[0] = round(first, decimals)
    for i in range(1, len(simple)):
        up, down = _band(prev, limit, decimals)
        prev = out[i] = min(max(round(prev * (1.0 + simple[i]), decimals), down), up)
    return out


def _band(prev: float, limit: float, decimals: int) -> tuple[float, float]:
    """Highest and lowest price allowed after a close of ``prev`` (rounded inwards)."""
    tick = 10.0**-decimals
    up = np.floor(prev * (1.0 + limit) / tick + 1e-9) * tick
    down = np.ceil(prev * (1.0 - limit) / tick - 1e-9) * tick
    return round(float(up), decimals), round(float(down), decimals)


def _price_limit(ticker: str) -> float | None:
    """Mainland daily limit: ±20% on STAR (688…) and ChiNext (300…), ±10% elsewhere."""
    code, _, suffix = ticker.upper().partition(".")
    if suffix not in ("SS", "SZ"):
        return None
    return 0.20 if code.startswith(("688", "300")) else 0.10


def _with_ohlcv(
    ticker: str,
    days: pd.DatetimeIndex,
    close: np.ndarray,
    daily_vol: float,
    limit: float | None,
    decimals: int,
    base_volume: float,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Open, high, low and volume around the closes, consistent by construction.

    The open takes part of the day's move (an overnight gap), high and low
    reach beyond the open/close range by half-normal amounts, and volume rises
    with the size of the move. Rounding is monotone, so it keeps
    ``low <= open, close <= high``; under a price limit every price stays in
    the band around the previous close.
    """
    n = len(close)
    prev = np.concatenate([close[:1], close[:-1]])
    move = np.log(close / prev)
    gap = rng.uniform(0.2, 0.6, n) * move + 0.3 * daily_vol * rng.standard_normal(n)
    open_ = np.round(prev * np.exp(gap), decimals)
    reach_up = np.exp(0.5 * daily_vol * np.abs(rng.standard_normal(n)))
    reach_down = np.exp(-0.5 * daily_vol * np.abs(rng.standard_normal(n)))
    high = np.round(np.maximum(open_, close) * reach_up, decimals)
    low = np.round(np.minimum(open_, close) * reach_down, decimals)
    if limit is not None:
        bands = np.array([_band(float(p), limit, decimals) for p in prev])
        up, down = bands[:, 0], bands[:, 1]
        open_ = np.clip(open_, down, up)
        high = np.clip(high, np.maximum(open_, close), up)
        low = np.clip(low, down, np.minimum(open_, close))
    size = np.abs(move) / max(daily_vol, 1e-9)
    volume = np.round(base_volume * np.exp(0.35 * rng.standard_normal(n)) * (1.0 + 0.6 * size))
    return pd.DataFrame(
        {
            "date": days,
            "ticker": ticker,
            "open": open_,
            "high": high,
            "low": low,
            "close": close,
            "volume": np.maximum(volume, 1.0),
        }
    )
