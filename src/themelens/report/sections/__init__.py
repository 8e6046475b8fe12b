"""Report sections: one builder each, registered in order, each reading only the context.

A builder returns ``None`` when it has nothing to show, and the section is
left out rather than shown empty. Later issues add a section by writing a
module that calls ``register_section`` — no other section changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from themelens.report.context import ThemeRun

__all__ = ["SECTIONS", "Chart", "Section", "SectionBuilder", "build_sections", "register_section"]


@dataclass(frozen=True)
class Chart:
    """A plotly figure (as its JSON dict) to draw into ``<div id=dom_id>``."""

    dom_id: str
    figure: dict[str, Any]


@dataclass(frozen=True)
class Section:
    """A rendered section: anchor id, title, HTML body (already escaped), its charts."""

    id: str
    title: str
    html: str
    charts: tuple[Chart, ...] = field(default_factory=tuple)


SectionBuilder = Callable[[ThemeRun], Section | None]

_B = TypeVar("_B", bound=SectionBuilder)

SECTIONS: list[tuple[int, str, SectionBuilder]] = []
"""(order, name, builder), kept sorted by order."""


def register_section(order: int, name: str) -> Callable[[_B], _B]:
    """Register a section builder at ``order`` (lower comes first) under ``name``."""

    def wrap(builder: _B) -> _B:
        SECTIONS[:] = [s for s in SECTIONS if s[1] != name]
        SECTIONS.append((order, name, builder))
        SECTIONS.sort(key=lambda s: s[0])
        return builder

    return wrap


def build_sections(ctx: ThemeRun) -> list[Section]:
    """Run every registered builder in order; skip the ones with nothing to show."""
    # the built-in sections register on import; a capability adds its module here
    from themelens.report.sections import (  # noqa: F401
        basket,
        events,
        fundamentals,
        headline,
        leaders,
        news_check,
        provenance,
    )

    return [s for _, _, build in SECTIONS if (s := build(ctx)) is not None]
