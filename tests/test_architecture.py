"""The pipeline has one direction (DESIGN.md): these tests fail on a back-edge."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "themelens"

# package -> packages it must never import (DESIGN.md, "Layout")
FORBIDDEN = {
    "theme": {"data", "news", "analytics", "verify", "report", "cli"},
    "data": {"news", "analytics", "verify", "report", "cli"},
    "news": {"data", "analytics", "verify", "report", "cli"},
    "analytics": {"news", "verify", "report", "cli"},
    "verify": {"report", "cli", "pipeline"},
    "pipeline": {"report", "cli"},
    "report": {"cli"},
    "watch": {"report", "cli", "scale"},
    "scale": {"report", "cli", "watch"},
}


def _layer(path: Path) -> str:
    rel = path.relative_to(SRC)
    return rel.parts[0].removesuffix(".py")


def _imported_layers(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            parts = name.split(".")
            if parts[0] == "themelens" and len(parts) > 1:
                found.add(parts[1])
    return found


def _modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py"))


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_no_back_edges(path: Path) -> None:
    layer = _layer(path)
    bad = _imported_layers(path) & FORBIDDEN.get(layer, set())
    assert not bad, f"{path.relative_to(SRC)} ({layer}) imports {sorted(bad)}"


def test_the_checker_sees_a_back_edge(tmp_path: Path) -> None:
    # the walker must notice an import it is meant to forbid
    probe = tmp_path / "probe.py"
    probe.write_text("from themelens.report import html\nimport themelens.news.extract\n")
    assert _imported_layers(probe) == {"report", "news"}


def test_modules_stay_small() -> None:
    # STYLE.md: modules do one job; split past 500 lines
    big = {
        str(p.relative_to(SRC)): n
        for p in _modules()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 500
    }
    assert not big, f"modules over 500 lines: {big}"
