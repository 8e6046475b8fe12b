"""One PNG per report section at a desktop and a phone width, for reading a report at a glance.

``python -m themelens.report.screenshots REPORT.html OUTDIR`` opens the
written report in a headless Chromium (Debian's ``/usr/bin/chromium``, else
Playwright's own browser) and writes ``OUTDIR/<section id>-<width>.png`` for
every ``<section id=…>`` at 1400 and 390 px. Playwright is a development
tool (the ``dev`` extra) and a browser may be missing: either lack is one
line on stdout and exit status 0, so ``make demo`` never fails for it.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

__all__ = ["WIDTHS", "capture", "main"]

WIDTHS: Final = (1400, 390)
CHROMIUM_ARGS: Final = ("--no-sandbox", "--disable-gpu", "--no-first-run")
_HEIGHT: Final = 900
_DRAWN: Final = """() => [...document.querySelectorAll('div.chart')]
    .every(c => c.querySelector('svg.main-svg'))"""


def _chromium() -> str | None:
    """Debian's chromium when installed (``None``: let Playwright use its own browser)."""
    found = shutil.which("chromium") or "/usr/bin/chromium"
    return found if Path(found).exists() else None


def capture(
    browser: Any, report: Path, outdir: Path, *, widths: Sequence[int] = WIDTHS
) -> list[Path]:
    """Screenshots of every section of ``report`` at each width, by an open Playwright browser."""
    outdir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for width in widths:
        page = browser.new_page(viewport={"width": width, "height": _HEIGHT})
        try:
            page.goto(report.resolve().as_uri())
            page.wait_for_load_state("load")
            page.wait_for_function(_DRAWN)
            ids: list[str] = page.eval_on_selector_all(
                "section[id]", "sections => sections.map(s => s.id)"
            )
            for section_id in ids:
                path = outdir / f"{section_id}-{width}.png"
                page.locator(f"section[id='{section_id}']").screenshot(
                    path=str(path), animations="disabled"
                )
                written.append(path)
        finally:
            page.close()
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m themelens.report.screenshots",
        description="Write one PNG per report section at 1400 and 390 px.",
    )
    parser.add_argument("report", type=Path, help="the report's HTML file")
    parser.add_argument("outdir", type=Path, help="the folder for the PNG files")
    args = parser.parse_args(argv)
    if not args.report.is_file():
        print(f"screenshots: {args.report}: no such report", file=sys.stderr)
        return 2
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        print("screenshots: skipped, Playwright is not installed (pip install -e '.[dev]')")
        return 0
    with sync_playwright() as pw:
        try:
            browser = pw.chromium.launch(executable_path=_chromium(), args=list(CHROMIUM_ARGS))
        except Error as exc:
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else "no browser"
            print(f"screenshots: skipped, no browser to run ({reason})")
            return 0
        try:
            written = capture(browser, args.report, args.outdir)
        finally:
            browser.close()
    sections = len({p.name.rsplit("-", 1)[0] for p in written})
    widths = " and ".join(f"{w} px" for w in WIDTHS)
    print(f"screenshots: {args.outdir.resolve()} ({sections} sections at {widths})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
