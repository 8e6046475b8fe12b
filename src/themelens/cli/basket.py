"""``themelens basket``: build a theme basket and backtest it against a benchmark."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from themelens.cli._app import app
from themelens.cli._common import (
    OutputFormat,
    boundary,
    exit_on_named_failures,
    load_prices,
    parse_date,
    progress,
    say,
)
from themelens.cli._output import emit
from themelens.cli._source import PRICE_FLAGS, Source, source_options
from themelens.errors import InputError

if TYPE_CHECKING:  # the data layer (pandas) is imported when the command runs, not for --help
    from themelens.config import Settings
    from themelens.data.loading import LoadedPrices
    from themelens.theme import Theme

basket_app = typer.Typer(
    help="Theme baskets: weights, risk overlays, backtests.", no_args_is_help=True
)
app.add_typer(basket_app, name="basket")

_ROLES = ("leader", "supply-chain", "peer", "other")
"""The roles ``--role-cap`` accepts: the theme's ``MEMBER_ROLES`` (written out, so ``--help``
does not import the theme model; tests/test_cli.py checks they agree), and "other"."""


class SchemeOpt(StrEnum):
    equal = "equal"
    inverse_vol = "inverse-vol"
    risk_parity = "risk-parity"
    min_variance = "min-variance"


class RebalanceOpt(StrEnum):
    monthly = "monthly"
    weekly = "weekly"


def parse_role_caps(values: list[str] | None) -> dict[str, float]:
    """``["leader=60"]`` → ``{"leader": 0.6}``; one-line ``InputError`` on anything else."""
    caps: dict[str, float] = {}
    for raw in values or []:
        role, sep, pct = raw.partition("=")
        role = role.strip()
        if not sep or role not in _ROLES:
            raise InputError(
                f"--role-cap {raw}: expected ROLE=PERCENT with ROLE one of {', '.join(_ROLES)}"
            )
        try:
            caps[role] = float(pct) / 100.0
        except ValueError:
            raise InputError(f"--role-cap {raw}: {pct!r} is not a number") from None
    return caps


def _pct(value: float | None) -> float | None:
    return None if value is None else value / 100.0


@basket_app.command("backtest")
@source_options(*PRICE_FLAGS)
def basket_backtest(
    names: Annotated[
        list[str] | None,
        typer.Argument(
            help="Tickers or theme entities (default: the theme's leaders, supply chain and peers)."
        ),
    ] = None,
    scheme: Annotated[
        SchemeOpt, typer.Option("--scheme", help="Weighting scheme.")
    ] = SchemeOpt.equal,
    vol_target: Annotated[
        float | None,
        typer.Option("--vol-target", help="Target annualised volatility, percent (e.g. 20)."),
    ] = None,
    max_leverage: Annotated[
        float,
        typer.Option(
            "--max-leverage", help="Cap on the exposure the vol target may set (1 = no borrowing)."
        ),
    ] = 1.0,
    max_weight: Annotated[
        float | None, typer.Option("--max-weight", help="Cap per name, percent (e.g. 25).")
    ] = None,
    role_cap: Annotated[
        list[str] | None,
        typer.Option("--role-cap", help="Cap per role, ROLE=PERCENT (e.g. leader=60); repeatable."),
    ] = None,
    brake: Annotated[
        float | None,
        typer.Option(
            "--brake",
            help="Cut exposure after this drawdown from the peak since the brake last lifted, "
            "percent (e.g. 15).",
        ),
    ] = None,
    brake_release: Annotated[
        float,
        typer.Option(
            "--brake-release",
            help="Restore once the basket has rebounded from its low by the brake's size times "
            "(100 - this) percent (50 with a 15 brake: a 7.5% rebound).",
        ),
    ] = 50.0,
    brake_exposure: Annotated[
        float,
        typer.Option("--brake-exposure", help="Exposure kept while braked, percent of normal."),
    ] = 0.0,
    rebalance: Annotated[
        RebalanceOpt,
        typer.Option("--rebalance", help="Rebalance on the first session of each month or week."),
    ] = RebalanceOpt.monthly,
    cost_bps: Annotated[
        float, typer.Option("--cost-bps", help="Transaction cost in basis points of traded value.")
    ] = 10.0,
    lookback: Annotated[
        int, typer.Option("--lookback", help="Sessions of returns for volatility and covariance.")
    ] = 126,
    min_history: Annotated[
        int,
        typer.Option("--min-history", help="Sessions of unbroken history a name needs to be held."),
    ] = 63,
    benchmark: Annotated[
        str | None,
        typer.Option("--benchmark", help="Benchmark ticker or entity (default: the theme's)."),
    ] = None,
    start: Annotated[str | None, typer.Option("--start", help="First session YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option("--end", help="Last session YYYY-MM-DD.")] = None,
    *,
    source: Source,
    fmt: OutputFormat,
) -> None:
    """Backtest a theme basket: weights, caps, vol target, drawdown brake, costs vs a benchmark."""
    from themelens.analytics.basket import BasketSpec, backtest_basket

    with boundary():
        spec = BasketSpec.build(
            scheme=scheme.value,
            rebalance=rebalance.value,
            max_weight=_pct(max_weight),
            role_caps=parse_role_caps(role_cap),
            vol_target=_pct(vol_target),
            max_leverage=max_leverage,
            brake=_pct(brake),
            brake_release=brake_release / 100.0,
            brake_exposure=brake_exposure / 100.0,
            cost_bps=cost_bps,
            lookback=lookback,
            min_history=min_history,
        )
        first, last = _period(start, end)
        settings, th = source.resolve()
        loaded, notes = _load(settings, th, names or [], benchmark)
        with progress("backtest") as on_progress:
            result = backtest_basket(
                loaded.frame, loaded.tickers, spec=spec, benchmark=loaded.benchmark,
                roles=_roles(th, loaded.tickers), start=first, end=last, on_progress=on_progress,
            )  # fmt: skip
        say("warning", notes)
        emit(result, fmt)
        exit_on_named_failures(loaded, result.failures)


def _period(start: str | None, end: str | None) -> tuple[date | None, date | None]:
    """``--start``/``--end`` as dates, refused when they leave no session between them."""
    first, last = parse_date(start, "--start"), parse_date(end, "--end")
    if first and last and first >= last:
        raise InputError(f"--start {first} is not before --end {last}")
    return first, last


def _load(
    settings: Settings, theme: Theme, names: list[str], benchmark: str | None
) -> tuple[LoadedPrices, list[str]]:
    """The basket's prices and the notes to show; a named benchmark without data is an error,
    the theme's default without data falls back along the theme's benchmark chain."""
    from themelens.data.loading import PriceRequest

    request = PriceRequest.from_names(theme, names, benchmark=benchmark)
    loaded = load_prices(settings, theme, request)
    if request.benchmark_named and loaded.benchmark is None:
        why = next((f.reason for f in loaded.failures if f.item == request.benchmark), "no data")
        raise InputError(f"--benchmark {benchmark}: {why}")
    notes = list(loaded.warnings)
    if loaded.benchmark is None and not request.benchmark_named:
        loaded = _fallback_benchmark(settings, theme, loaded, tried=request.benchmark)
        if loaded.benchmark is not None:
            notes.append(
                f"benchmark: using {loaded.benchmark}, the first theme benchmark with data"
            )
    return loaded, notes


def _fallback_benchmark(
    settings: Settings, theme: Theme, loaded: LoadedPrices, *, tried: str | None
) -> LoadedPrices:
    """``loaded`` with the first benchmark of the theme's chain that has data (the one
    ``tried`` already had none), as the report picks it; unchanged when none has."""
    import pandas as pd

    from themelens.data.loading import load_tickers, make_provider

    rest = [t for t in theme.benchmark_chain() if t != tried]
    if not rest:
        return loaded
    frame = load_tickers(settings, make_provider(settings), rest).frame
    ticker = theme.pick_benchmark(frame["ticker"].astype(str).unique()) if len(frame) else None
    if ticker is None:
        return loaded
    merged = pd.concat([loaded.frame, frame[frame["ticker"] == ticker]], ignore_index=True)
    return replace(loaded, load=replace(loaded.load, frame=merged), benchmark=ticker)


def _roles(theme: Theme, tickers: tuple[str, ...]) -> dict[str, str]:
    """Ticker → theme role for ``--role-cap`` ("other" outside the theme's roles)."""
    return {
        t: (e.role or "other") if (e := theme.entity_for_ticker(t)) else "other" for t in tickers
    }
