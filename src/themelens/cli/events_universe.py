"""``themelens events universe``: every catalogue event's spillover to its supply chain, on Dask."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from themelens.cli._common import OutputFormat, boundary, console, progress, say
from themelens.cli._output import emit
from themelens.cli._source import Source, source_options
from themelens.cli.archive import ConnectOpt, SchedulerOpt, WorkersOpt, dask_client
from themelens.cli.events import PROXY, Design, design_options, events_app
from themelens.errors import InputError

if TYPE_CHECKING:
    from themelens.theme import Theme


def _default_chains(theme: Theme, leaders: list[str]) -> dict[str, tuple[str, ...]]:
    """Without --chains: every leader's chain is the theme's supply-chain names."""
    chain = tuple(
        t for t, (_, _, role) in theme.roles_by_ticker().items() if role == "supply-chain"
    )
    return {leader: chain for leader in leaders}


@events_app.command("universe")
@source_options("theme", "format")
@design_options
def universe(
    prices: Annotated[
        Path,
        typer.Option(
            "--prices", help="Price dataset: a folder of ticker=NAME/bars.parquet shards."
        ),
    ],
    events_file: Annotated[
        Path,
        typer.Option("--events", help="Catalogue CSV with a ticker,date[,label] header."),
    ],
    chains_file: Annotated[
        Path | None,
        typer.Option(
            "--chains",
            help="Supply chains CSV with a ticker,member header (default: the theme's "
            "supply-chain names for every event).",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", help="Folder to write announcements.parquet and events.parquet into."
        ),
    ] = None,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    connect_timeout: ConnectOpt = 5.0,
    partition_size: Annotated[
        int, typer.Option("--partition-size", help="Announcements per partition.")
    ] = 200,
    *,
    design: Design,
    source: Source,
    fmt: OutputFormat,
) -> None:
    """Every event of a catalogue against its leader's supply chain: the leader's CAR and the
    chain's CAAR with BMP (Kolari–Pynnönen adjusted, the chain shares the date), partitioned
    by leader over a Parquet price dataset, the benchmark sent to each worker once."""
    from themelens.analytics.events_sources import read_events_csv
    from themelens.scale import run_universe_events
    from themelens.scale.universe import read_chains

    with boundary():
        options = design.model_options()
        if design.benchmark is not None and design.benchmark.strip().lower() == PROXY:
            raise InputError("--benchmark proxy: not for a universe; name a ticker in --prices")
        _, th = source.resolve()
        benchmark = None
        if options["model"] != "mean-adjusted":
            name = design.benchmark
            found = th.resolve(name) if name is not None else None
            benchmark = found.ticker if found is not None else (name or "").strip().upper() or None
            if benchmark is None:
                primary = th.benchmark().primary
                benchmark = primary.ticker if primary is not None else None
        catalogue = read_events_csv(events_file, th)
        leaders = list(dict.fromkeys(e.ticker for e in catalogue))
        chains = read_chains(chains_file) if chains_file else _default_chains(th, leaders)
        with (
            dask_client(workers, scheduler, connect_timeout) as (client, where),
            progress("events universe") as on_progress,
        ):
            result = run_universe_events(
                prices, catalogue, chains=chains, benchmark=benchmark, client=client,
                where=where, partition_size=partition_size, on_progress=on_progress,
                **options,
            )  # fmt: skip
        if out is not None:
            out.mkdir(parents=True, exist_ok=True)
            result.announcements.to_parquet(out / "announcements.parquet", index=False)
            result.events.to_parquet(out / "events.parquet", index=False)
            console.err.print(f"wrote {out}/announcements.parquet, events.parquet", highlight=False)
        emit(result, fmt.value)
        say("skipped", result.failures[:40])
        if len(result.failures) > 40:
            say("skipped", [f"... and {len(result.failures) - 40} more (--format json lists all)"])
        if not len(result.announcements):
            raise InputError(f"no announcement could be computed ({len(result.failures)} failed)")


__all__ = ["universe"]
