"""The HTML report without a browser: sections, links, missing data, size, the section registry."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from themelens.config import resolve_settings
from themelens.pipeline.model import ThemeRun
from themelens.pipeline.run import run_theme
from themelens.report import render_report
from themelens.report.sections import SECTIONS, Section, register_section
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
