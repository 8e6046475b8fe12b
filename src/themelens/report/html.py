"""Render a ThemeRun into one self-contained HTML file (charts and their JS inlined)."""

from __future__ import annotations

import json
import os
from importlib import resources
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from themelens.data.contracts import SYNTHETIC_LABEL
from themelens.errors import InputError
from themelens.report.context import ThemeRun
from themelens.report.format import fmt_date
from themelens.report.sections import Section, build_sections

__all__ = ["plotly_js", "render_page", "render_report", "write_report"]

_env = Environment(
    loader=PackageLoader("themelens.report", "templates"),
    autoescape=select_autoescape(["j2", "html"]),
)


def plotly_js() -> str:
    """plotly.js (basic bundle: scatter, bar, pie; MIT) shipped with the package, ~1.2 MB."""
    return (resources.files("themelens.report") / "assets" / "plotly-basic.min.js").read_text(
        encoding="utf-8"
    )


def _figures_json(sections: list[Section]) -> str:
    figures = {c.dom_id: c.figure for s in sections for c in s.charts}
    # "</" would end the <script> element early; JSON allows the escaped form
    return json.dumps(figures, separators=(",", ":")).replace("</", "<\\/")


def render_report(ctx: ThemeRun) -> str:
    """The report as one HTML string; sections come from the registry in ``report.sections``."""
    return render_page(ctx, title=ctx.theme.title, sections=build_sections(ctx))


def render_page(
    ctx: ThemeRun, *, title: str, sections: list[Section], nav: Section | None = None
) -> str:
    """One self-contained page: banner, title, the given sections (``nav`` first), charts inlined."""
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
        plotly_js=plotly_js(),
        figures_json=_figures_json(sections),
        version=__version__,
    )


def write_report(ctx: ThemeRun, out: Path) -> Path:
    """Write the report to ``out`` atomically (folders created); returns the absolute path.

    The page goes to a temporary file beside ``out`` first and replaces it in
    one step, so a reader never sees half a report and a failed write leaves
    the previous one whole.
    """
    html = render_report(ctx)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(html, encoding="utf-8")
        tmp.replace(out)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise InputError(f"{out}: cannot write the report: {exc.strerror or exc}") from exc
    return out.resolve()
