"""The report's input: ``pipeline.model.ReportContext``, re-exported where the sections look for it."""

from __future__ import annotations

from themelens.pipeline.model import ArticleInfo, ReportContext, SourceInfo

__all__ = ["ArticleInfo", "ReportContext", "SourceInfo"]
