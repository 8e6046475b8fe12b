"""``themelens claims extract``: articles in, claims (spec/claims.md) out as JSON lines or a table."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Final

import typer
from rich.markup import escape
from rich.table import Table

from themelens.cli._app import claims_app
from themelens.cli._common import ThemeOpt, boundary, console, say
from themelens.cli._output import Output, emit
from themelens.errors import ArticleError

if TYPE_CHECKING:  # the extractors are imported when the command runs, not for --help
    from themelens.news.claim import Claim
    from themelens.news.extract import Extractor

EXTRACTOR_NAMES: Final = ("rules", "llm", "hybrid", "openai")
"""``news.extract.EXTRACTORS``' names for ``--help`` without importing the extractors
(tests/test_cli.py checks the two agree)."""


class ClaimsFormat(StrEnum):
    jsonl = "jsonl"
    table = "table"


def _table(claims: list[Claim]) -> Table:
    table = Table(title=f"{len(claims)} claims")
    for col in ("article", "entity", "metric", "value", "cur", "window", "date", "qual", "quote"):
        table.add_column(col, overflow="fold" if col == "quote" else "ellipsis")
    for c in claims:
        value = c.value if isinstance(c.value, str) else f"{c.value:,.6g}"
        table.add_row(
            c.article or "", c.entity, c.metric, value, c.currency or "", c.window or "",
            c.date or "", c.qualifier or "", c.quote,
        )  # fmt: skip
    return table


def _explained(c: Claim) -> str:
    value = c.value if isinstance(c.value, str) else f"{c.value:,.6g}"
    head = f"{c.article}: {c.entity} {c.metric} {value} {c.currency or ''}".rstrip()
    lines = [head, f"  quote:  {c.quote!r}"]
    ev = c.evidence
    if ev is None:
        lines.append("  (this extractor records no evidence)")
    else:
        lines += [
            f"  metric: {ev.metric}",
            f"  entity: {ev.entity}",
            f"  window: {ev.window}",
            f"  date:   {ev.date}",
        ]
    return "\n".join(lines)


@claims_app.command("extract")
def claims_extract(
    paths: Annotated[
        list[Path], typer.Argument(help="Article files (.txt, .md, .html) or folders of them.")
    ],
    fmt: Annotated[
        ClaimsFormat, typer.Option("--format", help="JSON lines (one claim each) or a table.")
    ] = ClaimsFormat.jsonl,
    theme: ThemeOpt = None,
    extractor: Annotated[
        str, typer.Option("--extractor", help=f"Claim extractor: {', '.join(EXTRACTOR_NAMES)}.")
    ] = "rules",
    explain: Annotated[
        bool,
        typer.Option(
            "--explain",
            help="Print under each claim the words that decided its metric, entity, window and "
            "date (rules extractor).",
        ),
    ] = False,
) -> None:
    """Extract numeric claims; each JSON line carries "article" = the file's stem.

    A bad input (missing, empty, binary, not UTF-8) gets one line on stderr,
    the others are still read, and the exit status is 1.
    """
    from themelens.news.extract import RulesExtractor, get_extractor
    from themelens.news.extract.stats import ExtractionStats, stats_of
    from themelens.news.ingest import failure_from, ingest
    from themelens.theme import load_theme

    with boundary():
        th = load_theme(theme)
        chosen: Extractor = (
            RulesExtractor(explain=True)
            if explain and extractor == "rules"
            else get_extractor(extractor)
        )
        result = ingest([str(p) for p in paths])
        claims: list[Claim] = []
        failures = list(result.failures)
        total = ExtractionStats()
        for article in result.articles:
            try:
                claims.extend(chosen.extract(article, th))
            except ArticleError as exc:  # one article the model could not read: go on
                failures.append(failure_from(exc))
                continue
            total += stats_of(chosen) or ExtractionStats()
        if explain:
            for c in claims:
                console.out.out(_explained(c), highlight=False)
        else:
            emit(Output([c.to_dict() for c in claims], tables=(_table(claims),)), fmt)
        if chosen.name != "rules" and stats_of(chosen) is not None:
            console.err.print(f"{chosen.name}: {escape(total.as_text())}", highlight=False)
        say("error", failures, color="red")
        if failures:
            raise typer.Exit(1)
