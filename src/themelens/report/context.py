"""The report's input: ``pipeline.model.ThemeRun``, re-exported where the sections look for it."""

from __future__ import annotations

from themelens.pipeline.model import ArticleInfo, SourceInfo, ThemeRun

__all__ = ["ArticleInfo", "SourceInfo", "ThemeRun"]
