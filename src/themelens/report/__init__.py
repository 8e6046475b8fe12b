"""The report: sections built from result objects, rendered to HTML or served by a web app.

``report`` reads results and never computes them (DESIGN.md).
"""

from __future__ import annotations

from themelens.report.context import ArticleInfo, SourceInfo, ThemeRun
from themelens.report.html import render_report, write_report

__all__ = ["ArticleInfo", "SourceInfo", "ThemeRun", "render_report", "write_report"]
