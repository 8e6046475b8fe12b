"""The command's deadline: a budget of silence, renewed by answers, spent for good once out."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from themelens.config import Settings, resolve_settings
from themelens.data.akshare_client import AkshareCall, AkshareClient
from themelens.data.deadline import Deadline, DeadlineExpired
from themelens.data.loading import make_provider
from themelens.data.providers import AkshareProvider, YahooProvider, fetch_prices
from themelens.data.routing import ProviderRoutes, load_routed
from themelens.data.store import PriceStore
from themelens.errors import InputError, OfflineError, RateLimitedError


class Clock:
    """A hand-moved monotonic clock."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_the_clock_starts_at_the_first_look_not_at_construction() -> None:
    clock = Clock()
    deadline = Deadline(10, clock=clock)
    clock.now += 50  # built long before the first remote call
    assert deadline.remaining() == 10
    clock.now += 4
    assert deadline.remaining() == pytest.approx(6)


def test_an_answer_fills_the_budget_again() -> None:
    clock = Clock()
    deadline = Deadline(10, clock=clock)
    deadline.remaining()
    clock.now += 8
    deadline.answered()
    clock.now += 8
    assert deadline.remaining() == pytest.approx(2)
    assert not deadline.expired


def test_once_out_it_stays_out_even_after_a_late_answer() -> None:
    clock = Clock()
    deadline = Deadline(10, clock=clock)
    deadline.remaining()
    clock.now += 10
    assert deadline.expired
    deadline.answered()  # an abandoned worker reporting late
    assert deadline.expired
    with pytest.raises(DeadlineExpired, match="within 10 s"):
        deadline.check()


def test_request_timeouts_are_cut_to_what_is_left() -> None:
    clock = Clock()
    deadline = Deadline(10, clock=clock)
    assert deadline.timeout(30) == 10
    assert deadline.timeout(4) == 4
    clock.now += 7
    assert deadline.timeout(30) == pytest.approx(3)
    assert deadline.timeout() == pytest.approx(3)


def test_a_back_off_that_would_outlast_the_deadline_is_not_slept() -> None:
    clock = Clock()
    deadline = Deadline(10, clock=clock)
    slept: list[float] = []
    deadline.wait(4, slept.append)
    with pytest.raises(DeadlineExpired, match="wait of 12 s"):
        deadline.wait(12, slept.append)
    assert slept == [4]
    assert not deadline.expired  # a wait not taken spends nothing


def test_call_returns_the_result_and_counts_it_as_an_answer() -> None:
    clock = Clock()
    deadline = Deadline(10, clock=clock)
    deadline.remaining()
    clock.now += 9
    assert deadline.call(lambda: 42) == 42
    assert deadline.remaining() == 10


def test_call_hands_back_what_the_call_raised() -> None:
    def boom() -> int:
        raise KeyError("nope")

    deadline = Deadline(10)
    with pytest.raises(KeyError, match="nope"):
        deadline.call(boom)


def test_a_hung_call_is_abandoned_at_the_deadline() -> None:
    release = threading.Event()
    deadline = Deadline(0.2)
    started = time.monotonic()
    with pytest.raises(DeadlineExpired):
        deadline.call(release.wait)
    assert time.monotonic() - started < 2
    assert deadline.expired
    with pytest.raises(DeadlineExpired):  # every later call fails at once
        deadline.call(lambda: 1)
    release.set()


def test_a_hung_call_past_its_own_cap_is_a_time_out_and_the_deadline_lives_on() -> None:
    release = threading.Event()
    deadline = Deadline(30)
    with pytest.raises(TimeoutError, match=r"within 0\.1 s") as info:
        deadline.call(release.wait, cap=0.1)
    assert not isinstance(info.value, DeadlineExpired)
    assert not deadline.expired
    release.set()


@pytest.mark.parametrize("seconds", [0, -1, float("inf"), float("nan")])
def test_a_deadline_must_be_a_positive_number(seconds: float) -> None:
    with pytest.raises(ValueError, match="positive"):
        Deadline(seconds)


def test_the_setting_comes_from_the_environment() -> None:
    assert resolve_settings(env={}).remote_deadline_s == 30.0
    env = {"THEMELENS_REMOTE_DEADLINE": "2.5"}
    assert resolve_settings(env=env).remote_deadline_s == 2.5
    with pytest.raises(InputError, match="THEMELENS_REMOTE_DEADLINE"):
        resolve_settings(env={"THEMELENS_REMOTE_DEADLINE": "0"})


# --- the providers consult it -------------------------------------------------------


def _hang(*args: object) -> pd.DataFrame:
    """A fetch on a network that accepts and never answers (until the test ends)."""
    HUNG.append(args)
    HANG.wait(30)
    raise ConnectionResetError("tarpit closed")


HANG = threading.Event()
HUNG: list[tuple[object, ...]] = []


@pytest.fixture(autouse=True)
def _release_hung_workers() -> Iterator[None]:
    HANG.clear()
    HUNG.clear()
    yield
    HANG.set()  # abandoned worker threads end with the test


def _bars(days: list[str]) -> pd.DataFrame:
    index = pd.DatetimeIndex(pd.to_datetime(days)).tz_localize("Asia/Hong_Kong").rename("Date")
    closes = [100.0 + i for i in range(len(days))]
    return pd.DataFrame(
        {"Open": closes, "High": closes, "Low": closes, "Close": closes, "Volume": 1.0,
         "Dividends": 0.0, "Stock Splits": 0.0},
        index=index,
    )  # fmt: skip


def test_yahoo_gives_up_at_the_deadline_as_offline() -> None:
    yahoo = YahooProvider(fetch=_hang, deadline=Deadline(0.3))
    started = time.monotonic()
    with pytest.raises(OfflineError, match=r"offline\?\): no answer within 0.3 s") as info:
        fetch_prices(yahoo, ["9888.HK", "0700.HK"])
    assert time.monotonic() - started < 2
    assert info.value.ticker == "9888.HK"


def test_yahoo_rate_limit_back_off_stops_short_of_the_deadline() -> None:
    from yfinance.exceptions import YFRateLimitError

    def limited(*_: object) -> pd.DataFrame:
        raise YFRateLimitError()

    slept: list[float] = []
    yahoo = YahooProvider(fetch=limited, sleep=slept.append, backoff_s=4, deadline=Deadline(10))
    with pytest.raises(RateLimitedError, match="after 2 retries"):
        fetch_prices(yahoo, ["9888.HK"])
    assert slept == [4, 8]  # the third wait, 16 s, would outlast the 10 s deadline


def test_akshare_gives_up_at_the_deadline_and_every_later_call_fails_at_once() -> None:
    client = AkshareClient(fetch=_hang, min_interval_s=0, timeout_s=30, deadline=Deadline(0.3))
    call = AkshareCall("stock_hk_hist", {"symbol": "00700"}, symbol="0700.HK")
    started = time.monotonic()
    with pytest.raises(OfflineError, match=r"no answer within 0\.3 s"):
        client.call(call)
    with pytest.raises(OfflineError, match=r"no answer within 0\.3 s"):
        client.call(call)
    assert time.monotonic() - started < 2


def test_one_deadline_serves_every_provider_of_a_route(tmp_path: Path) -> None:
    # a dead network costs the command the deadline once, not once per provider
    deadline = Deadline(0.3)
    yahoo = YahooProvider(fetch=_hang, deadline=deadline)
    akshare = AkshareProvider(fetch=_hang, min_interval_s=0, deadline=deadline)
    routes = ProviderRoutes({"yahoo": yahoo, "akshare": akshare}, lambda t: ("yahoo", "akshare"))
    load = load_routed(PriceStore(tmp_path / "c.duckdb"), routes, ["9888.HK", "0700.HK"])
    assert len(HUNG) == 1  # only the first call waited; every later one failed at once
    assert load.frame.empty
    assert [f.item for f in load.failures] == ["9888.HK", "0700.HK"]
    assert all(
        "yahoo: offline" in f.reason and "akshare: offline" in f.reason for f in load.failures
    )


def test_make_provider_shares_one_deadline_of_the_setting(tmp_path: Path) -> None:
    settings = Settings(db_path=tmp_path / "c.duckdb", provider="auto", remote_deadline_s=7)
    routes = make_provider(settings)
    assert isinstance(routes, ProviderRoutes)
    deadlines = {id(p.deadline) for p in routes.providers.values()}  # type: ignore[attr-defined]
    assert len(deadlines) == 1
    assert next(iter(routes.providers.values())).deadline.seconds == 7  # type: ignore[attr-defined]


def test_an_answer_keeps_a_long_healthy_batch_going() -> None:
    # each fetch takes 0.15 s, the batch 0.6 s: more than the 0.3 s deadline, yet never silent that long
    def slow(ticker: str, *_: object) -> pd.DataFrame:
        time.sleep(0.15)
        return _bars(["2025-09-16", "2025-09-17"])

    batch = fetch_prices(YahooProvider(fetch=slow, deadline=Deadline(0.3)), ["A", "B", "C", "D"])
    assert batch.tickers == ("A", "B", "C", "D")


def test_fx_and_statements_share_the_commands_deadline() -> None:
    """Within one command's scope, FX and Yahoo statements give up with the prices: a hung
    FX fetch falls back to the reference table at the deadline, and once it is spent the
    statements reader answers offline at once, without touching the network."""
    from themelens.data.deadline import deadline_scope
    from themelens.data.fundamentals import YahooFundamentals
    from themelens.data.fx import FxConverter
    from themelens.errors import OfflineError

    def hung(*_: object) -> object:
        time.sleep(5)
        raise AssertionError("never answers in time")

    with deadline_scope(Deadline(0.5)) as deadline:
        started = time.monotonic()
        rate = FxConverter(source="auto", fetch=hung).rate("HKD", "2025-09")  # type: ignore[arg-type]
        assert time.monotonic() - started < 2.5
        assert rate.source == "reference" and "Yahoo Finance unavailable" in rate.label
        assert deadline.expired
        started = time.monotonic()
        with pytest.raises(OfflineError, match="cannot reach Yahoo Finance"):
            YahooFundamentals().capex(["0700.HK"])
        assert time.monotonic() - started < 0.5


def test_a_bad_deadline_setting_is_one_line_for_every_command() -> None:
    """The command's deadline reads the setting as Settings does: a bad value is refused,
    not quietly replaced by the default."""
    from typer.testing import CliRunner

    from themelens.cli import app

    result = CliRunner().invoke(
        app, ["rally", "--demo"], env={"THEMELENS_REMOTE_DEADLINE": "abc", "COLUMNS": "200"}
    )
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "error: THEMELENS_REMOTE_DEADLINE='abc': expected a number of seconds > 0"
    )
