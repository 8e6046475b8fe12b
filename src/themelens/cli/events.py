"""``themelens events``: event studies (announcement effects) and spillover to a group."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Final

import typer

from themelens.cli._app import app
from themelens.cli._common import OutputFormat, boundary, parse_date, progress, say
from themelens.cli._output import Output, emit
from themelens.cli._source import PRICE_FLAGS, Source, option, option_group, source_options
from themelens.config import Settings
from themelens.errors import InputError, UnknownTickerError

if TYPE_CHECKING:
    import pandas as pd

    from themelens.theme import Role, Theme

events_app = typer.Typer(
    help="Event studies: abnormal returns around announcements, and spillover to a group.",
    no_args_is_help=True,
)
app.add_typer(events_app, name="events")

PROXY: Final = "proxy"


class ModelChoice(StrEnum):
    market = "market"
    market_adjusted = "market-adjusted"
    mean_adjusted = "mean-adjusted"


BenchmarkOpt = Annotated[
    str | None,
    typer.Option(
        "--benchmark",
        help=(
            "Benchmark ticker or entity (default: the theme's). 'proxy' = an equal-weight, "
            "daily-rebalanced index of the theme's Hong Kong names in the data, leaving out the "
            "event stocks (the shared price files have no HSTECH series)."
        ),
    ),
]
ModelOpt = Annotated[ModelChoice, typer.Option("--model", help="Expected-return model.")]
EstimationOpt = Annotated[
    int, typer.Option("--estimation", help="Estimation window length in sessions.")
]
GapOpt = Annotated[
    int, typer.Option("--gap", help="Sessions between the estimation window's end and day 0.")
]
WindowOpt = Annotated[
    str, typer.Option("--window", help="Event window as START,END sessions around day 0.")
]
MinEstOpt = Annotated[
    int, typer.Option("--min-estimation", help="Fewest usable estimation returns per event.")
]


@dataclass(frozen=True)
class Design:
    """The benchmark and model flags ``study`` and ``spillover`` share, as typed."""

    benchmark: str | None
    model: ModelChoice
    estimation: int
    gap: int
    window: str
    min_estimation: int

    def model_options(self) -> dict[str, Any]:
        """What ``run_event_study`` and ``run_spillover`` take; a bad ``--window`` raises here,
        so it is reported before any price is loaded."""
        return {
            "model": self.model.value,
            "estimation": self.estimation,
            "gap": self.gap,
            "window": _window(self.window),
            "min_estimation": self.min_estimation,
        }


design_options = option_group(
    "design",
    Design,
    [
        option("benchmark", BenchmarkOpt, None),
        option("model", ModelOpt, ModelChoice.market),
        option("estimation", EstimationOpt, 120),
        option("gap", GapOpt, 10),
        option("window", WindowOpt, "-1,3"),
        option("min_estimation", MinEstOpt, 60),
    ],
)


def _window(text: str) -> tuple[int, int]:
    parts = text.split(",")
    try:
        lo, hi = (int(p.strip()) for p in parts)
    except ValueError:
        raise InputError(f"--window {text}: expected START,END such as -1,3") from None
    if lo > hi:
        raise InputError(f"--window {text}: the start is after the end")
    return lo, hi


def _bench_ticker(theme: Theme, name: str | None) -> str:
    if name is None:
        primary = theme.benchmark().primary
        assert primary is not None  # the theme validates its default benchmark has a listing
        return primary.ticker
    found = theme.resolve(name)
    return found.ticker if found is not None else name.strip().upper()


def _load(
    settings: Settings,
    theme: Theme,
    tickers: list[str],
    design: Design,
    explicit: dict[str, str],
) -> tuple[pd.DataFrame, str | None, list[str]]:
    """Prices for the events (and benchmark or proxy members); the benchmark ticker; notes."""
    benchmark, model = design.benchmark, design.model
    from themelens.analytics.events_sources import add_proxy_benchmark
    from themelens.data.loading import load_tickers, make_provider

    provider = make_provider(settings)
    use_proxy = benchmark is not None and benchmark.strip().lower() == PROXY
    bench = (
        None if model is ModelChoice.mean_adjusted or use_proxy else _bench_ticker(theme, benchmark)
    )
    wanted = list(dict.fromkeys(tickers))
    if use_proxy:
        wanted += theme.member_tickers()
    if bench:
        wanted.append(bench)
    with progress("prices") as on_progress:
        loaded = load_tickers(
            settings, provider, list(dict.fromkeys(wanted)), on_progress=on_progress
        )
    frame = loaded.frame
    have = set(frame["ticker"].unique().tolist())
    for ticker, typed in explicit.items():
        if ticker not in have:
            extra = provider.available_tickers()
            raise UnknownTickerError(typed, suggestions=theme.suggest(typed, extra=extra))
    notes = list(loaded.warnings)
    if bench and bench not in have and model is not ModelChoice.mean_adjusted:
        raise InputError(
            f"--benchmark {benchmark or bench}: no prices for {bench}; "
            "pass --benchmark proxy or a ticker in the data"
        )
    if use_proxy and model is not ModelChoice.mean_adjusted:
        frame, bench, members = add_proxy_benchmark(frame, theme, exclude=tickers)
        notes.append(f"benchmark {bench}: equal-weight of {', '.join(members)}")
    return frame, bench, notes


def _print(result: Any, fmt: OutputFormat, notes: list[str]) -> None:
    """The notes on stderr, then the study: json carries the notes too, the table adds the
    tests across events (the group's, for a spillover) when any event was computed."""
    say("note", notes)
    if fmt is OutputFormat.table:
        study = getattr(result, "group", result)
        tests = (study.tests_summary(),) if len(study.events) else ()
        emit(Output(tables=(result.summary(), *tests)), fmt)
    elif fmt is OutputFormat.json:
        emit(Output(data={**result.to_dict(), "notes": notes}), fmt)
    else:
        emit(result, fmt)


def _collect_events(
    theme: Theme, settings: Settings, args: list[str], file: Path | None, catalysts: bool,
    news: bool,
) -> tuple[list[Any], dict[str, str]]:  # fmt: skip
    from themelens.analytics.events_sources import (
        events_from_catalysts,
        events_from_claims,
        parse_event,
        read_events_csv,
    )

    events: list[Any] = []
    explicit: dict[str, str] = {}
    for arg in args:
        try:
            ev = parse_event(arg, theme)
        except ValueError as exc:
            raise InputError(str(exc)) from None
        if theme.resolve(ev.label) is None and ev.label.islower():
            raise UnknownTickerError(ev.label, suggestions=theme.suggest(ev.label))
        events.append(ev)
        explicit[ev.ticker] = ev.label
    if file is not None:
        events += read_events_csv(file, theme)
    if catalysts:
        events += events_from_catalysts(theme)
    if news:
        from themelens.news.store import ArticleStore

        events += events_from_claims(ArticleStore(settings.db_path).read_verified(), theme)
    if not events:
        raise InputError(
            "no events: give TICKER:YYYY-MM-DD, --events FILE, --catalysts or --from-news"
        )
    return events, explicit


@events_app.command("study")
@source_options(*PRICE_FLAGS)
@design_options
def study(
    events: Annotated[
        list[str] | None,
        typer.Argument(
            help="Events as TICKER:YYYY-MM-DD (or entity:YYYY-MM-DD, e.g. alibaba:2025-09-24)."
        ),
    ] = None,
    events_file: Annotated[
        Path | None,
        typer.Option("--events", help="CSV of events with a ticker,date[,label] header."),
    ] = None,
    catalysts: Annotated[
        bool, typer.Option("--catalysts", help="Add the theme's catalysts on listed companies.")
    ] = False,
    from_news: Annotated[
        bool,
        typer.Option("--from-news", help="Add dated claims the verify step supported (from --db)."),
    ] = False,
    *,
    design: Design,
    source: Source,
    fmt: OutputFormat,
) -> None:
    """Abnormal returns (AR, CAR, BHAR) around events, with tests across them.

    Events that cannot be computed (a date outside the data, too short an
    estimation window, a benchmark without closes in the event window) are
    skipped with their reason and counted; exit status 1 only when none is
    computed.
    """
    from themelens.analytics.events import run_event_study

    with boundary():
        options = design.model_options()
        settings, th = source.resolve()
        evs, explicit = _collect_events(
            th, settings, events or [], events_file, catalysts, from_news
        )
        frame, bench, notes = _load(settings, th, [e.ticker for e in evs], design, explicit)
        result = run_event_study(frame, evs, benchmark=bench, **options)
        _print(result, fmt, notes)
        if not len(result.events):
            raise InputError(f"no event could be computed ({len(result.failures)} skipped)")


@events_app.command("spillover")
@source_options(*PRICE_FLAGS)
@design_options
def spillover(
    leader: Annotated[str, typer.Option("--leader", help="The announcing entity or ticker.")],
    on: Annotated[str, typer.Option("--date", help="Announcement date YYYY-MM-DD.")],
    group: Annotated[
        str,
        typer.Option(
            "--group", help="A theme role (supply-chain, peer, leader) or comma-separated names."
        ),
    ] = "supply-chain",
    *,
    design: Design,
    source: Source,
    fmt: OutputFormat,
) -> None:
    """The leader's announcement effect and the group's reaction on the same date.

    The group's events share a date, so BMP is also reported with the
    Kolari–Pynnönen adjustment for cross-correlated abnormal returns.
    """
    from themelens.analytics.events import run_spillover

    with boundary():
        options = design.model_options()
        when = parse_date(on, "--date")
        assert when is not None
        settings, th = source.resolve()
        lead = _resolve(th, leader)
        members = _members(th, group, lead)
        frame, bench, notes = _load(settings, th, [lead, *members], design, {lead: leader})
        result = run_spillover(
            frame, leader=lead, members=members, event_date=when, benchmark=bench,
            group_name=group, label=_label(th, when, lead), **options,
        )  # fmt: skip
        _print(result, fmt, notes)
        if not len(result.leader.events) and not len(result.group.events):
            raise InputError("no event could be computed")


def _resolve(theme: Theme, name: str) -> str:
    found = theme.resolve(name)
    if found is not None:
        return found.ticker
    if name.islower():
        raise UnknownTickerError(name, suggestions=theme.suggest(name))
    return name.strip().upper()


def _members(theme: Theme, group: str, leader: str) -> list[str]:
    from themelens.theme import MEMBER_ROLES

    roles: tuple[Role, ...] = (*MEMBER_ROLES, "benchmark")
    role = next((r for r in roles if r == group), None)
    if role is not None:
        tickers = [t for t, (_, _, r) in theme.roles_by_ticker().items() if r == role]
    else:
        tickers = [_resolve(theme, n.strip()) for n in group.split(",") if n.strip()]
    out = [t for t in dict.fromkeys(tickers) if t != leader]
    if not out:
        raise InputError(f"--group {group}: no members besides the leader")
    return out


def _label(theme: Theme, when: date, ticker: str) -> str:
    for cat in theme.catalysts:
        ent = theme.entity(cat.entity)
        if cat.date == when and ent.primary is not None and ent.primary.ticker == ticker:
            return cat.title
    return ""


__all__ = ["events_app", "spillover", "study"]
