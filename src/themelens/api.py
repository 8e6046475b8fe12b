"""The Python front door: ``import themelens as tl`` and call what the CLI calls.

Each function takes keyword arguments with the CLI's defaults (the default
theme, the configured store and provider; ``demo=True`` for the synthetic
market, ``prices_dir=`` for a folder of CSV files) and returns a typed result
with ``to_frame()``, ``summary()`` and ``_repr_html_`` for a notebook. No
``Settings`` to build, no internal module paths to learn.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from themelens.config import Settings, resolve_settings
from themelens.data.loading import LoadedPrices, PriceRequest, load_for_cli
from themelens.pipeline.model import ThemeRun
from themelens.theme import Theme
from themelens.theme import load_theme as _load_theme
from themelens.verify import Tolerances, VerifyResult

__all__ = ["check_articles", "load_prices", "load_theme", "run_theme", "write_report"]


def load_theme(name: str | Path | None = None) -> Theme:
    """A built-in theme by name (default ``china-ai``) or a theme YAML file by path."""
    return _load_theme(str(name) if name is not None else None)


def _setup(
    theme: str | Path | Theme | None,
    *,
    db: str | Path | None,
    provider: str | None,
    prices_dir: str | Path | None,
    demo: bool,
) -> tuple[Settings, Theme]:
    settings = resolve_settings(
        db=Path(db) if db is not None else None,
        provider=provider,
        prices_dir=Path(prices_dir) if prices_dir is not None else None,
        demo=demo,
    )
    chosen = theme if isinstance(theme, Theme) else load_theme(theme or settings.theme)
    return settings, chosen


def load_prices(
    tickers: Sequence[str] = (),
    *,
    theme: str | Path | Theme | None = None,
    benchmark: str | None = None,
    provider: str | None = None,
    prices_dir: str | Path | None = None,
    demo: bool = False,
    db: str | Path | None = None,
) -> LoadedPrices:
    """Daily prices for ``tickers`` (names or tickers; default: the theme's companies) and the
    benchmark, through the store's cache; failures and warnings ride along."""
    settings, th = _setup(theme, db=db, provider=provider, prices_dir=prices_dir, demo=demo)
    request = PriceRequest.from_names(th, list(tickers), benchmark=benchmark)
    return load_for_cli(settings, th, request)


def check_articles(
    sources: str | Path | Sequence[str | Path],
    *,
    theme: str | Path | Theme | None = None,
    provider: str | None = None,
    prices_dir: str | Path | None = None,
    demo: bool = False,
    db: str | Path | None = None,
    proxy: bool = True,
    tolerances: Tolerances | None = None,
) -> VerifyResult:
    """Every claim in ``sources`` (files, folders, feeds, URLs) with its verdict, as ``verify``."""
    from themelens.pipeline.news import check_articles as _check

    settings, th = _setup(theme, db=db, provider=provider, prices_dir=prices_dir, demo=demo)
    paths = [sources] if isinstance(sources, (str, Path)) else list(sources)
    return _check(settings, th, paths, proxy=proxy, tolerances=tolerances).verify


def run_theme(
    *,
    theme: str | Path | Theme | None = None,
    asof: date | str | None = None,
    articles: Sequence[str | Path] = (),
    provider: str | None = None,
    prices_dir: str | Path | None = None,
    demo: bool = False,
    db: str | Path | None = None,
    proxy: bool = True,
    benchmark: str | None = None,
) -> ThemeRun:
    """The whole theme run the report shows (stored, so ``themelens serve`` shows it too);
    ``benchmark`` as ``report --benchmark`` (default: the theme's index, its proxy, a fallback)."""
    from themelens.pipeline.run import run_theme as _run

    settings, th = _setup(theme, db=db, provider=provider, prices_dir=prices_dir, demo=demo)
    when = date.fromisoformat(asof) if isinstance(asof, str) else asof
    return _run(settings, th, asof=when, articles=list(articles), proxy=proxy, benchmark=benchmark)


def write_report(run: ThemeRun, path: str | Path = "report.html") -> Path:
    """Write ``run`` as the self-contained HTML report; returns the absolute path."""
    from themelens.report import write_report as _write

    return _write(run, Path(path))
