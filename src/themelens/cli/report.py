"""``themelens report``: the main job, one self-contained HTML file for a theme."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Annotated

import typer

from themelens.cli._app import app
from themelens.cli._common import AsofOpt, ProxyOpt, boundary, console, parse_date, progress, say
from themelens.cli._source import RUN_FLAGS, Source, source_options


def demo_articles() -> list[str]:
    """The articles written for the demo (packaged), as paths."""
    folder = resources.files("themelens") / "demo_articles"
    return sorted(str(p) for p in folder.iterdir() if p.name.endswith(".txt"))


@app.command()
@source_options(*RUN_FLAGS)
def report(
    asof: AsofOpt = None,
    articles: Annotated[
        list[str] | None,
        typer.Option(
            "--articles",
            help="Article file, folder, feed or URL (repeatable). --demo uses the demo articles.",
        ),
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Where to write the HTML report.")] = Path(
        "report.html"
    ),
    proxy: ProxyOpt = True,
    benchmark: Annotated[
        str | None,
        typer.Option(
            "--benchmark",
            help="What relative figures use: an entity, a ticker, or 'proxy' (default: the theme's "
            "index, else its equal-weight proxy, else the next benchmark with prices).",
        ),
    ] = None,
    *,
    source: Source,
) -> None:
    """Build the theme report, one self-contained HTML file: headline, leaders and supply
    chain, news check, event study, fundamentals (capex, valuation, scenarios, Monte Carlo),
    basket backtest, provenance. Exits 1 when no ticker has prices or an article input
    failed (the report is still written)."""
    from themelens.data.contracts import SYNTHETIC_LABEL
    from themelens.pipeline.run import run_theme
    from themelens.report import write_report

    with boundary():
        settings, th = source.resolve()
        sources = list(articles or [])
        if not sources and settings.synthetic:
            sources = demo_articles()
        with progress("building the report") as on_progress:
            ctx = run_theme(
                settings,
                th,
                asof=parse_date(asof, "--asof"),
                articles=sources,
                proxy=proxy,
                benchmark=benchmark,
                on_progress=on_progress,
            )
        path = write_report(ctx, out)
        size_kb = path.stat().st_size / 1024
        say("missing", ctx.missing)
        if ctx.synthetic:
            console.out.print(
                f"[bold black on yellow] {SYNTHETIC_LABEL} [/] every figure in this report is simulated"
            )
        claims = len(ctx.verify.rows) if ctx.verify else 0
        console.out.print(
            f"report: {path} ({size_kb:,.0f} KB; {len(ctx.articles)} articles, {claims} claims checked)",
            highlight=False,
            soft_wrap=True,
        )
        if ctx.failures:
            say("failed", ctx.failures, color="red")
            raise typer.Exit(1)
