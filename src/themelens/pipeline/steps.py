"""The analytics a theme run adds after the market figures: events, fundamentals, basket.

Each capability is one typed step ``(RunInputs) -> Result | None`` whose
result lands in its own ``ThemeRun`` field; ``run_steps`` calls them by name
here, so the type checker sees each handoff. A step that raises a
``ThemelensError`` leaves its field None and becomes a line under "Missing".

Only the basket step is cached: the event study reads the claims store and
the fundamentals step may read the network, so neither is a function of the
cache key alone. The key (``cache_key``) covers the package's version and a
digest of its whole source (so a change to any analytics code is a new key),
the prices and the run's options. An entry that cannot be read is
recomputed, replaced, and reported.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Final, TypeVar

import pandas as pd

import themelens
from themelens.analytics.basket import BasketResult
from themelens.analytics.events import EventStudyResult
from themelens.errors import ThemelensError
from themelens.pipeline.model import FundamentalsBundle, RunInputs
from themelens.pipeline.steps_basket import basket_step
from themelens.pipeline.steps_events import event_study_step
from themelens.pipeline.steps_fundamentals import fundamentals_step

__all__ = ["StepResults", "cache_key", "package_digest", "run_steps"]

_T = TypeVar("_T")
_PRICE_COLUMNS: Final = ("date", "ticker", "open", "high", "low", "close", "volume")


@dataclass(frozen=True)
class StepResults:
    """Each step's result (None: nothing to show, or failed) and one line per failure."""

    events: EventStudyResult | None
    fundamentals: FundamentalsBundle | None
    basket: BasketResult | None
    missing: tuple[str, ...]


@cache
def package_digest() -> str:
    """The installed version and a digest of every source file of the package, read once.

    Any edit to any module (an analytics formula, a step, a helper it calls)
    changes it, so a cached result can never outlive the code that made it.
    """
    try:
        installed = version("themelens")
    except PackageNotFoundError:  # running from a source tree without metadata
        installed = "source"
    digest = hashlib.sha256(installed.encode())
    root = Path(themelens.__file__).parent
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return f"{installed}-{digest.hexdigest()[:16]}"


def cache_key(name: str, inputs: RunInputs) -> str:
    """A digest of everything a cached step's result depends on: code, prices, options."""
    digest = hashlib.sha256()
    digest.update(f"{name}|{package_digest()}|{inputs.asof}|{inputs.benchmark}".encode())
    digest.update(repr(sorted(inputs.roles.items())).encode())
    digest.update(inputs.theme.model_dump_json().encode())
    columns = [c for c in _PRICE_COLUMNS if c in inputs.prices]
    hashed = pd.util.hash_pandas_object(inputs.prices[columns], index=False)
    digest.update(hashed.to_numpy().tobytes())
    return digest.hexdigest()[:32]


def _cached(
    name: str,
    step: Callable[[RunInputs], _T],
    inputs: RunInputs,
    folder: Path | None,
    missing: list[str],
) -> _T:
    """``step(inputs)``, from ``folder`` when an entry for the same key exists and reads back."""
    if folder is None:
        return step(inputs)
    path = folder / f"{name}-{cache_key(name, inputs)}.pickle"
    if path.exists():
        try:
            with path.open("rb") as fh:
                return pickle.load(fh)  # type: ignore[no-any-return]  # our own entry, our own key
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError) as exc:
            missing.append(f"{name}: cached result unreadable ({type(exc).__name__}); recomputed")
    result = step(inputs)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{id(result)}.tmp")
        with tmp.open("wb") as fh:
            pickle.dump(result, fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)
    except OSError as exc:
        missing.append(f"{name}: result not cached ({exc})")
    return result


def _attempt(name: str, run: Callable[[], _T | None], missing: list[str]) -> _T | None:
    try:
        return run()
    except ThemelensError as exc:
        missing.append(f"{name}: {exc}")
        return None


def run_steps(inputs: RunInputs, *, cache_dir: Path | None = None) -> StepResults:
    """The event study, fundamentals and basket for ``inputs``; the basket from ``cache_dir``
    when its key is unchanged (the report's warm path)."""
    missing: list[str] = []
    events = _attempt("events", lambda: event_study_step(inputs), missing)
    fundamentals = _attempt("fundamentals", lambda: fundamentals_step(inputs), missing)
    basket = _attempt(
        "basket", lambda: _cached("basket", basket_step, inputs, cache_dir, missing), missing
    )
    return StepResults(events, fundamentals, basket, tuple(missing))
