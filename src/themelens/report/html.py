"""Render a ThemeRun into one self-contained HTML file (charts and their JS inlined).

The web app renders the same pages with plotly.js loaded from a URL instead
(``plotly_src``), which it serves once. The page's own style sheet and script
(``assets/report.css``, ``assets/report.js``: sortable tables with a CSV
button, charts titled and recoloured for a dark scheme or print, the claims
filters kept in the URL) are small and always inlined. Chart data is embedded as JSON in a
``<script>`` element (``script_json`` makes that safe for any text), and the
file is written atomically (``write_report``).
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Final

from jinja2 import Environment, PackageLoader, select_autoescape

from themelens._atomic import replace_file
from themelens.data.contracts import SYNTHETIC_LABEL
from themelens.errors import InputError
from themelens.report.context import ThemeRun
from themelens.report.format import fmt_date
from themelens.report.sections import Section, build_sections

__all__ = ["plotly_js", "render_page", "render_report", "script_json", "write_report"]

_env = Environment(
    loader=PackageLoader("themelens.report", "templates"),
    autoescape=select_autoescape(["j2", "html"]),
)


@cache
def _asset(name: str) -> str:
    """A file from ``report/assets``, read once per process (every page would read it again)."""
    return (resources.files("themelens.report") / "assets" / name).read_text(encoding="utf-8")


def plotly_js() -> str:
    """plotly.js (basic bundle: scatter, bar, pie; MIT) shipped with the package, ~1.2 MB."""
    return _asset("plotly-basic.min.js")


_SCRIPT_SAFE: Final = str.maketrans({"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"})


def script_json(value: object) -> str:
    """``value`` as JSON that is safe inside a ``<script>`` element.

    Notes
    -----
    The HTML parser, not JSON, decides where a script element ends: ``</``
    (``</script>``) ends it early, and ``<!--`` followed by ``<script`` puts
    the parser in a state where the real ``</script>`` no longer ends it, so
    a name like ``<!--<script>`` in a chart legend broke every chart on the
    page. Writing ``<``, ``>`` and ``&`` as ``\\u003c``-style escapes (which
    ``JSON.parse`` reads back as the same characters) leaves the parser
    nothing to see; Django's ``json_script`` does the same.
    """
    return json.dumps(value, separators=(",", ":")).translate(_SCRIPT_SAFE)


def _figures_json(sections: list[Section]) -> str:
    return script_json({c.dom_id: c.figure for s in sections for c in s.charts})


def render_report(ctx: ThemeRun, *, plotly_src: str | None = None) -> str:
    """The report as one HTML string; sections come from the registry in ``report.sections``."""
    return render_page(
        ctx, title=ctx.theme.title, sections=build_sections(ctx), plotly_src=plotly_src
    )


def render_page(
    ctx: ThemeRun,
    *,
    title: str,
    sections: list[Section],
    nav: Section | None = None,
    plotly_src: str | None = None,
) -> str:
    """One page: banner, title, the given sections (``nav`` first), charts.

    plotly.js is inlined (a self-contained file) unless ``plotly_src`` names
    the URL to load it from (the web app, which serves it once).
    """
    from themelens._version import __version__

    if nav is not None:
        sections = [nav, *sections]
    when = fmt_date(ctx.asof) if ctx.asof else "the latest session"
    run = f" · run {ctx.run_id}" if ctx.run_id else ""
    subtitle = f"As of {when} · benchmark {ctx.benchmark or 'none'} · generated {ctx.generated_at:%Y-%m-%d %H:%M} UTC{run}"
    return _env.get_template("report.html.j2").render(
        title=f"themelens — {title}",
        subtitle=subtitle,
        sections=sections,
        synthetic=ctx.synthetic,
        synthetic_label=SYNTHETIC_LABEL,
        plotly_js="" if plotly_src else plotly_js(),
        report_css=_asset("report.css"),
        report_js=_asset("report.js"),
        plotly_src=plotly_src,
        figures_json=_figures_json(sections),
        version=__version__,
    )


def write_report(ctx: ThemeRun, out: Path) -> Path:
    """Write the report to ``out`` atomically (folders created); returns the absolute path.

    Notes
    -----
    The page goes to a new temporary file beside ``out``, is flushed to disk
    (``fsync``) and then renamed over ``out`` in one step (``os.replace``), and
    the folder is synced so the rename itself survives a crash. A reader never
    sees half a report, and a failed write (a full disk) leaves the previous
    report whole and no temporary file behind.
    """
    html = render_report(ctx).encode("utf-8")
    try:
        replace_file(out, html, durable=True)
    except OSError as exc:
        raise InputError(f"{out}: cannot write the report: {exc.strerror or exc}") from exc
    return out.resolve()
