"""``themelens news``: ingest articles into the DuckDB store, and list what it holds."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Annotated, Any

import typer

from themelens.cli._app import news_app
from themelens.cli._common import OutputFormat, boundary, console, progress, say, terminal_text
from themelens.cli._output import Output, emit, frame_table
from themelens.cli._source import STORE_FLAGS, Source, source_options
from themelens.errors import Failure, InputError, ThemelensError
from themelens.news.ingest import DEFAULT_MAX_BYTES

if TYPE_CHECKING:  # the store, readers and extractors load when a command runs, not for --help
    from themelens.config import Settings
    from themelens.news.article import Article
    from themelens.news.store import AddResult, ArticleStore
    from themelens.theme import Theme

log = logging.getLogger(__name__)

_MB = 1024 * 1024
_PACKAGE_EXTRACTOR = "themelens.news.extract.extract_claims"


@news_app.command("add")
@source_options(*STORE_FLAGS)
def news_add(
    inputs: Annotated[
        list[str],
        typer.Argument(
            metavar="PATH|URL...",
            help="Article files (.txt, .md, .html), folders, RSS/Atom feeds (.xml, .rss, .atom) or URLs.",
        ),
    ],
    max_mb: Annotated[
        float, typer.Option("--max-mb", help="Refuse inputs larger than this many megabytes.")
    ] = DEFAULT_MAX_BYTES / _MB,
    *,
    source: Source,
) -> None:
    """Store articles keyed by content hash (adding one twice keeps one), then extract their claims.

    Every bad input (empty, binary, too big, not UTF-8, no article text, a feed
    that will not parse, a URL that fails) is one line on stderr; the rest are
    stored, and the exit status is 1 if any input failed.
    """
    from themelens.news.ingest import ingest
    from themelens.news.store import ArticleStore

    for chatty in ("trafilatura", "htmldate"):  # they log ERROR for pages we report ourselves
        logging.getLogger(chatty).setLevel(logging.CRITICAL)
    with boundary():
        if max_mb <= 0:
            raise InputError(f"--max-mb {max_mb:g}: must be above 0")
        settings = source.settings()
        with progress("reading articles") as on_progress:
            result = ingest(inputs, on_progress=on_progress, max_bytes=int(max_mb * _MB))
        store = ArticleStore(settings.db_path)
        failures = list(result.failures)
        stored, ids, counts = _store(store, result.articles, settings, failures)
        new = set(stored.added)
        for article, article_id in zip(result.articles, ids, strict=True):
            status = "added" if article_id in new else "already stored"
            _print(f"{status}: {_describe(article, counts.get(article_id))}")
        for dup in result.duplicates:
            _print(f"duplicate: {dup}")
        say("failed", (terminal_text(str(f)) for f in failures), color="red")
        _print(
            f"{len(stored.added)} added, {len(stored.already_present)} already stored, "
            f"{len(failures)} failed -> {settings.db_path}"
        )
        if failures:
            raise typer.Exit(1)


@news_app.command("list")
@source_options("db", "format")
def news_list(*, source: Source, fmt: OutputFormat) -> None:
    """Stored articles: id, name, title, published, source, kind and claims count."""
    from themelens.news.store import ArticleStore

    with boundary():
        db_path = source.settings().db_path
        frame = ArticleStore(db_path).list_articles()
        frame = frame.loc[
            :, ["id", "name", "title", "published", "date_origin", "source", "kind", "claims"]
        ]
        data = frame.assign(published=frame["published"].map(_iso)).astype(object)
        short = frame.assign(id=frame["id"].astype(str).str[:12])
        table = frame_table(short, f"articles in {db_path}", fold=("title",))
        emit(Output(data.where(data.notna(), None), frame, (table,)), fmt)


def _print(line: str) -> None:
    """One stdout line of user text (titles, sources, paths): control-free, no markup."""
    console.out.print(terminal_text(line), highlight=False, soft_wrap=True, markup=False)


def _store(
    store: ArticleStore, articles: Sequence[Article], settings: Settings, failures: list[Failure]
) -> tuple[AddResult, tuple[str, ...], dict[str, int]]:
    """Store the articles, then their claims when ``themelens.news.extract`` provides
    ``extract_claims``: read back for an article extracted before under the same key, else
    extracted and stored in batches (``pipeline.news_claims.extract_stored``).

    A failure (theme, extractor, store) is one ``Failure`` per article; it never stops the
    run. Returns what was added, the articles' ids and their claim counts (article id ->
    count, for those whose claims are stored).
    """
    from themelens.pipeline.news_claims import extract_stored
    from themelens.theme import load_theme

    extract_claims = _extractor()
    theme: Theme | None = None
    if extract_claims is not None and articles:
        try:
            theme = load_theme(settings.theme)
        except ThemelensError as exc:
            failures.append(Failure(f"theme {settings.theme}", f"claims not extracted: {exc}"))
    if extract_claims is None or theme is None:
        return store.add_articles(articles), tuple(a.id for a in articles), {}
    name = f"{extract_claims.__module__}.{getattr(extract_claims, '__name__', 'extract_claims')}"
    if name == _PACKAGE_EXTRACTOR:
        name = "rules"  # as verify and report name it, so each reuses the other's claims
    done = extract_stored(
        store, articles, theme, extract=extract_claims, extractor=name, catch=Exception
    )  # the extractor is a plug-in: its bug is one article's failure
    for article, error in done.failed:
        log.info("claim extraction failed for %s", article.name, exc_info=error)
        reason = (
            str(error) if isinstance(error, ThemelensError) else f"{type(error).__name__}: {error}"
        )
        failures.append(Failure(article.name, f"claim extraction failed: {reason}"))
    names = dict(zip(done.ids, (a.name for a in articles), strict=True))
    for ids, refused in done.unstored:
        failures.extend(Failure(names[i], f"claims not stored: {refused}") for i in ids)
    return done.added, done.ids, {a: len(c) for a, c in done.claims.items()}


def _extractor() -> Callable[..., Any] | None:
    try:
        module = importlib.import_module("themelens.news.extract")
    except ImportError:
        return None
    found = getattr(module, "extract_claims", None)
    return found if callable(found) else None


def _describe(article: Article, claims: int | None) -> str:
    parts = [article.name]
    if article.title:
        parts.append(f"“{article.title}”")
    if article.published:
        parts.append(f"{article.published.isoformat()} ({article.date_origin})")
    else:
        parts.append("no date")
    if article.source:
        parts.append(article.source)
    if claims is not None:
        parts.append(f"{claims} claims")
    return " · ".join(parts)


def _iso(value: Any) -> str | None:
    return value.isoformat() if hasattr(value, "isoformat") else None
