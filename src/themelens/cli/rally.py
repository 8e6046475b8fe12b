"""``themelens rally``: rally metrics for tickers or theme entities."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from themelens.cli._app import app
from themelens.cli._common import (
    AsofOpt,
    OutputFormat,
    boundary,
    exit_on_named_failures,
    load_prices,
    parse_date,
    say,
)
from themelens.cli._output import Output, emit
from themelens.cli._source import PRICE_FLAGS, Source, source_options

if TYPE_CHECKING:  # the data layer (pandas) is imported when the command runs, not for --help
    from themelens.analytics.rally import RallyResult
    from themelens.data.loading import LoadedPrices
    from themelens.theme import Theme


@app.command()
@source_options(*PRICE_FLAGS)
def rally(
    names: Annotated[
        list[str] | None,
        typer.Argument(
            help="Tickers or theme entities (slug, alias, ticker). Default: the theme's entities."
        ),
    ] = None,
    asof: AsofOpt = None,
    benchmark: Annotated[
        str | None,
        typer.Option(
            "--benchmark",
            help="Benchmark ticker or entity for excess returns (default: the theme's).",
        ),
    ] = None,
    *,
    source: Source,
    fmt: OutputFormat,
) -> None:
    """Rally metrics (returns, multi-year highs, weekly streaks, drawdown) as of a date."""
    from themelens.analytics.rally import measure_rally
    from themelens.data.loading import PriceRequest

    with boundary():
        settings, th = source.resolve()
        request = PriceRequest.from_names(th, names or [], benchmark=benchmark)
        loaded = load_prices(settings, th, request)
        result = measure_rally(
            loaded.frame,
            loaded.tickers,
            asof=parse_date(asof, "--asof"),
            benchmark=loaded.benchmark,
        )
        say("warning", loaded.warnings)
        say("note", result.warnings)
        emit(_output(result, th, loaded), fmt)
        exit_on_named_failures(loaded, result.failures)


def _output(result: RallyResult, theme: Theme, loaded: LoadedPrices) -> Output:
    """The result's records with each ticker's entity (and the synthetic label) added."""
    import pandas as pd

    from themelens.data.contracts import SYNTHETIC_LABEL

    records = result.to_records()
    entity_of = {t: e.slug for t in loaded.tickers if (e := theme.entity_for_ticker(t))}
    for rec in records:
        rec["entity"] = entity_of.get(str(rec["ticker"]))
        if result.synthetic:
            rec["data_note"] = SYNTHETIC_LABEL
    return Output(records, pd.DataFrame.from_records(records), (result.summary(),))
