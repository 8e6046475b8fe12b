"""The csv provider: both layouts, malformed files named by file and row, batches that go on."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from themelens.data.calendar import sessions
from themelens.data.providers import CsvProvider, fetch_prices
from themelens.data.providers.csv import read_price_csv
from themelens.errors import CsvFormatError, EmptyDataError, InputError

YF_HEADER = "Date,Open,High,Low,Close,Volume,Dividends,Stock Splits"
HK_ROWS = [
    "2025-09-16 00:00:00+08:00,113.0,114.0,112.0,113.2,100,0.0,0.0",
    "2025-09-17 00:00:00+08:00,114.0,132.0,113.5,131.0,200,0.0,0.0",
    "2025-09-18 00:00:00+08:00,131.0,134.0,129.0,132.8,300,0.0,0.0",
]


def write(folder: Path, name: str, *lines: str) -> Path:
    path = folder / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def closes(frame: pd.DataFrame, ticker: str) -> dict[str, float]:
    part = frame[frame["ticker"] == ticker]
    return {f"{d:%Y-%m-%d}": c for d, c in zip(part["date"], part["close"], strict=True)}


# --- the two layouts -------------------------------------------------------


def test_yfinance_layout_keeps_the_local_session_date(tmp_path: Path) -> None:
    write(tmp_path, "9888.HK.csv", YF_HEADER, *HK_ROWS)
    frame = fetch_prices(CsvProvider(tmp_path), ["9888.HK"]).frame
    # 00:00+08:00 is the previous day in UTC; the session is the date as written
    assert closes(frame, "9888.HK") == {
        "2025-09-16": 113.2,
        "2025-09-17": 131.0,
        "2025-09-18": 132.8,
    }
    assert frame["volume"].tolist() == [100.0, 200.0, 300.0]
    assert frame["date"].dtype == "datetime64[ns]"


def test_yfinance_layout_with_mixed_dst_offsets(tmp_path: Path) -> None:
    write(
        tmp_path,
        "^IXIC.csv",
        YF_HEADER,
        "2025-10-31 00:00:00-04:00,10,10,10,10.0,0,0.0,0.0",
        "2025-11-03 00:00:00-05:00,11,11,11,11.0,0,0.0,0.0",
    )
    frame = fetch_prices(CsvProvider(tmp_path), ["^ixic"]).frame
    assert closes(frame, "^IXIC") == {"2025-10-31": 10.0, "2025-11-03": 11.0}


@pytest.mark.parametrize(
    "header",
    [
        "date,open,high,low,close,volume",
        "Date,Open,High,Low,Close,Volume",
        " DATE , Open,HIGH,low,close,volume",
    ],
)
def test_plain_layout_any_letter_case(tmp_path: Path, header: str) -> None:
    write(
        tmp_path,
        "AAPL.csv",
        header,
        "2025-09-17,1.0,2.0,0.5,1.5,10",
        "2025-09-16,1.0,2.0,0.5,1.25,",
    )
    frame = fetch_prices(CsvProvider(tmp_path), ["AAPL"]).frame
    assert closes(frame, "AAPL") == {"2025-09-16": 1.25, "2025-09-17": 1.5}  # sorted
    assert np.isnan(frame["volume"].iloc[0])  # an empty cell stays missing


def test_rows_without_a_close_are_dropped(tmp_path: Path) -> None:
    write(
        tmp_path,
        "X.csv",
        "date,open,high,low,close,volume",
        "2025-09-16,1,1,1,,5",
        "2025-09-17,2,2,2,2,5",
    )
    assert list(closes(fetch_prices(CsvProvider(tmp_path), ["X"]).frame, "X")) == ["2025-09-17"]


def test_file_names_match_tickers_case_insensitively(tmp_path: Path) -> None:
    write(tmp_path, "9888.hk.csv", YF_HEADER, *HK_ROWS)
    provider = CsvProvider(tmp_path)
    assert provider.available_tickers() == ["9888.HK"]
    assert len(fetch_prices(provider, ["9888.HK"]).frame) == 3


def test_query_range_is_inclusive(tmp_path: Path) -> None:
    from datetime import date

    write(tmp_path, "9888.HK.csv", YF_HEADER, *HK_ROWS)
    frame = fetch_prices(
        CsvProvider(tmp_path), ["9888.HK"], start=date(2025, 9, 17), end=date(2025, 9, 17)
    ).frame
    assert closes(frame, "9888.HK") == {"2025-09-17": 131.0}


def test_provenance_names_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, "9888.HK.csv", YF_HEADER, *HK_ROWS)
    frame = fetch_prices(CsvProvider(tmp_path), ["9888.HK"]).frame
    assert set(frame["source"]) == {str(path)}
    assert set(frame["provider"]) == {"csv"}


# --- malformed files -------------------------------------------------------


def test_missing_column_names_file_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "X.csv", "Date,Open,High,Low,Volume", "2025-09-17,1,1,1,1")
    with pytest.raises(CsvFormatError) as info:
        read_price_csv(path)
    assert info.value.path == path
    assert "column 'close' missing" in str(info.value)
    assert str(path) in str(info.value)


@pytest.mark.parametrize(
    ("bad_line", "fragment"),
    [
        (
            "2025-09-18 00:00:00+08:00,131.0,134.0,129.0,abc,300,0.0,0.0",
            "close 'abc' is not a number",
        ),
        (
            "2025-09-18 00:00:00+08:00,131.0,1e999,129.0,132.8,300,0.0,0.0",
            "high 'inf' is not a number",
        ),
        (
            "2025-13-18 00:00:00+08:00,131.0,134.0,129.0,132.8,300,0.0,0.0",
            "date '2025-13-18 00:00:00+08:00'",
        ),
        ("18/09/2025,131.0,134.0,129.0,132.8,300,0.0,0.0", "date '18/09/2025' is not a date"),
        ("2025-09-18 noon,131.0,134.0,129.0,132.8,300,0.0,0.0", "date '2025-09-18 noon'"),
        (",131.0,134.0,129.0,132.8,300,0.0,0.0", "date missing"),
        (
            "2025-09-18 00:00:00+08:00,131.0,134.0,129.0,-1.0,300,0.0,0.0",
            "close -1.0 is not positive",
        ),
        (
            "2025-09-18 00:00:00+08:00,131.0,134.0,129.0,132.8,-300,0.0,0.0",
            "volume -300.0 is negative",
        ),
        (
            "2025-09-16 00:00:00+08:00,131.0,134.0,129.0,132.8,300,0.0,0.0",
            "repeats (first at row 2)",
        ),
    ],
)
def test_bad_value_names_file_row_and_value(tmp_path: Path, bad_line: str, fragment: str) -> None:
    # header = row 1, two good rows, a blank line (row 4), then the bad row 5
    path = write(tmp_path, "9888.HK.csv", YF_HEADER, *HK_ROWS[:2], "", bad_line)
    with pytest.raises(CsvFormatError) as info:
        read_price_csv(path)
    assert info.value.row == 5
    assert fragment in str(info.value)
    assert str(info.value).startswith(f"{path}: row 5: ")


def test_ragged_row_is_a_format_error_with_its_row(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "X.csv",
        "date,open,high,low,close,volume",
        "2025-09-17,1,1,1,1,1",
        "2025-09-18,1,1,1,1,1,9,9",
    )
    with pytest.raises(CsvFormatError) as info:
        read_price_csv(path)
    assert info.value.row == 3
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("content", ["", YF_HEADER + "\n", YF_HEADER + "\n\n\n"])
def test_empty_file_is_a_failure_for_that_ticker(tmp_path: Path, content: str) -> None:
    (tmp_path / "EMPTY.csv").write_text(content, encoding="utf-8")
    write(tmp_path, "9888.HK.csv", YF_HEADER, *HK_ROWS)
    batch = fetch_prices(CsvProvider(tmp_path), ["EMPTY", "9888.HK"])
    assert batch.tickers == ("9888.HK",)
    assert [f.item for f in batch.failures] == ["EMPTY"]
    assert "no price rows" in batch.failures[0].reason
    with pytest.raises(EmptyDataError, match="EMPTY"):
        fetch_prices(CsvProvider(tmp_path), ["EMPTY"])


def test_missing_file_is_a_failure_naming_the_expected_path(tmp_path: Path) -> None:
    write(tmp_path, "9888.HK.csv", YF_HEADER, *HK_ROWS)
    batch = fetch_prices(CsvProvider(tmp_path), ["9888.HK", "NOPE.HK"])
    assert batch.tickers == ("9888.HK",)
    (failure,) = batch.failures
    assert failure.item == "NOPE.HK"
    assert failure.where == str(tmp_path / "NOPE.HK.csv")
    assert str(tmp_path / "NOPE.HK.csv") in str(failure)  # the terminal line names the path
    assert str(tmp_path) not in failure.reason  # a report's sentence does not
    with pytest.raises(EmptyDataError) as info:
        fetch_prices(CsvProvider(tmp_path), ["NOPE.HK"])
    assert info.value.provider == "csv"
    assert info.value.ticker == "NOPE.HK"


def test_batch_goes_on_past_a_malformed_file(tmp_path: Path) -> None:
    write(tmp_path, "9888.HK.csv", YF_HEADER, *HK_ROWS)
    write(tmp_path, "BAD.csv", "date,open,high,low,close,volume", "2025-09-17,1,1,1,x,1")
    batch = fetch_prices(CsvProvider(tmp_path), ["BAD", "9888.HK"])
    assert batch.tickers == ("9888.HK",)
    (failure,) = batch.failures
    assert failure.item == "BAD"
    assert f"{tmp_path / 'BAD.csv'}: row 2: close 'x' is not a number" in failure.reason


def test_when_nothing_loads_the_format_error_itself_is_raised(tmp_path: Path) -> None:
    # "BAD.csv row 2" says more than "no data", so it is not folded into EmptyDataError
    write(tmp_path, "BAD.csv", "date,open,high,low,close,volume", "2025-09-17,1,1,1,x,1")
    with pytest.raises(CsvFormatError) as info:
        fetch_prices(CsvProvider(tmp_path), ["BAD", "ALSO.MISSING"])
    assert info.value.row == 2


def test_missing_folder_is_one_line_naming_it(tmp_path: Path) -> None:
    folder = tmp_path / "no" / "such"
    with pytest.raises(InputError) as info:
        CsvProvider(folder)
    assert str(folder) in str(info.value)
    assert "does not exist" in str(info.value)
    assert "\n" not in str(info.value)


def test_a_file_given_as_folder_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "X.csv", "date")
    with pytest.raises(InputError, match="is not a folder"):
        CsvProvider(path)


def test_available_tickers_are_sorted(tmp_path: Path) -> None:
    for name in ("^IXIC.csv", "9988.HK.csv", "AAPL.csv", "notes.txt"):
        (tmp_path / name).write_text("date\n", encoding="utf-8")
    assert CsvProvider(tmp_path).available_tickers() == ["9988.HK", "AAPL", "^IXIC"]


# --- the real files --------------------------------------------------------


def test_real_baidu_on_the_catalyst_day(shared_prices_dir: Path) -> None:
    frame = fetch_prices(CsvProvider(shared_prices_dir), ["9888.HK"]).frame.set_index("date")
    assert frame.loc["2025-09-17", "close"] == pytest.approx(131.0, abs=1e-6)
    day = frame["close"].pct_change().loc["2025-09-17"] * 100
    assert day == pytest.approx(15.7, abs=0.05)


@pytest.mark.parametrize(("ticker", "exchange"), [("9888.HK", "XHKG"), ("^IXIC", "XNYS")])
def test_real_dates_are_sessions_of_their_exchange(
    shared_prices_dir: Path, ticker: str, exchange: str
) -> None:
    # reading the UTC date instead would put Hong Kong sessions on Sundays
    dates = pd.DatetimeIndex(fetch_prices(CsvProvider(shared_prices_dir), [ticker]).frame["date"])
    dates = dates[dates >= "2000-01-03"]
    assert dates.difference(sessions(exchange, dates.min(), dates.max())).empty


def test_every_real_file_loads(shared_prices_dir: Path) -> None:
    provider = CsvProvider(shared_prices_dir)
    tickers = provider.available_tickers()
    batch = fetch_prices(provider, tickers)
    assert len(tickers) == 41
    assert batch.failures == ()
    assert batch.tickers == tuple(sorted(tickers))
    rows = sum(
        len(p.read_text(encoding="utf-8").splitlines()) - 1 for p in shared_prices_dir.glob("*.csv")
    )
    assert len(batch.frame) == rows  # no NaN closes in these files, so nothing dropped


def test_the_cli_s_provider_names_are_the_registry_s() -> None:
    """``--help`` lists providers from a light module; it must match the real registry."""
    from themelens.data import provider_names as light
    from themelens.data.loading import provider_names
    from themelens.data.providers import PROVIDERS
    from themelens.data.routing import AUTO

    assert tuple(sorted(PROVIDERS)) == light.PROVIDER_NAMES
    assert tuple(provider_names()) == light.PROVIDER_CHOICES
    assert light.AUTO == AUTO


# --- the Arrow fast path and the pandas path agree -----------------------------

_CELLS = st.sampled_from(
    [
        "2025-09-16 00:00:00+08:00", "2025-09-17", "2025-09-17T00:00:00Z", " 2025-09-18",
        "2025-02-30", "2025-9-18", "1899-12-31", "None", "NA", "", "nan", "+nan", "inf",
        "-1", "0", "1e10", " 113.0", "113.0 ", "113", "1.5e2", '"113.0"', "abc", "٣",
    ]
)  # fmt: skip


def _both(path: Path) -> tuple[pd.DataFrame | None, pd.DataFrame | Exception]:
    from themelens.data.providers._csv_arrow import read_well_formed
    from themelens.data.providers.csv import _read_with_pandas

    fast = read_well_formed(path)
    try:
        slow: pd.DataFrame | Exception = _read_with_pandas(path, "T")
    except (CsvFormatError, EmptyDataError) as exc:
        slow = exc
    return fast, slow


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(
    rows=st.lists(
        st.one_of(
            st.sampled_from([*HK_ROWS, "", "\r", ",,,,,,,", "2025-09-19,1,1,1,1,1,0,0,9"]),
            st.lists(_CELLS, min_size=6, max_size=8).map(",".join),
        ),
        max_size=6,
    ),
    header=st.sampled_from(
        [
            YF_HEADER,
            "date,open,high,low,close,volume",
            "\ufeff" + YF_HEADER,
            "Date,Open,High,Low,Close,Volume,Close",
        ]
    ),
    newline=st.sampled_from(["\n", "\r\n"]),
)
def test_the_fast_path_returns_the_pandas_frame_or_declines(
    tmp_path: Path, rows: list[str], header: str, newline: str
) -> None:
    """Whatever Arrow accepts, pandas reads to the same frame; a file either path would
    reject, or read differently, Arrow leaves to pandas (which names the row)."""
    path = tmp_path / "T.csv"
    path.write_bytes(newline.join([header, *rows]).encode("utf-8") + newline.encode())
    fast, slow = _both(path)
    if fast is not None:
        assert isinstance(slow, pd.DataFrame), slow
        pd.testing.assert_frame_equal(fast, slow, check_exact=True)


def test_every_real_file_takes_the_fast_path(shared_prices_dir: Path) -> None:
    for path in sorted(shared_prices_dir.glob("*.csv")):
        fast, slow = _both(path)
        assert fast is not None, path
        assert isinstance(slow, pd.DataFrame)
        pd.testing.assert_frame_equal(fast, slow, check_exact=True)


def test_rows_are_stamped_with_their_file_s_modification_time(tmp_path: Path) -> None:
    """Reading an unchanged folder again gives the same rows (so a stored run shares its
    price frame); a file written since is stamped anew, the others keep their time."""
    import os
    from datetime import UTC, datetime

    a = write(tmp_path, "A.HK.csv", YF_HEADER, *HK_ROWS)
    b = write(tmp_path, "B.HK.csv", YF_HEADER, *HK_ROWS)
    os.utime(a, (1_700_000_000, 1_700_000_000))
    os.utime(b, (1_700_000_100, 1_700_000_100))
    provider = CsvProvider(tmp_path)
    first = fetch_prices(provider, ["A.HK", "B.HK"]).frame
    again = fetch_prices(provider, ["A.HK", "B.HK"]).frame
    pd.testing.assert_frame_equal(first, again)
    stamp = {t: set(first.loc[first["ticker"] == t, "fetched_at"]) for t in ("A.HK", "B.HK")}
    assert stamp["A.HK"] == {
        pd.Timestamp(datetime.fromtimestamp(1_700_000_000, UTC).replace(tzinfo=None))
    }
    assert stamp["B.HK"] == {
        pd.Timestamp(datetime.fromtimestamp(1_700_000_100, UTC).replace(tzinfo=None))
    }
    os.utime(b, (1_700_000_200, 1_700_000_200))
    later = fetch_prices(provider, ["A.HK", "B.HK"]).frame
    assert set(later.loc[later["ticker"] == "A.HK", "fetched_at"]) == stamp["A.HK"]
    assert set(later.loc[later["ticker"] == "B.HK", "fetched_at"]) != stamp["B.HK"]
