"""The ``csv`` provider: a folder of ``TICKER.csv`` files.

Two layouts are recognised by their header:

- **yfinance** — what ``Ticker.history()`` writes: ``Date`` with the exchange's
  UTC offset (``2025-09-17 00:00:00+08:00``), ``Open, High, Low, Close, Volume,
  Dividends, Stock Splits``. The session date is the *local* date as written;
  converting to UTC first would move every Hong Kong session to the day before.
  US files mix ``-05:00`` and ``-04:00`` across DST, which is why the offset is
  dropped instead of parsed.
- **plain** — ``date, open, high, low, close, volume`` (any letter case).

A file is parsed as soon as it is read (``fetch_raw``), so one malformed file
becomes a ``Failure`` for its ticker while the rest of the batch loads. When no
file loads at all, the first format error is raised as it is (a
``CsvFormatError`` naming file and row says more than "no data").

A well-formed file is parsed by Arrow's CSV reader with the column types
given up front (``_csv_arrow.read_well_formed``); a file it has any doubt about goes
through pandas' C reader, which finds the first fault and names its row. Both
return the same frame for every file the first accepts (``tests/data`` checks
it), so the fast path changes nothing but the time: the 41 files (~194k rows)
of ``../shared/data/prices`` load in under a tenth of a second.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import ClassVar, Final, Literal

import numpy as np
import pandas as pd

from themelens.data.contracts import Failure, bar_fault, empty_prices, validate_prices
from themelens.data.providers._csv_arrow import REQUIRED as _REQUIRED
from themelens.data.providers._csv_arrow import TIME_TAIL as _TIME_TAIL
from themelens.data.providers._csv_arrow import VALUE_COLUMNS as _VALUE_COLUMNS
from themelens.data.providers._csv_arrow import read_well_formed as _read_well_formed
from themelens.data.providers.base import PriceQuery, ProgressCallback, RawPrices, StandardQuery
from themelens.errors import CsvFormatError, EmptyDataError, InputError

__all__ = ["CsvProvider", "read_price_csv"]

CsvLayout = Literal["yfinance", "plain"]

_YFINANCE_MARKERS: Final = frozenset({"dividends", "stock splits"})
_PANDAS_LINE: Final = re.compile(r"line (\d+)")
_DAY: Final = re.compile(r"\d{4}-\d{2}-\d{2}")
_MAX_DATE_CHARS: Final = 35  # "2025-09-17T00:00:00.000000+08:00" is 32


class CsvProvider(StandardQuery):
    """Prices from ``<prices_dir>/<TICKER>.csv`` files (yfinance or plain layout).

    Parameters
    ----------
    prices_dir
        The folder holding the files; it must exist (``InputError`` otherwise).

    Notes
    -----
    File names match tickers case-insensitively (``9888.hk.csv`` serves
    ``9888.HK``). Rows without a close are dropped; a repeated date is an error,
    because silently keeping one of two sessions would make any metric on that
    day arbitrary.
    """

    name: ClassVar[str] = "csv"
    synthetic: ClassVar[bool] = False
    remote: ClassVar[bool] = False

    def __init__(self, prices_dir: Path | str) -> None:
        folder = Path(prices_dir).expanduser()
        if not folder.is_dir():
            what = "is not a folder" if folder.exists() else "does not exist"
            raise InputError(f"prices folder {folder} {what}")
        self.prices_dir = folder

    def available_tickers(self) -> list[str]:
        """Tickers with a file in the folder, sorted (for "close matches" suggestions)."""
        return sorted(self._files())

    def fetch_raw(
        self, query: PriceQuery, *, on_progress: ProgressCallback | None = None
    ) -> RawPrices:
        """Read and parse each ticker's file; a bad or missing file is a failure, not an abort."""
        files = self._files()
        frames: dict[str, pd.DataFrame] = {}
        sources: dict[str, str] = {}
        failures: list[Failure] = []
        format_errors: list[CsvFormatError] = []
        total = len(query.tickers)
        paths = [files.get(ticker) for ticker in query.tickers]
        written = _modified(query.tickers, paths)  # before reading: a later edit is a new stamp
        with ThreadPoolExecutor(max_workers=_READERS) as pool:  # Arrow and numpy release the GIL
            parsed = pool.map(_parse, paths, query.tickers)
            for done, (ticker, path, got) in enumerate(
                zip(query.tickers, paths, parsed, strict=True), start=1
            ):
                if path is None:
                    expected = self.prices_dir / f"{ticker}.csv"
                    failures.append(
                        Failure(ticker, "no price file for it in the CSV folder", str(expected))
                    )
                elif isinstance(got, CsvFormatError):
                    format_errors.append(got)
                    failures.append(Failure(ticker, f"malformed price file {got}"))
                elif isinstance(got, EmptyDataError):
                    failures.append(Failure(ticker, f"{path}: file has no price rows"))
                elif got is not None:
                    frames[ticker] = got
                    sources[ticker] = str(path)
                if on_progress is not None:
                    on_progress(done, total)
        if not frames and format_errors:
            raise format_errors[0]
        return RawPrices.now(
            frames, sources, failures, {t: w for t, w in written.items() if t in frames}
        )

    def to_frame(self, query: PriceQuery, raw: RawPrices) -> pd.DataFrame:
        """Cut each parsed file to the query's range and stack them with provenance.

        The files are stacked column by column in ticker order, the text columns
        built as categories from their codes, so the frame leaves here in the
        contract's order and ``validate_prices`` has only to check it.
        """
        tickers = sorted(raw.frames)
        if not tickers:
            return empty_prices()
        lo = np.datetime64(query.start, "ns") if query.start is not None else None
        hi = np.datetime64(query.end, "ns") if query.end is not None else None
        parts: dict[str, list[np.ndarray]] = {c: [] for c in ("date", *_VALUE_COLUMNS)}
        for ticker in tickers:
            frame = raw.frames[ticker]
            days = frame["date"].to_numpy(dtype="datetime64[ns]")
            keep = np.ones(len(days), dtype=bool)
            if lo is not None:
                keep &= days >= lo
            if hi is not None:
                keep &= days <= hi
            for c in parts:
                values = frame[c].to_numpy()
                parts[c].append(values if keep.all() else values[keep])
        counts = np.array([len(d) for d in parts["date"]], dtype=np.int64)
        columns: dict[str, object] = {c: np.concatenate(v) for c, v in parts.items()}
        rows = np.repeat(np.arange(len(tickers)), counts)
        sources = [raw.sources[t] for t in tickers]
        columns["ticker"] = pd.Categorical.from_codes(
            rows, categories=pd.Index(tickers, dtype="str")
        )
        columns["provider"] = pd.Categorical.from_codes(np.zeros(len(rows), dtype=np.int8), categories=pd.Index([self.name], dtype="str"))  # fmt: skip
        source_names = pd.Index(sorted(set(sources)), dtype="str")
        columns["source"] = pd.Categorical.from_codes(source_names.get_indexer(pd.Index(sources, dtype="str"))[rows], categories=source_names)  # fmt: skip
        # each file's modification time (the read time where unknown): an unchanged folder
        # read again gives the same rows, so a run stored over it shares its price frame
        stamps = np.array(
            [np.datetime64(raw.written.get(t, raw.fetched_at), "ns") for t in tickers],
            dtype="datetime64[ns]",
        )
        columns["fetched_at"] = stamps[rows] if len(tickers) else stamps
        return validate_prices(pd.DataFrame(columns, copy=False))

    def _files(self) -> dict[str, Path]:
        """Ticker (upper-case file stem) → file, listed afresh so new files are seen."""
        try:
            paths = sorted(self.prices_dir.glob("*.csv"))
        except OSError as exc:
            raise InputError(f"prices folder {self.prices_dir}: cannot list ({exc})") from exc
        return {p.stem.upper(): p for p in paths if p.is_file()}


_READERS: Final = 2
"""Files parsed at once: two keep both cores of a small machine busy, and the memory of
no more than two files in flight."""


def _parse(path: Path | None, ticker: str) -> pd.DataFrame | CsvFormatError | EmptyDataError | None:
    """``read_price_csv`` with its two expected errors returned rather than raised."""
    if path is None:
        return None
    try:
        return read_price_csv(path, ticker=ticker)
    except (CsvFormatError, EmptyDataError) as exc:
        return exc


def read_price_csv(path: Path | str, *, ticker: str | None = None) -> pd.DataFrame:
    """Parse one price file into ``date, open, high, low, close, volume``.

    Parameters
    ----------
    path
        A CSV in the yfinance ``history()`` or the plain layout (see module docs).
    ticker
        Used only in error messages; defaults to the file name's stem.

    Returns
    -------
    DataFrame
        Naive session ``date`` (the local date as written), float columns,
        sorted by date; rows without a close removed.

    Raises
    ------
    CsvFormatError
        A required column is missing, a date or number cannot be read, a bar
        breaks a rule of ``contracts.bar_fault`` (a date outside
        1900..next year, a price not positive or above ``MAX_PRICE``, open or
        close outside low..high beyond ``BAR_TOLERANCE``), or a date repeats.
        Rows are counted from 1 with the header as row 1.
    EmptyDataError
        The file is empty or holds only a header.

    Notes
    -----
    A clean file is read by Arrow with the column types given up front; any
    other goes through pandas, which names the row of the first fault (see the
    module docs). Work is done on whole numpy columns; ``rows`` keeps each kept
    line's position in the file so an error can still name its row.
    """
    path = Path(path)
    ticker = ticker or path.stem.upper()
    fast = _read_well_formed(path)
    return fast if fast is not None else _read_with_pandas(path, ticker)


def _read_with_pandas(path: Path, ticker: str) -> pd.DataFrame:
    """``read_price_csv`` through pandas' C reader: slower, and names the row of any fault."""
    header, raw = _read(path, ticker)
    missing = [c for c in _REQUIRED if c not in raw.columns]
    if missing:
        raise CsvFormatError(
            f"column {missing[0]!r} missing ({_layout(header)} layout; have: {', '.join(header)})",
            path=path,
        )
    present = np.zeros(len(raw), dtype=bool)
    for column in _REQUIRED:
        present |= raw[column].notna().to_numpy()
    rows = np.flatnonzero(present)  # blank lines dropped, positions kept
    if rows.size == 0:
        raise EmptyDataError(f"{path}: no rows", provider="csv", ticker=ticker)
    if rows.size < len(raw):
        raw = raw.iloc[rows]
    dates = _parse_dates(raw["date"], rows, path)
    values = {c: _parse_numbers(raw[c], c, rows, path) for c in _VALUE_COLUMNS}
    fault = bar_fault(dates, values)
    if fault is not None:
        raise CsvFormatError(fault[1], path=path, row=_row(rows[fault[0]]))
    keep = ~np.isnan(values["close"])
    if not keep.all():
        dates, rows = dates[keep], rows[keep]
        values = {c: v[keep] for c, v in values.items()}
    order = _check_unique(dates, rows, path)
    days = dates[order].astype("datetime64[ns]")  # in range: checked by bar_fault
    return pd.DataFrame({"date": days, **{c: v[order] for c, v in values.items()}})


def _read(path: Path, ticker: str) -> tuple[list[str], pd.DataFrame]:
    """The header as written, and the frame with lower-case column names.

    pandas' C reader keeps blank lines (``skip_blank_lines=False``), so body
    position ``i`` is file row ``i + 2``. All columns are parsed (``usecols``
    would be quicker, but it lets a row with extra fields through unnoticed).
    """
    try:
        frame = pd.read_csv(
            path,
            engine="c",
            skip_blank_lines=False,
            encoding="utf-8-sig",
            dtype={"Date": object, "date": object},
        )
    except pd.errors.EmptyDataError as exc:
        raise EmptyDataError(f"{path}: empty file", provider="csv", ticker=ticker) from exc
    except pd.errors.ParserError as exc:
        found = _PANDAS_LINE.search(str(exc))
        row = int(found.group(1)) if found else None
        raise CsvFormatError(f"cannot parse CSV ({_one_line(exc)})", path=path, row=row) from exc
    except UnicodeDecodeError as exc:
        raise CsvFormatError(f"not UTF-8 text ({exc.reason})", path=path) from exc
    except OSError as exc:
        raise CsvFormatError(f"cannot read file ({exc.strerror or exc})", path=path) from exc
    header = [str(c) for c in frame.columns]
    names = [c.strip().lower() for c in header]
    twice = sorted({n for n in names if n in _REQUIRED and names.count(n) > 1})
    if twice:
        raise CsvFormatError(f"column {twice[0]!r} appears more than once", path=path)
    frame.columns = names
    return header, frame


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def _layout(header: list[str]) -> CsvLayout:
    names = {c.strip().lower() for c in header}
    return "yfinance" if names & _YFINANCE_MARKERS else "plain"


def _row(position: int | np.integer) -> int:
    return int(position) + 2


def _parse_dates(values: pd.Series, rows: np.ndarray, path: Path) -> np.ndarray:
    """The ``YYYY-MM-DD`` part as written, as ``datetime64[D]`` (so 1600-01-01 stays 1600 for
    the range check, where nanoseconds would wrap it to 2184); the tail (time, offset) only
    has to be well formed."""
    fast = _fast_dates(values)
    if fast is not None:
        return fast
    text = values.astype("string").str.strip()
    parsed = text.str.slice(0, 10).map(_day, na_action="ignore")
    bad = parsed.isna().to_numpy(copy=True)
    tails = text.str.slice(10)
    for tail in tails.dropna().unique():
        if not _TIME_TAIL.fullmatch(str(tail)):
            bad |= (tails == tail).fillna(False).to_numpy(dtype=bool)
    if bad.any():
        at = int(np.argmax(bad))
        value = values.iloc[at]
        shown = "missing" if pd.isna(value) else repr(str(value))
        raise CsvFormatError(
            f"date {shown} is not a date"
            " (expected YYYY-MM-DD, optionally with time and UTC offset)",
            path=path,
            row=_row(rows[at]),
        )
    return parsed.to_numpy(dtype="datetime64[D]")


def _day(text: str) -> np.datetime64 | None:
    """``YYYY-MM-DD`` as a day, or ``None`` when it is not one (shape or calendar)."""
    if not _DAY.fullmatch(text):
        return None
    try:
        return np.datetime64(text, "D")
    except ValueError:  # month 13, February 30
        return None


def _fast_dates(values: pd.Series) -> np.ndarray | None:
    """Dates of a well-formed column as ``datetime64[D]``, or ``None`` to take the slow path.

    Works on fixed-width numpy strings: the date part must be shaped
    ``dddd-dd-dd`` and parse; the tails (time and offset) take a handful of
    distinct values, one per UTC offset, so each is checked once. Any doubt
    falls back to the slow path, which finds and names the first bad row.
    """
    width = _MAX_DATE_CHARS + 1
    text = values.to_numpy(dtype=object).astype(f"U{width}")  # NaN becomes "nan": rejected below
    chars = text.view("U1").reshape(len(text), width)
    if (chars[:, -1] != "").any():  # longer than any date we accept
        return None
    digits = chars[:, [0, 1, 2, 3, 5, 6, 8, 9]]
    shaped = (
        (chars[:, 4] == "-")
        & (chars[:, 7] == "-")
        & ((digits >= "0") & (digits <= "9")).all(axis=1)
    )
    if not shaped.all():
        return None
    try:
        parsed = np.ascontiguousarray(chars[:, :10]).view("U10").ravel().astype("datetime64[D]")
    except ValueError:  # e.g. month 13
        return None
    tails = np.ascontiguousarray(chars[:, 10:]).view(f"U{width - 10}").ravel()
    distinct = [*np.unique(tails[tails != tails[0]]).tolist(), tails[0]]
    if not all(_TIME_TAIL.fullmatch(str(t)) for t in distinct):
        return None
    return parsed


def _parse_numbers(values: pd.Series, column: str, rows: np.ndarray, path: Path) -> np.ndarray:
    """Floats; an unreadable or infinite value names its row. Empty cells stay NaN."""
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        numbers = values.to_numpy(dtype="float64", na_value=np.nan)
        bad = np.isinf(numbers)
    else:
        numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        bad = (np.isnan(numbers) & values.notna().to_numpy()) | np.isinf(numbers)
    if bad.any():
        at = int(np.argmax(bad))
        raise CsvFormatError(
            f"{column} {str(values.iloc[at])!r} is not a number", path=path, row=_row(rows[at])
        )
    return numbers


def _check_unique(dates: np.ndarray, rows: np.ndarray, path: Path) -> np.ndarray:
    """The order that sorts ``dates``; raises on the first repeated date (by file row)."""
    order = np.argsort(dates, kind="stable")
    ordered = dates[order]
    repeat = ordered[1:] == ordered[:-1]
    if repeat.any():
        later = order[1:][repeat]  # positions of second and later occurrences
        at = int(later.min())
        day = dates[at]
        first = int(np.flatnonzero(dates == day)[0])
        shown = np.datetime_as_string(day, unit="D")
        raise CsvFormatError(
            f"date {shown} repeats (first at row {_row(rows[first])})",
            path=path,
            row=_row(rows[at]),
        )
    return order


def _modified(tickers: Sequence[str], paths: Sequence[Path | None]) -> dict[str, datetime]:
    """Each existing file's modification time, as a naive UTC datetime (the stored form)."""
    out: dict[str, datetime] = {}
    for ticker, path in zip(tickers, paths, strict=True):
        if path is None:
            continue
        try:
            stamp = path.stat().st_mtime
        except OSError:
            continue  # the read reports it
        out[ticker] = datetime.fromtimestamp(stamp, UTC).replace(tzinfo=None)
    return out
