"""``Problem``: an answer other than 200, raised where a route finds it, answered by ``_errors``."""

from __future__ import annotations

from collections.abc import Mapping

from themelens.pipeline.model import ThemeRun

__all__ = ["Problem", "shown_value"]


class Problem(Exception):
    """An answer other than 200: ``status``, a one-line ``message``, the run it was about."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        ctx: ThemeRun | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.message, self.ctx = status, message, ctx
        self.headers = dict(headers or {})


def shown_value(value: str, limit: int = 80) -> str:
    """A query value quoted for a message, cut at ``limit`` characters."""
    cut = value if len(value) <= limit else value[:limit] + "…"
    return repr(cut)
