"""The HTML report without a browser: sections, links, missing data, size, the section registry."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient
from markupsafe import Markup

from themelens.config import resolve_settings
from themelens.pipeline.model import ThemeRun
from themelens.pipeline.run import run_theme
from themelens.report import render_report
from themelens.report.charts import with_axis_titles
from themelens.report.format import html_table, number_value
from themelens.report.sections import SECTIONS, Section, build_sections, register_section
from themelens.report.web import create_app
from themelens.theme import load_theme


def test_demo_report_has_every_section_and_says_synthetic(demo_context: ThemeRun) -> None:
    html = render_report(demo_context)
    for section in ("headline", "leaders", "news", "provenance"):
        assert f'<section id="{section}">' in html
    assert html.count("synthetic demo data") >= 2
    assert len(html.encode()) < 5 * 1024 * 1024


def test_every_headline_figure_links_to_a_row_that_exists(demo_context: ThemeRun) -> None:
    html = render_report(demo_context)
    headline = html.split('<ul class="headline">')[1].split("</ul>")[0]
    targets = re.findall(r'href="#([^"]+)"', headline)
    assert len(targets) >= 4
    for target in targets:
        assert f'id="{target}"' in html, f"headline links to #{target}, which is not in the page"
    # every number in a headline sentence sits inside a link
    text_outside_links = re.sub(r"<a [^>]*>.*?</a>", "", headline)
    assert not re.search(r"[-+]?\d+\.\d+%", text_outside_links)


def test_headline_numbers_are_the_rally_numbers(demo_context: ThemeRun) -> None:
    assert demo_context.rally is not None and demo_context.benchmark is not None
    rows = demo_context.rally.to_frame().set_index("ticker")
    ytd = rows.loc[demo_context.benchmark, "return_ytd_pct"]
    html = render_report(demo_context)
    assert f"{ytd:+.2f}%" in html.split('<ul class="headline">')[1].split("</ul>")[0]


def test_claims_carry_verdicts_and_article_scripts_are_escaped(demo_context: ThemeRun) -> None:
    html = render_report(demo_context)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)</script>" not in html
    assert demo_context.verify is not None
    verdicts = {r.verdict for r in demo_context.verify.rows}
    assert "unverifiable" in verdicts and len(verdicts) >= 2
    assert html.count('<tr id="claim-') == len(demo_context.verify.rows)


def test_report_without_articles_says_so(tmp_path: Path) -> None:
    ctx = run_theme(resolve_settings(db=tmp_path / "s.duckdb", demo=True), load_theme())
    html = render_report(ctx)
    assert "No articles were given" in html
    assert 'id="claims"' not in html


def test_asof_before_the_data_still_builds_and_says_what_is_missing(tmp_path: Path) -> None:
    ctx = run_theme(
        resolve_settings(db=tmp_path / "s.duckdb", demo=True), load_theme(), asof=date(2010, 1, 4)
    )
    html = render_report(ctx)
    assert ctx.rally is None
    assert '<section id="leaders">' not in html  # no figures: left out, not empty
    assert "No headline" in html and "2010-01-04" in html


def test_ticker_without_data_is_listed_as_missing(tmp_path: Path, shared_prices_dir: Path) -> None:
    settings = resolve_settings(db=tmp_path / "s.duckdb", prices_dir=shared_prices_dir)
    ctx = run_theme(settings, load_theme(), asof=date(2025, 9, 24))
    html = render_report(ctx)
    assert "002371.SZ" in " ".join(ctx.missing)  # Naura's A-share file is not in the shared data
    assert "no series for HSTECH.HK; relative figures use an equal-weight proxy" in html
    assert ctx.rally is not None and "9988.HK" in set(ctx.rally.rows["ticker"])


def test_a_new_section_plugs_in_without_touching_the_others(demo_context: ThemeRun) -> None:
    before = list(SECTIONS)

    @register_section(50, "probe")
    def probe(ctx: ThemeRun) -> Section | None:
        return Section("probe", "Probe", "<p>probe body</p>") if ctx.rally is not None else None

    try:
        html = render_report(demo_context)
        assert (
            html.index('<section id="news">')
            < html.index('<section id="probe">')
            < html.index('<section id="provenance">')
        )
        assert '<section id="probe">' not in render_report(replace(demo_context, rally=None))
    finally:
        SECTIONS[:] = before


def test_web_api_filters_claims(demo_context: ThemeRun) -> None:
    client = TestClient(create_app(lambda: demo_context))
    everything = client.get("/api/claims").json()
    some = client.get("/api/claims", params={"verdict": "unverifiable"}).json()
    assert 0 < len(some) < len(everything)
    assert {c["verdict"] for c in some} == {"unverifiable"}
    assert client.get("/entity/nope").status_code == 404
    assert client.get("/entity/alibaba").status_code == 200


@pytest.mark.parametrize("path", ["/", "/claims", "/entity/smic"])
def test_web_pages_answer(demo_context: ThemeRun, path: str) -> None:
    response = TestClient(create_app(lambda: demo_context)).get(path)
    assert response.status_code == 200 and "<html" in response.text


def test_articles_without_claims_say_so(tmp_path: Path) -> None:
    article = tmp_path / "quiet.txt"
    article.write_text(
        "date: 2025-09-18\n\nMarkets were calm and nobody said anything numeric.\n",
        encoding="utf-8",
    )
    ctx = run_theme(
        resolve_settings(db=tmp_path / "s.duckdb", demo=True), load_theme(), articles=[str(article)]
    )
    html = render_report(ctx)
    assert "The articles contain no numeric claims." in html
    assert "quiet" in html  # still listed under provenance


def test_report_command_writes_the_file_and_prints_its_path(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from themelens.cli import app

    out = tmp_path / "r" / "report.html"
    result = CliRunner().invoke(
        app,
        [
            "report",
            "--demo",
            "--asof",
            "2025-09-26",
            "--db",
            str(tmp_path / "s.duckdb"),
            "--out",
            str(out),
        ],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.stderr
    assert f"report: {out.resolve()}" in result.stdout
    assert "synthetic demo data" in result.stdout
    assert out.read_text(encoding="utf-8").count('<section id="') >= 4


_AXIS = re.compile(r"^[xy]axis\d*$")


def _title(part: object) -> str:
    if isinstance(part, dict):
        return str(part.get("text") or "")
    return str(part or "")


def test_every_chart_has_a_title_and_named_axes(demo_context: ThemeRun) -> None:
    """Each chart of the demo report (every section's, the basket's too) says what it shows,
    and every axis it draws says what it counts and in which unit."""
    charts = [(s.id, c) for s in build_sections(demo_context) for c in s.charts]
    assert {sid for sid, _ in charts} >= {"leaders", "events", "basket"}
    unnamed = []
    for sid, chart in charts:
        layout = chart.figure["layout"]
        if not _title(layout.get("title")).strip():
            unnamed.append(f"{sid}/{chart.dom_id}: title")
        axes = {"xaxis", "yaxis"} | {k for k in layout if _AXIS.match(k)}
        for key in sorted(axes):
            if not _title(layout.get(key, {}).get("title")).strip():
                unnamed.append(f"{sid}/{chart.dom_id}: {key} title")
            elif not layout[key].get("automargin"):
                unnamed.append(f"{sid}/{chart.dom_id}: {key} without automargin")
    assert unnamed == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+1.2%", (1.2, 1)),
        ("-60.89%", (-60.89, -1)),
        ("\u22123.5 bps", (-3.5, -1)),
        ("+0.00 pp", (0.0, 0)),
        ("0.00%", (0.0, 0)),
        ("6,764.60", (6764.6, 0)),
        ("HKD 123.4", (123.4, 0)),
        ("USD -5", (-5.0, -1)),
        ("CNY 23.00bn", (23e9, 0)),
        ("$16B", (16e9, 0)),
        ("12 USD", (12.0, 0)),
        ("21.0x", (21.0, 0)),
        ("0700.HK", None),
        ("2025-09-26", None),
        ("2023H1", None),
        ("1d", None),
        ("1,23", None),
        ("about 21", None),
        ("98,060% (982x)", None),
        ("\u2014", None),
        ("", None),
    ],
)
def test_number_value_reads_number_like_cells(
    text: str, expected: tuple[float, int] | None
) -> None:
    got = number_value(text)
    if expected is None:
        assert got is None
    else:
        assert got is not None and got[0] == pytest.approx(expected[0]) and got[1] == expected[1]


def test_html_table_marks_numbers_by_content_not_by_column_name() -> None:
    frame = pd.DataFrame(
        {
            "name": ["alpha", "beta", "gamma"],
            "move": ["+1.50%", "-2.25%", "\u2014"],
            "size": ["HKD 1,234.5", "USD 2bn", "0.0x"],
            "mixed": ["about 3", "4", "5"],
            "when": ["2025-09-24", "2025-09-25", "2025-09-26"],
            "link": pd.Series(
                [Markup('<a href="#x">+3.0%</a>'), Markup("<b>-1%</b>"), Markup("2")], dtype=object
            ),
        }
    )
    html = str(html_table(frame, table_id="probe"))
    heads = re.findall(r"<th( class=\"num\")?>([^<]+)</th>", html)
    assert [h for cls, h in heads if cls] == ["move", "size", "link"]
    rows = re.findall(r"<tr>(.*?)</tr>", html.split("<tbody>")[1])
    first = re.findall(r"<td([^>]*)>", rows[0])
    assert first[1] == ' class="num pos" data-sort="1.5"'
    assert first[2] == ' class="num" data-sort="1234.5"'
    assert first[3] == ""  # "about 3" is text, in a column that is not numeric
    assert first[4] == ""  # a date is text
    assert first[5] == ' class="num pos" data-sort="3.0"'
    second = re.findall(r"<td([^>]*)>", rows[1])
    assert second[1] == ' class="num neg" data-sort="-2.25"'
    assert second[2] == ' class="num" data-sort="2000000000.0"'
    assert second[3] == ' data-sort="4.0"'  # a number in a text column still sorts as one
    third = re.findall(r"<td([^>]*)>([^<]*)", rows[2])
    assert third[1] == (' class="num"', "\u2014")  # missing: right-aligned, no value
    assert '<a href="#x">+3.0%</a>' in html  # markup is kept, only its text is read


def test_report_is_one_file_with_its_style_and_script_inlined(demo_context: ThemeRun) -> None:
    html = render_report(demo_context)
    assert len(html.encode()) < 5 * 1024 * 1024
    assert "<script src=" not in html and '<link rel="stylesheet"' not in html
    assert html.count("<script") == 3 and html.count("<style>") == 1
    assert "function numberValue" in html and ".table-scroll" in html
    assert "prefers-color-scheme: dark" in html and "@media print" in html
    served = render_report(demo_context, plotly_src="/assets/plotly.js")
    assert served.count('<script src="/assets/plotly.js">') == 1
    assert "function numberValue" in served  # the web app's pages inline it too


def test_a_figure_built_elsewhere_gets_named_axes_and_keeps_its_own() -> None:
    figure = {
        "data": [{"type": "bar", "x": ["2024"], "y": [1.0]}],
        "layout": {"title": {"text": "Capex"}, "yaxis": {"title": {"text": "USD bn"}}},
    }
    named = with_axis_titles(figure, x_title="Fiscal period", y_title="Capex, USD bn")
    assert named["layout"]["xaxis"] == {"automargin": True, "title": {"text": "Fiscal period"}}
    assert named["layout"]["yaxis"]["title"] == {"text": "USD bn"}  # its own title is kept
    assert named["layout"]["yaxis"]["automargin"] is True
    assert "xaxis" not in figure["layout"]  # a copy: the result's figure is not changed
