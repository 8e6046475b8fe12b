"""The CSV reader on anything: a valid frame or the project's one-line error, never another exception.

Three kinds of input: arbitrary bytes, arbitrary text, and files shaped like
yfinance's ``history()`` CSV whose cells are drawn from values that break it
(impossible and out-of-range dates, odd time tails, NaN, inf, signs, huge
numbers, words, ragged rows, blank lines). Whatever comes back as a frame
must meet the contract the analytics rely on.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from themelens.data.contracts import EARLIEST_SESSION, MAX_PRICE, latest_session
from themelens.data.providers import CsvProvider, fetch_prices
from themelens.data.providers.csv import read_price_csv
from themelens.errors import ThemelensError

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
YF_HEADER = "Date,Open,High,Low,Close,Volume,Dividends,Stock Splits"


def check(path: Path) -> None:
    """Read ``path`` both ways; a frame must meet the contract, an error must be ours and one line."""
    try:
        frame = read_price_csv(path)
    except ThemelensError as exc:
        assert "\n" not in str(exc)
        assert str(path) in str(exc)
    else:
        assert list(frame.columns) == ["date", "open", "high", "low", "close", "volume"]
        assert frame["date"].dtype == "datetime64[ns]"
        assert frame["date"].is_monotonic_increasing and frame["date"].is_unique
        if len(frame):  # rows without a close are dropped, so a frame may be empty
            assert frame["date"].min() >= pd.Timestamp(EARLIEST_SESSION)
            assert frame["date"].max() <= pd.Timestamp(latest_session())
        close = frame["close"].to_numpy()
        assert np.isfinite(close).all() and (close > 0).all() and (close <= MAX_PRICE).all()
    try:
        load = fetch_prices(CsvProvider(path.parent), [path.stem])
    except ThemelensError as exc:
        assert "\n" not in str(exc)
    else:
        assert load.frame["close"].notna().all()


@pytest.fixture()
def target(tmp_path: Path) -> Path:
    return tmp_path / "FUZZ.csv"


@FUZZ
@given(content=st.binary(max_size=400))
def test_arbitrary_bytes(target: Path, content: bytes) -> None:
    target.write_bytes(content)
    check(target)


@FUZZ
@given(content=st.text(max_size=400))
def test_arbitrary_text(target: Path, content: str) -> None:
    target.write_text(content, encoding="utf-8", errors="surrogatepass")
    check(target)


@FUZZ
@given(content=st.text(alphabet=st.sampled_from("0123456789-:+ ,.\nDateOpnHighLwCsVum"), max_size=300))  # fmt: skip
def test_text_made_of_what_price_files_are_made_of(target: Path, content: str) -> None:
    target.write_text(YF_HEADER + "\n" + content, encoding="utf-8")
    check(target)


DAYS = st.one_of(
    st.dates(min_value=date(2020, 1, 1), max_value=date(2026, 6, 30)).map(str),
    st.dates().map(lambda d: f"{d.year:04d}-{d.month:02d}-{d.day:02d}"),  # 0001..9999
    st.sampled_from(
        ["2025-02-30", "2025-13-01", "0000-01-01", "25-01-02", "2025/01/02", "", "nan"]
    ),
)
TAILS = st.sampled_from(
    [
        "",
        " 00:00:00+08:00",
        " 00:00:00-04:00",
        "T09:30:00Z",
        " 00:00",
        " 25:00:00+08:00",
        " noon",
        "+08:00",
    ]
)
NUMBERS = st.one_of(
    st.floats(min_value=0.01, max_value=1000.0).map(repr),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(
        ["", "0", "-1", "1e308", "1e999", "-inf", "nan", "NaN", "x", "1,5", "True", " 3 "]
    ),
)


@st.composite
def yfinance_rows(draw: st.DrawFn) -> str:
    """One body line: a date, six or seven cells, sometimes ragged or blank."""
    if draw(st.integers(0, 20)) == 0:
        return ""
    cells = [draw(DAYS) + draw(TAILS)]
    width = draw(st.sampled_from([7, 7, 7, 7, 6, 8, 2]))
    cells += [draw(NUMBERS) for _ in range(width)]
    return ",".join(cells)


@FUZZ
@given(rows=st.lists(yfinance_rows(), max_size=12))
def test_yfinance_shaped_files_with_wrong_cells(target: Path, rows: list[str]) -> None:
    target.write_text("\n".join([YF_HEADER, *rows]) + "\n", encoding="utf-8")
    check(target)


@st.composite
def consistent_rows(draw: st.DrawFn) -> str:
    """A well-formed bar (low <= open, close <= high), so valid files are generated too."""
    day = draw(st.dates(min_value=date(1990, 1, 1), max_value=date(2026, 6, 30)))
    low = draw(st.floats(min_value=0.01, max_value=1e6))
    high = low * draw(st.floats(min_value=1.0, max_value=1.5))
    open_, close = (low + (high - low) * draw(st.floats(0, 1)) for _ in range(2))
    volume = draw(st.integers(0, 10**10))
    return f"{day} 00:00:00+08:00,{open_!r},{high!r},{low!r},{close!r},{volume},0.0,0.0"


@FUZZ
@given(rows=st.lists(consistent_rows(), min_size=1, max_size=12), bad=st.lists(yfinance_rows(), max_size=2))  # fmt: skip
def test_mostly_good_files(target: Path, rows: list[str], bad: list[str]) -> None:
    target.write_text("\n".join([YF_HEADER, *rows, *bad]) + "\n", encoding="utf-8")
    check(target)
