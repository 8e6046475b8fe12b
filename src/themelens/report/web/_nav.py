"""The app's own page parts: the navigation every page but the report starts with, the runs."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from importlib import resources
from typing import Final
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from themelens._version import __version__
from themelens.pipeline.model import ThemeRun
from themelens.pipeline.runs import StoredRun
from themelens.report.html import render_page
from themelens.report.sections import Section
from themelens.report.web._scope import priced_entities

__all__ = ["PLOTLY_PATH", "app_page", "nav_section", "plotly_src", "runs_section"]

PLOTLY_PATH: Final = "/assets/plotly-basic.min.js"


def plotly_src() -> str:
    """plotly.js as the app serves it; the version in the URL retires a browser's copy."""
    return f"{PLOTLY_PATH}?v={__version__}"


def nav_section(ctx: ThemeRun | None, *, pinned: bool) -> Section:
    """Links to the report, the claims, the runs and each entity with prices in ``ctx``.

    ``pinned``: the page was asked for with ``?run=``, so the links stay on that run.
    """
    suffix = f"?run={ctx.run_id}" if pinned and ctx is not None and ctx.run_id else ""
    pages = Markup(
        '<p id="site-nav"><a href="/{0}">full report</a> · <a href="/claims{0}">all claims</a>'
        ' · <a href="/runs">runs</a></p>'
    ).format(Markup(suffix))
    body = pages
    if ctx is not None:
        links = Markup(" · ").join(
            Markup('<a href="/entity/{}{}">{}</a>').format(quote(e.slug), Markup(suffix), e.name)
            for e in priced_entities(ctx).values()
        )
        body += Markup('<p id="entity-nav">') + links + Markup("</p>")
    return Section("entities", "Entities", str(body))


def runs_section(listed: Sequence[StoredRun]) -> Section:
    """The stored runs, newest first, each a link to its report."""
    if not listed:
        return Section("runs", "Runs", str(Markup("<p>No run is stored yet.</p>")))
    rows = Markup("").join(
        Markup(
            '<tr><td><a href="/?run={id}">{id}</a></td><td>{created}</td><td>{theme}</td>'
            '<td>{asof}</td><td class="num">{articles}</td><td class="num">{claims}</td>'
            "<td>{data}</td></tr>"
        ).format(
            id=r.id,
            created=f"{r.created_at:%Y-%m-%d %H:%M:%S}",
            theme=r.theme,
            asof=r.asof.isoformat() if r.asof else "latest session",
            articles=r.articles,
            claims=r.claims,
            data="synthetic (demo)" if r.synthetic else "market data",
        )
        for r in listed
    )
    head = Markup(
        '<table id="runs-table"><thead><tr><th>run</th><th>stored (UTC)</th><th>theme</th>'
        "<th>as of</th><th>articles</th><th>claims</th><th>data</th></tr></thead><tbody>"
    )
    return Section("runs", "Runs", str(head + rows + Markup("</tbody></table>")))


_bare_env = Environment(
    loader=PackageLoader("themelens.report", "templates"),
    autoescape=select_autoescape(["j2", "html"]),
)


@cache
def _asset(name: str) -> str:
    """The page's own style sheet or script, as ``render_page`` inlines it ("" if it is gone:
    a page that says what failed must not fail itself)."""
    try:
        return (resources.files("themelens.report") / "assets" / name).read_text(encoding="utf-8")
    except OSError:
        return ""


def app_page(
    ctx: ThemeRun | None, *, title: str, sections: list[Section], pinned: bool = False
) -> str:
    """A page of the app (not the report): the navigation, then ``sections``.

    With no run to show (none could be read) the page has the same template,
    style and navigation, and a line saying so where the run's header would be;
    ``render_page`` needs a run, so the template is filled here with the same
    values (a test compares the two pages' style and script).
    """
    nav = nav_section(ctx, pinned=pinned)
    if ctx is not None:
        return render_page(ctx, title=title, sections=sections, nav=nav, plotly_src=plotly_src())
    return _bare_env.get_template("report.html.j2").render(
        title=f"themelens — {title}",
        subtitle="No stored run could be read for this page.",
        sections=[nav, *sections],
        synthetic=False,
        synthetic_label="",
        plotly_js="",
        report_css=_asset("report.css"),
        report_js=_asset("report.js"),
        plotly_src=plotly_src(),
        figures_json="{}",
        version=__version__,
    )
