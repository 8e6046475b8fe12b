"""``themelens claims reconcile``: what different articles say about the same thing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from themelens.cli._app import claims_app
from themelens.cli._common import OutputFormat, boundary, progress, say
from themelens.cli._output import Output, emit
from themelens.cli._source import STORE_FLAGS, Source, source_options
from themelens.errors import InputError
from themelens.news.claim import Claim


def read_claims_jsonl(path: Path) -> list[Claim]:
    """Claims from a JSONL file in the spec's format (one object per line, ``"article"`` set).

    Blank lines are skipped; a line that is not a JSON object with ``entity``,
    ``metric`` and ``value`` is an ``InputError`` naming the file and line.
    """
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read claims ({exc})") from exc
    claims = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}: line {number}: not JSON ({exc.msg})") from None
        missing = [
            k for k in ("entity", "metric", "value") if not isinstance(data, dict) or k not in data
        ]
        if missing:
            raise InputError(f"{path}: line {number}: not a claim (missing {', '.join(missing)})")
        try:
            claims.append(Claim.from_dict(data))
        except TypeError as exc:
            raise InputError(f"{path}: line {number}: not a claim ({exc})") from None
    return claims


@claims_app.command("reconcile")
@source_options("format", *STORE_FLAGS)
def reconcile(
    paths: Annotated[
        list[str] | None,
        typer.Argument(help="Articles (files, folders, feeds, URLs) to extract claims from."),
    ] = None,
    claims_file: Annotated[
        Path | None,
        typer.Option(
            "--claims",
            help='A JSONL file of claims (the spec format, with "article" on each line).',
        ),
    ] = None,
    offline: Annotated[
        bool,
        typer.Option(
            "--offline",
            help="Convert money with the built-in monthly reference rates only (no Yahoo Finance).",
        ),
    ] = False,
    tolerance: Annotated[
        float,
        typer.Option("--tolerance", help="Agreement tolerance for money and multiples, in %."),
    ] = 10.0,
    *,
    source: Source,
    fmt: OutputFormat,
) -> None:
    """Group claims about the same thing across articles and label them agree / conflict.

    Claims come from --claims, from PATHs (extracted on the fly), or, with
    neither, from the articles stored by `themelens news add`. Money is
    compared in USD: rates from Yahoo Finance, else the built-in monthly
    reference table (every conversion names its source). Table: one row per
    group; json: groups with the sources on each side; csv: one row per claim.
    """
    from themelens.data.fx import FxConverter
    from themelens.news.reconcile import reconcile_claims

    with boundary():
        settings = source.settings()
        claims: list[Claim] = []
        failed = False
        if claims_file is not None:
            claims += read_claims_jsonl(claims_file)
        if paths:
            extracted, failed = _extract(paths, settings.theme)
            claims += extracted
        if claims_file is None and not paths:
            from themelens.news.store import ArticleStore

            claims = list(ArticleStore(settings.db_path).read_claims())
            if not claims:
                raise InputError(
                    f"{settings.db_path}: no stored claims; give PATHs, --claims FILE,"
                    " or add articles with `themelens news add`"
                )
        converter = FxConverter(source="reference" if offline else "auto")
        result = reconcile_claims(claims, to_usd=converter.to_usd, tolerance_pct=tolerance)
        if fmt is OutputFormat.csv:  # one row per claim, not per group
            emit(Output(frame=result.members_frame()), fmt)
        else:
            emit(result, fmt)
        if failed:
            raise typer.Exit(1)


def _extract(paths: list[str], theme_name: str) -> tuple[list[Claim], bool]:
    """Ingest ``paths`` and extract their claims; failed inputs are printed, the rest go on."""
    from themelens.news.extract import extract_claims
    from themelens.news.ingest import ingest
    from themelens.theme import load_theme

    th = load_theme(theme_name)
    with progress("articles") as on_progress:
        read = ingest(paths, on_progress=on_progress)
    say("failed", read.failures, color="red")
    claims: list[Claim] = []
    for article in read.articles:
        claims.extend(extract_claims(article, th))
    return claims, bool(read.failures)
