"""``../shared/tools/score_claims.py`` loaded as a module, or the test skipped with a reason.

The scorer is not part of this repository (it lives beside it, in ``shared``);
tests that compare against it import it through here.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

SCORER = Path(__file__).resolve().parents[3] / "shared" / "tools" / "score_claims.py"


def shared_scorer() -> ModuleType:
    """The shared scorer module; skips the calling test when ``../shared`` is absent."""
    if not SCORER.is_file():
        pytest.skip(f"shared scorer not found: {SCORER}")
    spec = importlib.util.spec_from_file_location("score_claims", SCORER)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
