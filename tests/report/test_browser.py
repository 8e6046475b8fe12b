"""The report and the web app in a real browser (Debian's chromium driven by Playwright)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from themelens.pipeline.model import ThemeRun
from themelens.report import write_report


@pytest.fixture(scope="module")
def report_file(demo_context: ThemeRun, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_report(demo_context, tmp_path_factory.mktemp("report") / "report.html")


def _open(browser: Any, url: str) -> tuple[Any, list[str], list[str]]:
    page = browser.new_page()
    errors: list[str] = []
    dialogs: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(url)
    page.wait_for_load_state("load")
    return page, errors, dialogs


def _visible_rows(page: Any) -> list[dict[str, str]]:
    return page.eval_on_selector_all(
        "#claims tbody tr",
        "rows => rows.filter(r => r.style.display !== 'none').map(r => ({...r.dataset}))",
    )


def test_report_renders_charts_without_console_errors(chromium: Any, report_file: Path) -> None:
    page, errors, _ = _open(chromium, report_file.as_uri())
    charts = page.locator("div.chart")
    assert charts.count() >= 2
    for i in range(charts.count()):
        # plotly draws an <svg class="main-svg"> with at least one trace: a line or a bar
        assert charts.nth(i).locator("svg.main-svg").count() >= 1
        assert charts.nth(i).locator("g.trace path[d]:not([d=''])").count() >= 1
    assert errors == []
    assert page.locator("#synthetic-banner").inner_text().startswith("synthetic demo data")


def test_script_in_an_article_shows_as_text_and_never_runs(
    chromium: Any, report_file: Path
) -> None:
    page, errors, dialogs = _open(chromium, report_file.as_uri())
    assert dialogs == []
    assert "<script>alert(1)</script>" in page.locator("#articles").inner_text()
    # no script element came from article text: only the report's own three
    assert page.locator("script").count() == 3
    assert errors == []


def test_claim_filters_hide_and_show_rows(chromium: Any, report_file: Path) -> None:
    page, _, _ = _open(chromium, report_file.as_uri())
    everything = _visible_rows(page)
    verdicts = {r["verdict"] for r in everything}
    assert len(everything) >= 5 and len(verdicts) >= 2
    page.select_option("#filter-verdict", "unverifiable")
    rows = _visible_rows(page)
    assert 0 < len(rows) < len(everything)
    assert {r["verdict"] for r in rows} == {"unverifiable"}
    assert page.locator("#claims-count").inner_text() == f"{len(rows)} of {len(everything)} claims"
    page.select_option("#filter-entity", "alibaba")
    both = _visible_rows(page)
    assert all(r["entity"] == "alibaba" and r["verdict"] == "unverifiable" for r in both)
    page.select_option("#filter-verdict", "")
    page.select_option("#filter-entity", "")
    assert len(_visible_rows(page)) == len(everything)


def test_web_app_pages(chromium: Any, served: str) -> None:
    page, errors, dialogs = _open(chromium, served + "/")
    assert page.locator("div.chart svg.main-svg").count() >= 2
    page.goto(served + "/entity/baidu")
    assert "Baidu" in page.locator("h1").inner_text()
    rows = _visible_rows(page)
    assert rows and {r["entity"] for r in rows} == {"baidu"}
    page.goto(served + "/claims?verdict=unverifiable")
    rows = _visible_rows(page)
    assert rows and {r["verdict"] for r in rows} == {"unverifiable"}
    page.goto(served + "/claims")
    page.select_option("#filter-entity", "baidu")
    assert {r["entity"] for r in _visible_rows(page)} == {"baidu"}
    assert errors == [] and dialogs == []


def test_web_app_unknown_entity_is_404(served: str) -> None:
    import httpx

    response = httpx.get(served + "/entity/nope")
    assert response.status_code == 404
    assert "nope" in response.text


_SECTIONS_JS = """() => [...document.querySelectorAll('section[id]')].map(s => ({
    id: s.id,
    title: (s.querySelector('h2') || {}).innerText || '',
    cells: [...s.querySelectorAll('td, th')].map(c => c.innerText.trim()),
    charts: s.querySelectorAll('div.chart svg.main-svg').length,
}))"""


def test_serve_shows_the_run_exactly_as_the_report(
    chromium: Any, report_file: Path, served: str, demo_context: ThemeRun
) -> None:
    """The same stored run through ``report`` (a file) and ``serve`` (the web app): the same
    sections in the same order, every table cell and every chart the same."""
    assert demo_context.run_id is not None
    page, errors, _ = _open(chromium, report_file.as_uri())
    written = page.evaluate(_SECTIONS_JS)
    page, served_errors, _ = _open(chromium, f"{served}/?run={demo_context.run_id}")
    shown = page.evaluate(_SECTIONS_JS)
    assert [s["id"] for s in shown] == [s["id"] for s in written]
    assert {"headline", "leaders", "news", "events", "fundamentals", "basket"} <= {
        s["id"] for s in shown
    }
    for ours, theirs in zip(written, shown, strict=True):
        assert theirs == ours, ours["id"]
    assert errors == [] and served_errors == []
    page.goto(served + "/runs")
    assert demo_context.run_id in page.locator("#runs-table").inner_text()
