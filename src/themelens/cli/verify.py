"""``themelens verify``: every checkable claim in the articles checked against prices,
statements, valuation and flows."""

from __future__ import annotations

import math
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from themelens.cli._app import app
from themelens.cli._common import ProxyOpt, boundary, console, say
from themelens.cli._output import Output, emit
from themelens.cli._source import RUN_FLAGS, Source, source_options
from themelens.cli._tolerances import (
    DrawdownPpOpt,
    HighSinceOpt,
    ReturnPpOpt,
    ReturnRelOpt,
    tolerances,
)
from themelens.cli.fundamentals import AkshareReplayOpt, ReplayOpt

if TYPE_CHECKING:  # pandas is imported when the command runs, not for --help
    import pandas as pd


class VerifyFormat(StrEnum):
    jsonl = "jsonl"
    table = "table"


@app.command()
@source_options(*RUN_FLAGS)
def verify(
    paths: Annotated[list[str], typer.Argument(help="Article files, folders, feeds or URLs.")],
    proxy: ProxyOpt = True,
    return_pp: ReturnPpOpt = 0.5,
    return_rel: ReturnRelOpt = 0.10,
    high_since_months: HighSinceOpt = 3,
    drawdown_pp: DrawdownPpOpt = 5.0,
    fmt: Annotated[
        VerifyFormat, typer.Option("--format", help="jsonl (one claim a line) or table.")
    ] = VerifyFormat.table,
    income_csv: Annotated[
        Path | None,
        typer.Option(
            "--income-csv",
            help="Income statements CSV (revenue, net income) to check growth claims against.",
        ),
    ] = None,
    capex_csv: Annotated[
        Path | None, typer.Option("--capex-csv", help="Capex statements CSV for capex claims.")
    ] = None,
    valuation_csv: Annotated[
        Path | None, typer.Option("--valuation-csv", help="P/E history CSV for P/E claims.")
    ] = None,
    replay: ReplayOpt = None,
    akshare_replay: AkshareReplayOpt = None,
    flows_replay: Annotated[
        Path | None,
        typer.Option(
            "--flows-replay", hidden=True, help="Serve southbound flows from a recording (tests)."
        ),
    ] = None,
    *,
    source: Source,
) -> None:
    """Extract claims and give each checkable claim a verdict: supported, supported_intraday,
    misdated, contradicted or unverifiable, with the session, its close and range, the computed
    figure and the reason. Verdicts are stored."""
    from themelens.data.contracts import SYNTHETIC_LABEL
    from themelens.pipeline.news import FundamentalsInputs, check_articles

    with boundary():
        tol = tolerances(return_pp, return_rel, high_since_months, drawdown_pp)
        settings, th = source.resolve()
        sources = FundamentalsInputs(
            income_csv=income_csv,
            capex_csv=capex_csv,
            valuation_csv=valuation_csv,
            replay_dir=replay,
            akshare_replay_dir=akshare_replay,
            flows_replay_dir=flows_replay,
        )
        checked = check_articles(
            settings, th, paths, proxy=proxy, tolerances=tol, fundamentals=sources
        )
        say("failed", checked.failed_inputs, color="red")
        say("not stored", checked.failed_steps, color="red")
        result = checked.verify
        if fmt is VerifyFormat.jsonl:
            note = {"data_note": SYNTHETIC_LABEL} if settings.synthetic else {}
            emit(Output([{**r, **note} for r in result.to_records()]), fmt)
            console.err.print(result.summary())  # stdout stays pure JSON lines
        else:
            emit(Output(tables=(_claims_table(result.to_frame()), result.summary())), fmt)
        if settings.synthetic:
            console.err.print(
                f"[bold black on yellow] {SYNTHETIC_LABEL} [/] verdicts here are against simulated prices"
            )
        if checked.failed_inputs or checked.failed_steps:
            raise typer.Exit(1)


def _claims_table(frame: pd.DataFrame) -> Table:
    table = Table(title="Claims and verdicts")
    columns = [
        "article",
        "entity",
        "metric",
        "value",
        "qualifier",
        "ticker",
        "asof",
        "session_close_pct",
        "day_low_pct",
        "day_high_pct",
        "computed",
        "verdict",
        "reason",
    ]
    for col in columns:
        table.add_column(col, overflow="fold")
    style = {
        "supported": "green",
        "supported_intraday": "yellow",
        "misdated": "magenta",
        "contradicted": "red",
    }
    for row in frame.to_dict("records"):
        cells = [_cell(row.get(c)) for c in columns]
        table.add_row(*cells, style=style.get(str(row["verdict"]), "dim"))
    return table


def _cell(value: object) -> str:
    """A blank for a missing value (None, NaN, NaT), else the value as text."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return "" if str(value) == "NaT" else str(value)
