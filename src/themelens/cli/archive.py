"""``themelens archive``: every article a desk reads, as Parquet shards by month, on Dask.

``add`` reads folders, feeds, URLs and Parquet tables of articles; ``extract``
and ``verify`` turn article shards into claims and verdicts; ``status`` shows
what the archive holds through the DuckDB views. Each stage runs on a local
Dask cluster (``--workers``), on a running one (``--scheduler``) or in this
process (``--workers 0``), and resumes from the shards an earlier run committed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from themelens.cli._app import app
from themelens.cli._common import OutputFormat, ProxyOpt, boundary, console, progress, say
from themelens.cli._output import emit
from themelens.cli._source import PRICE_FLAGS, Source, source_options
from themelens.cli._tolerances import (
    DrawdownPpOpt,
    HighSinceOpt,
    ReturnPpOpt,
    ReturnRelOpt,
    tolerances,
)
from themelens.config import Settings
from themelens.errors import InputError
from themelens.news.ingest import DEFAULT_MAX_BYTES

if TYPE_CHECKING:
    from distributed import Client

    from themelens.scale import Archive, StageResult

archive_app = typer.Typer(
    help="An archive of every article read: Parquet shards by month, DuckDB views, Dask workers.",
    no_args_is_help=True,
)
app.add_typer(archive_app, name="archive")

_MB = 1024 * 1024

ArchiveOpt = Annotated[
    Path | None,
    typer.Option(
        "--archive", help="The archive folder (default: 'archive' beside the --db store)."
    ),
]
WorkersOpt = Annotated[
    int | None,
    typer.Option(
        "--workers",
        help="Local Dask worker processes (default: one per core); 0 runs in this process.",
    ),
]
SchedulerOpt = Annotated[
    str | None,
    typer.Option(
        "--scheduler",
        help="Join a running Dask scheduler (tcp://HOST:8786) instead of starting workers; "
        "its workers must see the archive at the same path.",
    ),
]
ConnectOpt = Annotated[
    float,
    typer.Option("--connect-timeout", help="Seconds to wait for --scheduler to answer."),
]


def _archive(settings: Settings, path: Path | None) -> Archive:
    from themelens.scale import Archive

    return Archive.open(path if path is not None else settings.db_path.parent / "archive")


@contextmanager
def dask_client(
    workers: int | None, scheduler: str | None, timeout: float
) -> Iterator[tuple[Client | None, str]]:
    """The Dask client for the flags, announced on stderr with its dashboard when it has one."""
    from themelens.scale import ClusterSpec, dashboard_link, open_client

    if timeout <= 0:
        raise InputError(f"--connect-timeout {timeout:g}: must be above 0")
    spec = ClusterSpec(workers=workers, scheduler=scheduler, connect_timeout_s=timeout)
    with open_client(spec) as client:
        where = spec.describe()
        say("running on", [where], color="cyan")
        link = dashboard_link(client)
        if link:
            say("dashboard", [link], color="cyan")
        yield client, where


def _finish(result: StageResult, archive: Archive, settings: Settings, fmt: OutputFormat) -> None:
    """Register the views, print the stage's summary and every failure; exit 1 on any."""
    from themelens.scale import register_views

    registered = register_views(archive, settings.db_path)
    emit(result, fmt.value)
    failures = [*result.failures(), *(p for p in registered.problems if p not in result.problems)]
    say("failed", failures, color="red")
    console.err.print(f"archive {archive.root} -> views in {settings.db_path}", highlight=False)
    if failures:
        raise typer.Exit(1)


@archive_app.command("add")
@source_options("db", "format")
def archive_add(
    inputs: Annotated[
        list[str],
        typer.Argument(
            metavar="PATH|URL...",
            help="Article files, folders, feeds, URLs, or Parquet tables (a 'text' column).",
        ),
    ],
    archive: ArchiveOpt = None,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    connect_timeout: ConnectOpt = 5.0,
    partition_size: Annotated[
        int, typer.Option("--partition-size", help="Articles per partition (and per shard).")
    ] = 500,
    max_mb: Annotated[
        float, typer.Option("--max-mb", help="Refuse inputs larger than this many megabytes.")
    ] = DEFAULT_MAX_BYTES / _MB,
    *,
    source: Source,
    fmt: OutputFormat,
) -> None:
    """Read articles into the archive: inputs not read before, in partitions, one shard per
    month each. Every input that gives no article is one line on stderr (exit status 1)."""
    from themelens.scale import add_articles

    with boundary():
        if max_mb <= 0:
            raise InputError(f"--max-mb {max_mb:g}: must be above 0")
        settings = source.settings()
        arch = _archive(settings, archive)
        with (
            dask_client(workers, scheduler, connect_timeout) as (client, where),
            progress("archive add") as on_progress,
        ):
            result = add_articles(
                arch, inputs, client=client, where=where, partition_size=partition_size,
                max_bytes=int(max_mb * _MB), on_progress=on_progress,
            )  # fmt: skip
        _finish(result, arch, settings, fmt)


@archive_app.command("extract")
@source_options("theme", "db", "format")
def archive_extract(
    archive: ArchiveOpt = None,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    connect_timeout: ConnectOpt = 5.0,
    *,
    source: Source,
    fmt: OutputFormat,
) -> None:
    """Extract the claims of every article shard not yet extracted under this theme and release."""
    from themelens.scale import extract_archive

    with boundary():
        settings, th = source.resolve()
        arch = _archive(settings, archive)
        with (
            dask_client(workers, scheduler, connect_timeout) as (client, where),
            progress("archive extract") as on_progress,
        ):
            result = extract_archive(arch, th, client=client, where=where, on_progress=on_progress)
        _finish(result, arch, settings, fmt)


@archive_app.command("verify")
@source_options(*PRICE_FLAGS)
def archive_verify(
    archive: ArchiveOpt = None,
    workers: WorkersOpt = None,
    scheduler: SchedulerOpt = None,
    connect_timeout: ConnectOpt = 5.0,
    proxy: ProxyOpt = True,
    return_pp: ReturnPpOpt = 0.5,
    return_rel: ReturnRelOpt = 0.10,
    high_since_months: HighSinceOpt = 3,
    drawdown_pp: DrawdownPpOpt = 5.0,
    *,
    source: Source,
    fmt: OutputFormat,
) -> None:
    """Verify the claims of every extracted shard against the theme's prices (loaded once, sent
    to each worker once). Growth, capex, P/E and flow claims are unverifiable here: use
    `themelens verify` with statements for those."""
    from themelens.data.contracts import SYNTHETIC_LABEL
    from themelens.data.loading import load_tickers, make_provider
    from themelens.scale import verify_archive

    with boundary():
        tol = tolerances(return_pp, return_rel, high_since_months, drawdown_pp)
        settings, th = source.resolve()
        arch = _archive(settings, archive)
        with progress("prices") as on_progress:
            loaded = load_tickers(
                settings,
                make_provider(settings, th),
                list(th.all_tickers()),
                on_progress=on_progress,
            )
        missing = {f.item: f.reason for f in loaded.failures}
        say("no prices", loaded.failures)
        with (
            dask_client(workers, scheduler, connect_timeout) as (client, where),
            progress("archive verify") as on_progress,
        ):
            result = verify_archive(
                arch, th, loaded.frame, client=client, where=where, tolerances=tol,
                proxy=proxy, missing=missing, on_progress=on_progress,
            )  # fmt: skip
        if settings.synthetic:
            console.err.print(
                f"[bold black on yellow] {SYNTHETIC_LABEL} [/] verdicts here are against simulated prices"
            )
        _finish(result, arch, settings, fmt)


@archive_app.command("status")
@source_options("theme", "db", "format")
def archive_status(
    archive: ArchiveOpt = None,
    *,
    source: Source,
    fmt: OutputFormat,
) -> None:
    """What the archive holds, month by month (articles, claims, verdicts by kind), read through
    the DuckDB views it registers; shards left to extract or verify; corrupt shards left out."""
    from themelens.scale import archive_status as status

    with boundary():
        settings, th = source.resolve()
        arch = _archive(settings, archive)
        result = status(arch, settings.db_path, theme=th)
        emit(result, fmt.value)
        say("left out", result.problems, color="red")


__all__ = [
    "archive_add",
    "archive_app",
    "archive_extract",
    "archive_status",
    "archive_verify",
    "dask_client",
]
