"""USD conversion: the built-in reference table, Yahoo through its fetch seam, and fallbacks."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from themelens.data.fx import (
    REFERENCE_LABEL,
    FxConverter,
    UnknownCurrencyError,
    reference_table,
    to_usd,
    yahoo_fx_ticker,
)
from themelens.errors import AsofError, InputError, OfflineError

# --- the reference table ------------------------------------------------------


def test_tencent_bond_in_yuan_is_about_1_27_billion_dollars() -> None:
    # the table's 2025-09 rate is 7.12 yuan per dollar: 9e9 / 7.12 = 1.26404e9
    conv = to_usd(9e9, "CNY", "2025-09")
    assert conv.usd == pytest.approx(1.264045e9, rel=1e-6)
    assert conv.rate.units_per_usd == pytest.approx(7.12)
    assert conv.rate.source == "reference"
    assert conv.source_label.startswith(REFERENCE_LABEL)
    assert "CNY 2025-09" in conv.source_label


def test_a_day_uses_its_month() -> None:
    by_day = to_usd(7.8e9, "HKD", date(2025, 9, 24))
    by_text = to_usd(7.8e9, "HKD", "2025-09-24")
    # HKD 2025-09 is 7.79 per dollar: 7.8e9 / 7.79 = 1.001284e9
    assert by_day.usd == pytest.approx(1.001284e9, rel=1e-6)
    assert by_text.usd == pytest.approx(by_day.usd)
    assert by_day.rate.period == "2025-09-24"


def test_a_year_is_the_mean_of_its_months() -> None:
    # CNY 2024 months: 7.17 7.19 7.20 7.24 7.23 7.26 7.26 7.15 7.07 7.10 7.21 7.29 -> 86.37 / 12
    rate = reference_table().rate("CNY", "2024")
    assert rate.units_per_usd == pytest.approx(7.1975)
    assert "2024-01..2024-12 mean" in rate.label


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        ("2025Q2", (7.30 + 7.21 + 7.18) / 3),
        ("2024H2", (7.26 + 7.15 + 7.07 + 7.10 + 7.21 + 7.29) / 6),
    ],
)
def test_quarters_and_halves(period: str, expected: float) -> None:
    assert reference_table().rate("CNY", period).units_per_usd == pytest.approx(expected)


def test_months_past_the_last_estimate_say_they_are_carried_forward() -> None:
    conv = to_usd(1.0, "CNY", "2026-05")
    assert "carried forward from 2025-10" in conv.source_label
    assert conv.rate.units_per_usd == pytest.approx(7.12)


def test_no_date_uses_the_latest_estimated_month() -> None:
    rate = to_usd(1.0, "HKD").rate
    assert rate.period == "2025-10"
    assert "carried forward" not in rate.label


def test_the_table_covers_2023_to_late_2026_with_plausible_rates() -> None:
    table = reference_table()
    assert {"CNY", "HKD", "EUR", "JPY", "GBP"} <= set(table.currencies)
    months = pd.period_range("2023-01", "2026-10", freq="M").strftime("%Y-%m")
    for month in months:
        cny = table.rate("CNY", month).units_per_usd
        hkd = table.rate("HKD", month).units_per_usd
        assert 6.7 <= cny <= 7.4, month
        assert 7.75 <= hkd <= 7.85, month  # the peg's band


def test_usd_is_not_converted() -> None:
    conv = to_usd(1.27e9, "usd", "2025-09")
    assert conv.usd == 1.27e9
    assert conv.rate.source == "identity"


def test_an_unknown_currency_is_an_error_not_a_zero() -> None:
    with pytest.raises(UnknownCurrencyError, match=r"XYZ: no USD rate.*known: USD, CNY"):
        to_usd(5.0, "XYZ", "2025-09")


def test_a_month_outside_the_table_is_an_error() -> None:
    with pytest.raises(AsofError, match=r"CNY: no built-in .* 2019-03 .*2023-01\.\.2026-12"):
        to_usd(5.0, "CNY", "2019-03")


@pytest.mark.parametrize("bad", ["yuan", "C1Y", ""])
def test_a_malformed_code_is_an_input_error(bad: str) -> None:
    with pytest.raises(InputError, match="ISO 4217"):
        to_usd(5.0, bad, "2025-09")


def test_a_malformed_date_is_an_input_error() -> None:
    with pytest.raises(InputError, match="not a date"):
        to_usd(5.0, "CNY", "Sept 2025")


# --- Yahoo through the fetch seam ---------------------------------------------


def _history(closes: dict[str, float]) -> pd.DataFrame:
    index = pd.DatetimeIndex(pd.to_datetime(list(closes))).tz_localize("Europe/London")
    return pd.DataFrame({"Close": list(closes.values())}, index=index.rename("Date"))


class FakeYahoo:
    def __init__(self, frame: pd.DataFrame | None = None, error: BaseException | None = None):
        self.frame = frame
        self.error = error
        self.calls: list[tuple[str, date | None, date | None]] = []

    def __call__(self, ticker: str, start: date | None, end: date | None) -> pd.DataFrame:
        self.calls.append((ticker, start, end))
        if self.error is not None:
            raise self.error
        assert self.frame is not None
        return self.frame


def test_yahoo_day_rate_is_the_last_close_on_or_before_the_day() -> None:
    fake = FakeYahoo(_history({"2025-09-18": 7.10, "2025-09-19": 7.11, "2025-09-22": 7.12}))
    conv = FxConverter(fetch=fake).to_usd(7.11e9, "CNY", "2025-09-20")  # a Saturday
    assert conv.usd == pytest.approx(1e9)
    assert conv.rate.source == "yahoo"
    assert conv.source_label == "Yahoo Finance CNY=X close 2025-09-19: 7.1100 per USD"
    assert fake.calls == [("CNY=X", date(2025, 9, 13), date(2025, 9, 20))]


def test_yahoo_month_rate_is_the_mean_close() -> None:
    fake = FakeYahoo(_history({"2025-09-01": 7.0, "2025-09-15": 7.2, "2025-09-30": 7.4}))
    rate = FxConverter(fetch=fake).rate("CNY", "2025-09")
    assert rate.units_per_usd == pytest.approx(7.2)
    assert "mean of 3 closes 2025-09" in rate.label
    assert fake.calls == [("CNY=X", date(2025, 9, 1), date(2025, 9, 30))]


def test_rates_are_looked_up_once() -> None:
    fake = FakeYahoo(_history({"2025-09-19": 7.11}))
    conv = FxConverter(fetch=fake)
    conv.to_usd(1.0, "CNY", "2025-09-19")
    conv.to_usd(2.0, "CNY", "2025-09-19")
    assert len(fake.calls) == 1
    assert len(conv.rates) == 1


def test_offline_falls_back_to_the_table_and_stops_asking() -> None:
    fake = FakeYahoo(error=ConnectionError("no route to host"))
    conv = FxConverter(fetch=fake)
    first = conv.to_usd(9e9, "CNY", "2025-09")
    assert first.usd == pytest.approx(9e9 / 7.12)
    assert first.rate.source == "reference"
    assert first.source_label.startswith(REFERENCE_LABEL)
    assert "Yahoo Finance unavailable" in first.source_label
    conv.to_usd(1.0, "HKD", "2025-09")
    assert len(fake.calls) == 1  # once offline, the table answers straight away


def test_no_rows_falls_back_for_that_lookup_only() -> None:
    fake = FakeYahoo(frame=pd.DataFrame())
    conv = FxConverter(fetch=fake)
    assert conv.rate("CNY", "2025-09").source == "reference"
    conv.rate("HKD", "2025-09")
    assert len(fake.calls) == 2


def test_yahoo_only_raises_when_offline() -> None:
    conv = FxConverter(source="yahoo", fetch=FakeYahoo(error=ConnectionError("down")))
    with pytest.raises(OfflineError, match="yahoo: CNY=X"):
        conv.rate("CNY", "2025-09")


def test_reference_source_never_fetches() -> None:
    fake = FakeYahoo(error=AssertionError("must not be called"))
    assert FxConverter(source="reference", fetch=fake).rate("CNY", "2025-09").source == "reference"
    assert fake.calls == []


def test_a_bug_in_the_fetch_is_not_mistaken_for_offline() -> None:
    conv = FxConverter(fetch=FakeYahoo(error=KeyError("Close")))
    with pytest.raises(KeyError):
        conv.rate("CNY", "2025-09")


def test_yahoo_can_answer_currencies_the_table_lacks() -> None:
    fake = FakeYahoo(_history({"2025-09-19": 1390.0}))
    conv = FxConverter(fetch=fake).to_usd(1.39e12, "KRW", "2025-09-19")
    assert conv.usd == pytest.approx(1e9)
    offline = FxConverter(fetch=FakeYahoo(error=ConnectionError("down")))
    with pytest.raises(UnknownCurrencyError, match="KRW"):
        offline.to_usd(1.0, "KRW", "2025-09-19")


def test_latest_asks_yahoo_for_the_week_before_today() -> None:
    fake = FakeYahoo(_history({"2025-10-02": 7.12}))
    FxConverter(fetch=fake, today=lambda: date(2025, 10, 3)).rate("CNY")
    assert fake.calls == [("CNY=X", date(2025, 9, 26), date(2025, 10, 3))]


def test_yahoo_ticker() -> None:
    assert yahoo_fx_ticker("HKD") == "HKD=X"
