"""The ``akshare`` provider: Hang Seng indices, Hong Kong shares and A-shares from AkShare.

Yahoo has no usable Hang Seng TECH history and thin A-share coverage; AkShare
(Eastmoney and Sina pages) has both. Tickers stay Yahoo-style everywhere in
themelens; this module maps them to AkShare's symbols and back:

===============================  ===================================================
Yahoo-style ticker               AkShare call
===============================  ===================================================
``HSTECH.HK`` (also ``^HSTECH``)  ``stock_hk_index_daily_sina(symbol="HSTECH")``, then
``^HSI``, ``^HSCE``               ``stock_hk_index_daily_em`` if Sina fails
``0700.HK``                       ``stock_hk_hist(symbol="00700", adjust="qfq")``
``002371.SZ``, ``688981.SS``      ``stock_zh_a_hist(symbol="002371", adjust="qfq")``
===============================  ===================================================

Prices are forward-adjusted (``qfq``: past prices scaled for later dividends
and splits, the latest close as traded), which is what Yahoo's adjusted
history is. A-share volume comes in lots of 100 shares and is converted to
shares; Eastmoney's index series has no volume (NaN). Index series come whole
and are cut to the range here.

Every call goes through :class:`~themelens.data.akshare_client.AkshareClient`
(spacing, retries, the command's deadline, error mapping, column guard); a
symbol that fails, or whose bars break ``contracts.bar_fault``, becomes a
``Failure`` naming the function and the symbol, and the batch goes on.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Final

import pandas as pd

from themelens.data.akshare_client import (
    AkshareCall,
    AkshareCallError,
    AkshareClient,
    FetchFn,
    yyyymmdd,
)
from themelens.data.contracts import Failure, bar_problem, empty_prices, validate_prices
from themelens.data.deadline import Deadline
from themelens.data.providers.base import PriceQuery, ProgressCallback, RawPrices, StandardQuery
from themelens.errors import OfflineError

__all__ = [
    "A_SHARE_COLUMNS",
    "HK_INDEX_SYMBOLS",
    "HK_STOCK_COLUMNS",
    "INDEX_EM_COLUMNS",
    "INDEX_SINA_COLUMNS",
    "AkshareProvider",
    "AkshareSymbol",
    "akshare_symbol",
    "yahoo_ticker",
]

HK_INDEX_SYMBOLS: Final[Mapping[str, str]] = {
    "HSTECH.HK": "HSTECH",
    "^HSTECH": "HSTECH",
    "^HSI": "HSI",
    "^HSCE": "HSCEI",
}
"""Yahoo-style index tickers → AkShare's Hang Seng index symbols (the theme uses ``HSTECH.HK``)."""

INDEX_SINA_COLUMNS: Final = ("date", "open", "high", "low", "close", "volume")
INDEX_EM_COLUMNS: Final = ("date", "open", "high", "low", "latest")
HK_STOCK_COLUMNS: Final = ("日期", "开盘", "收盘", "最高", "最低", "成交量")
A_SHARE_COLUMNS: Final = ("日期", "开盘", "收盘", "最高", "最低", "成交量")
_CN_RENAME: Final = {"日期": "date", "开盘": "open", "收盘": "close", "最高": "high",
                     "最低": "low", "成交量": "volume"}  # fmt: skip
_A_SHARE_LOT: Final = 100.0
_HK_CODE = re.compile(r"^(\d{1,5})\.HK$")
_A_CODE = re.compile(r"^(\d{6})\.(SS|SZ)$")


@dataclass(frozen=True)
class AkshareSymbol:
    """Where a ticker lives in AkShare: the market (``index``, ``hk``, ``a``) and the symbol."""

    market: str
    symbol: str


def akshare_symbol(ticker: str, index_symbols: Mapping[str, str] = HK_INDEX_SYMBOLS) -> AkshareSymbol | None:  # fmt: skip
    """The AkShare market and symbol for a Yahoo-style ticker; ``None`` when AkShare is not the place.

    ``0700.HK`` → ``hk 00700`` (Eastmoney pads Hong Kong codes to five digits),
    ``002371.SZ`` → ``a 002371``, ``HSTECH.HK`` → ``index HSTECH``.
    """
    upper = ticker.strip().upper()
    if upper in index_symbols:
        return AkshareSymbol("index", index_symbols[upper])
    if m := _HK_CODE.match(upper):
        return AkshareSymbol("hk", m.group(1).zfill(5))
    if m := _A_CODE.match(upper):
        return AkshareSymbol("a", m.group(1))
    return None


def yahoo_ticker(symbol: AkshareSymbol, index_symbols: Mapping[str, str] = HK_INDEX_SYMBOLS) -> str:  # fmt: skip
    """The Yahoo-style ticker for an AkShare symbol (the inverse of :func:`akshare_symbol`).

    ``hk 00700`` → ``0700.HK`` (Yahoo writes four digits when the code fits),
    ``a 688981`` → ``688981.SS`` (Shanghai codes start with 6 or 9, the rest
    are Shenzhen), ``index HSTECH`` → the first ticker mapped to it (``HSTECH.HK``).
    """
    if symbol.market == "index":
        return next(
            (t for t, s in index_symbols.items() if s == symbol.symbol), f"^{symbol.symbol}"
        )
    if symbol.market == "hk":
        return f"{int(symbol.symbol):04d}.HK"
    exchange = "SS" if symbol.symbol.startswith(("6", "9")) else "SZ"
    return f"{symbol.symbol}.{exchange}"


class AkshareProvider(StandardQuery):
    """Prices from AkShare for Hang Seng indices, Hong Kong shares and A-shares.

    Parameters
    ----------
    client
        The :class:`AkshareClient` to call through; built from the other
        arguments when not given.
    fetch
        Injected I/O for the default client (tests: ``replay_fetch(dir)``).
    min_interval_s, retries, backoff_s
        The default client's spacing and retry policy; ``client_options``
        (``timeout_s``, ``deadline``, …) go to it too.
    index_symbols
        Yahoo-style index tickers → AkShare index symbols.
    synthetic_recording
        Set when replaying a synthetic recording: each row's ``source`` says so.
    """

    name: ClassVar[str] = "akshare"
    synthetic: ClassVar[bool] = False
    remote: ClassVar[bool] = True

    def __init__(
        self,
        *,
        client: AkshareClient | None = None,
        fetch: FetchFn | None = None,
        min_interval_s: float = 0.5,
        retries: int = 3,
        backoff_s: float = 2.0,
        index_symbols: Mapping[str, str] = HK_INDEX_SYMBOLS,
        synthetic_recording: bool = False,
        **client_options: Any,
    ) -> None:
        self.client = client or AkshareClient(
            min_interval_s=min_interval_s, retries=retries, backoff_s=backoff_s, fetch=fetch,
            **client_options,
        )  # fmt: skip
        self.index_symbols = dict(index_symbols)
        self._tag = " [synthetic recording]" if synthetic_recording else ""

    @property
    def deadline(self) -> Deadline:
        """The command's deadline the client's calls run under."""
        return self.client.deadline

    def fetch_raw(
        self, query: PriceQuery, *, on_progress: ProgressCallback | None = None
    ) -> RawPrices:
        """One frame per ticker, in the price contract's column names; failures per symbol.

        ``OfflineError`` propagates (every later call would fail the same way).
        """
        frames: dict[str, pd.DataFrame] = {}
        sources: dict[str, str] = {}
        failures: list[Failure] = []
        for done, ticker in enumerate(query.tickers, start=1):
            where = akshare_symbol(ticker, self.index_symbols)
            if where is None:
                failures.append(Failure(ticker, "akshare serves Hang Seng indices, Hong Kong"
                                        " shares (NNNN.HK) and A-shares (NNNNNN.SS/.SZ) only"))  # fmt: skip
            else:
                try:
                    frame, call = self._fetch(ticker, where, query)
                except AkshareCallError as exc:
                    failures.append(Failure(ticker, str(exc)))
                else:
                    bad = bar_problem(frame, start=query.start, end=query.end)
                    if bad is not None:
                        failures.append(Failure(ticker, f"{call}: a bad bar ({bad})"))
                    else:
                        frames[ticker] = frame
                        sources[ticker] = f"{call}{self._tag}"
            if on_progress is not None:
                on_progress(done, len(query.tickers))
        return RawPrices.now(frames, sources, failures)

    def to_frame(self, query: PriceQuery, raw: RawPrices) -> pd.DataFrame:
        """The per-ticker frames as the long contract, cut to the range, with provenance."""
        parts = []
        for ticker, frame in raw.frames.items():
            part = frame.assign(
                ticker=ticker, provider=self.name, source=raw.sources[ticker],
                fetched_at=raw.fetched_at,
            )  # fmt: skip
            part["date"] = pd.to_datetime(part["date"].astype(str).str.slice(0, 10))
            if query.start is not None:
                part = part.loc[part["date"] >= pd.Timestamp(query.start)]
            if query.end is not None:
                part = part.loc[part["date"] <= pd.Timestamp(query.end)]
            parts.append(part.drop_duplicates("date", keep="last"))
        if not parts:
            return empty_prices()
        return validate_prices(pd.concat(parts, ignore_index=True))

    def _fetch(
        self, ticker: str, where: AkshareSymbol, query: PriceQuery
    ) -> tuple[pd.DataFrame, AkshareCall]:
        """The ticker's bars as ``date, open, high, low, close, volume`` and the call that gave them."""
        if where.market == "index":
            return self._index(ticker, where.symbol)
        function = "stock_hk_hist" if where.market == "hk" else "stock_zh_a_hist"
        call = AkshareCall(
            function,
            {"symbol": where.symbol, "period": "daily", "adjust": "qfq",
             "start_date": yyyymmdd(query.start, "19700101"),
             "end_date": yyyymmdd(query.end, "20500101")},
            symbol=ticker,
        )  # fmt: skip
        expect = HK_STOCK_COLUMNS if where.market == "hk" else A_SHARE_COLUMNS
        frame = self.client.call(call, expect=expect).rename(columns=_CN_RENAME)
        bars = frame.loc[:, ["date", "open", "high", "low", "close", "volume"]].copy()
        if where.market == "a":
            bars["volume"] = pd.to_numeric(bars["volume"], errors="coerce") * _A_SHARE_LOT
        return bars, call

    def _index(self, ticker: str, symbol: str) -> tuple[pd.DataFrame, AkshareCall]:
        """Sina's index history, or Eastmoney's when Sina fails (its close is ``latest``).

        Sina being unreachable does not stop the fallback: the two are different
        hosts, and one may be blocked where the other answers. Only when both
        are unreachable is it ``OfflineError``.
        """
        sina = AkshareCall("stock_hk_index_daily_sina", {"symbol": symbol}, symbol=ticker)
        try:
            frame = self.client.call(sina, expect=INDEX_SINA_COLUMNS)
        except (AkshareCallError, OfflineError) as sina_error:
            if self.client.deadline.expired:
                raise  # the command's deadline is spent: Eastmoney would not be asked
            em = AkshareCall("stock_hk_index_daily_em", {"symbol": symbol}, symbol=ticker)
            try:
                frame = self.client.call(em, expect=INDEX_EM_COLUMNS)
            except AkshareCallError as em_error:
                raise AkshareCallError(
                    em, f"{em_error.reason}; before that {sina_error}"
                ) from em_error
            bars = frame.rename(columns={"latest": "close"}).assign(volume=float("nan"))
            return bars.loc[:, ["date", "open", "high", "low", "close", "volume"]], em
        return frame.loc[:, list(INDEX_SINA_COLUMNS)].copy(), sina
