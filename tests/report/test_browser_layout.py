"""The report read at a glance, in a real browser at a desktop and a phone width.

One page per width is opened on the demo report and reused by every test of
that width; each test leaves the page's tables and filters as it found them.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
import struct
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from themelens.pipeline.model import ThemeRun
from themelens.report import write_report
from themelens.report.format import number_value
from themelens.report.screenshots import WIDTHS

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


class Tab:
    """An open page with the console errors it logged."""

    def __init__(self, page: Any, url: str) -> None:
        self.page, self.url = page, url
        self.errors: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def open(self, url: str | None = None) -> Any:
        self.page.goto(url or self.url)
        self.page.wait_for_load_state("load")
        return self.page


@pytest.fixture(scope="module")
def layout_report(demo_context: ThemeRun, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_report(demo_context, tmp_path_factory.mktemp("layout") / "report.html")


@pytest.fixture(scope="module", params=WIDTHS, ids=lambda w: f"{w}px")
def tab(request: pytest.FixtureRequest, chromium: Any, layout_report: Path) -> Iterator[Tab]:
    width = int(request.param)
    context = chromium.new_context(viewport={"width": width, "height": 900}, accept_downloads=True)
    tab = Tab(context.new_page(), layout_report.as_uri())
    tab.open()
    yield tab
    context.close()


def _overflow(page: Any) -> list[int]:
    widths: list[int] = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    return widths


def test_the_page_never_scrolls_sideways(tab: Tab) -> None:
    scroll, inner = _overflow(tab.page)
    assert scroll <= inner
    # wide tables scroll inside their own box instead, one box per table
    boxes = tab.page.evaluate(
        """() => [...document.querySelectorAll('table')].map(t =>
            t.parentElement.classList.contains('table-scroll')
            && getComputedStyle(t.parentElement).overflowX === 'auto')"""
    )
    assert len(boxes) >= 10 and all(boxes)
    assert tab.errors == []


_CHART_TEXTS = """() => [...document.querySelectorAll('div.chart')].map(chart => {
    const svg = chart.querySelector('svg.main-svg').getBoundingClientRect();
    const part = sel => [...chart.querySelectorAll(sel)].map(el => {
        const r = el.getBoundingClientRect();
        return {text: el.textContent.trim(), inside: r.left >= svg.left - 1 &&
                r.right <= svg.right + 1 && r.top >= svg.top - 1 && r.bottom <= svg.bottom + 1};
    });
    return {id: chart.id, title: part('.gtitle'), x: part('.xtitle'), y: part('.ytitle, .y2title')};
})"""


def test_every_chart_has_a_title_and_named_axes_that_fit(tab: Tab) -> None:
    charts = tab.page.evaluate(_CHART_TEXTS)
    assert len(charts) >= 5
    for chart in charts:
        for part in ("title", "x", "y"):
            texts = chart[part]
            assert texts and all(t["text"] for t in texts), f"{chart['id']}: no {part} title"
            assert all(t["inside"] for t in texts), f"{chart['id']}: {part} title clipped"


def _column(page: Any, table: str, index: int) -> list[str | None]:
    values: list[str | None] = page.eval_on_selector_all(
        f"#{table} tbody tr",
        f"rows => rows.map(r => r.cells[{index}].getAttribute('data-sort'))",
    )
    return values


def test_a_numeric_header_sorts_the_rows_both_ways(tab: Tab) -> None:
    page = tab.page
    header = page.locator("#rally-peer th", has_text=re.compile(r"^ytd$"))
    index = page.eval_on_selector_all(
        "#rally-peer th", "ths => ths.findIndex(th => th.textContent === 'ytd')"
    )
    before = [float(v) for v in _column(page, "rally-peer", index) if v is not None]
    assert len(before) >= 4 and before != sorted(before)
    header.click()
    assert header.get_attribute("aria-sort") == "ascending"
    assert [float(v) for v in _column(page, "rally-peer", index) if v] == sorted(before)
    header.click()
    assert header.get_attribute("aria-sort") == "descending"
    assert [float(v) for v in _column(page, "rally-peer", index) if v] == sorted(before)[::-1]


def test_a_missing_value_sorts_last_either_way(tab: Tab) -> None:
    """Any table's numeric column with an em dash in it (summaries are typed by the script)."""
    page = tab.page
    found = page.evaluate(
        """() => { for (const t of document.querySelectorAll('table')) {
            const head = t.tHead.rows[0].cells;
            for (let i = 0; i < head.length; i++) {
              const cells = [...t.tBodies[0].rows].map(r => r.cells[i].textContent.trim());
              if (head[i].classList.contains('num') && cells.includes('\u2014')
                  && cells.filter(c => c !== '\u2014').length >= 2) return [t.id, i];
            } } return null; }"""
    )
    assert found is not None
    table, index = found
    header = page.locator(f"#{table} thead th").nth(index)
    for _ in range(2):
        header.click()
        values = _column(page, table, index)
        shown = [v for v in values if v is not None]
        assert values == shown + [None] * (len(values) - len(shown))
        assert len(shown) >= 2


def _visible_rows(page: Any) -> list[list[str]]:
    rows: list[list[str]] = page.eval_on_selector_all(
        "#claims tbody tr",
        """rows => rows.filter(r => r.style.display !== 'none')
            .map(r => [...r.cells].map(c => c.textContent.replace(/\\s+/g, ' ').trim()))""",
    )
    return rows


def test_csv_holds_the_rows_shown_in_the_order_shown(tab: Tab) -> None:
    page = tab.page
    page.select_option("#filter-verdict", "contradicted")
    page.locator("#claims th", has_text=re.compile(r"^computed$")).click()
    shown = _visible_rows(page)
    total = page.locator("#claims tbody tr").count()
    assert 2 <= len(shown) < total
    with page.expect_download() as info:
        page.locator("#claims").locator("xpath=../preceding-sibling::div[1]//button").click()
    download = info.value
    assert download.suggested_filename == "claims.csv"
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    heads = page.eval_on_selector_all("#claims th", "ths => ths.map(th => th.textContent)")
    assert rows[0] == heads
    assert rows[1:] == shown
    assert any("," in cell for row in rows[1:] for cell in row)  # quoting was needed and done
    page.select_option("#filter-verdict", "")
    assert len(_visible_rows(page)) == total


def test_claim_filters_live_in_the_url_and_survive_a_reload(tab: Tab) -> None:
    page = tab.page
    page.select_option("#filter-verdict", "contradicted")
    page.select_option("#filter-entity", "alibaba")
    assert "verdict=contradicted" in page.url and "entity=alibaba" in page.url
    expected = _visible_rows(page)
    page.reload()
    page.wait_for_load_state("load")
    assert page.input_value("#filter-verdict") == "contradicted"
    assert page.input_value("#filter-entity") == "alibaba"
    assert _visible_rows(page) == expected and expected
    # a value that is not an option leaves "all"; a known one still applies
    page = tab.open(tab.url + "?verdict=nope&entity=baidu")
    assert page.input_value("#filter-verdict") == ""
    assert page.input_value("#filter-entity") == "baidu"
    assert {r[1] for r in _visible_rows(page)} == {"baidu"}
    page.select_option("#filter-entity", "")
    assert "?" not in page.url and page.url == tab.url
    assert len(_visible_rows(page)) == page.locator("#claims tbody tr").count()
    assert tab.errors == []


_COLOURS = """() => {
    const rgb = s => (s.match(/[\\d.]+/g) || []).slice(0, 3).map(Number);
    const title = document.querySelector('div.chart .gtitle');
    return {body: rgb(getComputedStyle(document.body).backgroundColor),
            title: rgb(title.style.fill || getComputedStyle(title).fill)};
}"""
_LIGHT = "rgb => 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2] > 128"


def _scheme(page: Any, scheme: str) -> dict[str, list[float]]:
    """The colours once the page and its charts (redrawn on the media change) show ``scheme``."""
    page.emulate_media(color_scheme=scheme)
    want = "true" if scheme == "dark" else "false"
    page.wait_for_function(
        f"""() => {{ const light = {_LIGHT}, c = ({_COLOURS})();
            return !light(c.body) === {want} && light(c.title) === {want}; }}""",
        timeout=5000,
    )
    colours: dict[str, list[float]] = page.evaluate(_COLOURS)
    return colours


def _light(rgb: list[float]) -> bool:
    return 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2] > 128


def test_the_dark_scheme_recolours_page_and_charts(tab: Tab) -> None:
    page = tab.page
    try:
        dark = _scheme(page, "dark")
        assert not _light(dark["body"]) and _light(dark["title"])
        paper = page.eval_on_selector("div.chart rect.bg", "r => getComputedStyle(r).fillOpacity")
        assert float(paper) == 0  # the plot is transparent on the dark card
    finally:
        light = _scheme(page, "light")
    assert _light(light["body"]) and not _light(light["title"])


_PRINTED = """() => ({
    hidden: ['nav', '.filters', '.csv-button'].map(sel =>
        getComputedStyle(document.querySelector(sel)).display),
    body: getComputedStyle(document.body).backgroundColor,
    widths: [...document.querySelectorAll('div.chart svg.main-svg')].map(s => +s.getAttribute('width')),
})"""


def test_print_hides_controls_and_fits_charts_to_the_page(tab: Tab) -> None:
    page = tab.page
    page.emulate_media(media="print")
    try:
        page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
        printed = page.evaluate(_PRINTED)
        assert printed["hidden"] == ["none", "none", "none"]
        assert printed["body"] == "rgb(255, 255, 255)"
        assert printed["widths"] and max(printed["widths"]) <= 700  # an A4 or Letter page
    finally:
        page.emulate_media(media="screen")
        page.evaluate("window.dispatchEvent(new Event('afterprint'))")
    shown = page.evaluate(_PRINTED)
    assert shown["hidden"][0] != "none"
    assert max(shown["widths"]) <= page.evaluate("window.innerWidth")
    assert (max(shown["widths"]) > 700) == (page.viewport_size["width"] > 1000)


_SAMPLES = ["+1.2%", "-60.89%", "\u22123.5 bps", "HKD 123.4", "CNY 23.00bn", "$16B", "12 USD",
            "21.0x", "+0.00 pp", "6,764.60", "USD -5", "+USD 5", "0700.HK", "2025-09-26",
            "2023H1", "1,23", "about 21", "\u2014", "98,060% (982x)"]  # fmt: skip


def test_the_script_reads_numbers_as_python_does(tab: Tab) -> None:
    got = tab.page.evaluate(
        "samples => samples.map(s => window.themelens.numberValue(s))", _SAMPLES
    )
    expected = [list(v) if (v := number_value(s)) else None for s in _SAMPLES]
    assert got == expected


@pytest.mark.parametrize("width", WIDTHS, ids=lambda w: f"{w}px")
def test_web_app_pages_fit_sort_and_keep_filters(chromium: Any, served: str, width: int) -> None:
    context = chromium.new_context(viewport={"width": width, "height": 900})
    try:
        tab = Tab(context.new_page(), served)
        # "/" is the written report's page, checked above on the file
        for path in ("/entity/baidu", "/runs", "/claims?verdict=contradicted"):
            page = tab.open(served + path)
            scroll, inner = _overflow(page)
            assert scroll <= inner, path
            assert page.locator("table").count() == page.locator(".csv-button").count() >= 1
            if path == "/runs":  # a table written by hand, typed and made sortable by the script
                header = page.locator("#runs-table th", has_text=re.compile(r"^claims$"))
                assert "num" in (header.get_attribute("class") or "")
                header.click()
                assert header.get_attribute("aria-sort") == "ascending"
        # the claims page read its filter from the URL
        assert page.input_value("#filter-verdict") == "contradicted"
        assert {r[0] for r in _visible_rows(page)} == {"contradicted"}
        assert tab.errors == []
    finally:
        context.close()


def _png_width(path: Path) -> int:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return int(struct.unpack(">I", head[16:20])[0])


def test_screenshots_module_writes_every_section_at_both_widths(
    layout_report: Path, tmp_path: Path
) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed")
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    out = tmp_path / "shots"
    done = subprocess.run(
        [sys.executable, "-m", "themelens.report.screenshots", str(layout_report), str(out)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert str(out.resolve()) in done.stdout
    sections = re.findall(r'<section id="([^"]+)">', layout_report.read_text(encoding="utf-8"))
    assert len(sections) >= 6
    assert sorted(p.name for p in out.iterdir()) == sorted(
        f"{s}-{w}.png" for s in sections for w in WIDTHS
    )
    for s in sections:
        assert _png_width(out / f"{s}-390.png") <= 390 < _png_width(out / f"{s}-1400.png")


def test_screenshots_without_playwright_say_so_and_succeed(layout_report: Path) -> None:
    code = (
        "import sys; sys.modules['playwright'] = None; "
        "from themelens.report.screenshots import main; "
        f"raise SystemExit(main([{str(layout_report)!r}, 'unused']))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.count("\n") == 1 and "Playwright is not installed" in done.stdout
