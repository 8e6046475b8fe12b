"""docs/python.md is executed: every ``python`` code block, in order, in one namespace.

The walk-through runs on the synthetic demo market in a temporary folder with its own
store, so it needs no network and leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
from pathlib import Path

import pytest

DOC = Path(__file__).resolve().parents[1] / "docs" / "python.md"
_BLOCK = re.compile(r"^```python\n(.*?)^```", re.MULTILINE | re.DOTALL)


def test_every_code_block_of_the_python_walkthrough_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocks = _BLOCK.findall(DOC.read_text(encoding="utf-8"))
    assert len(blocks) >= 6
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("THEMELENS_DB", str(tmp_path / "store.duckdb"))
    namespace: dict[str, object] = {"__name__": "__docs__"}
    out = io.StringIO()
    for k, block in enumerate(blocks):
        with contextlib.redirect_stdout(out):
            exec(compile(block, f"{DOC.name}[block {k}]", "exec"), namespace)
    text = out.getvalue()
    assert "china-ai" in text and "benchmark chain:" in text
    assert "baidu 16.0" in text  # the claim was found and given a verdict
    assert "report: report.html True" in text
    assert (tmp_path / "report.html").is_file()
    assert os.environ["THEMELENS_DB"].startswith(str(tmp_path))
