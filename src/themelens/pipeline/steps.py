"""The analytics a theme run adds after the market figures: events, fundamentals, basket.

Each capability is one typed step ``(RunInputs) -> Result | None`` whose
result lands in its own ``ThemeRun`` field; ``run_steps`` calls them by name
here, so the type checker sees each handoff. A step that raises a
``ThemelensError`` leaves its field None and becomes a line under "Missing".

The basket and the fundamentals figures are cached. The event study reads
the claims store, so it always runs; the fundamentals sources may read the
network, so they are asked every run and only what is computed from their
answer (capex, valuation, scenarios, the Monte Carlo) is cached, keyed on
that answer too. The key (``cache_key``) covers the package's version and a
digest of its whole source (so a change to any analytics code is a new key),
the prices and the run's options. Entries are sealed (``sealed``): the cache
folder is private to the user, and an entry not sealed by the user's key is
never unpickled. An entry that cannot be read is recomputed, replaced, and
reported.
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

from themelens._atomic import replace_file
from themelens.analytics.basket import BasketResult
from themelens.analytics.events import EventStudyResult
from themelens.errors import ThemelensError
from themelens.pipeline.model import FundamentalsBundle, RunInputs
from themelens.pipeline.sealed import SealError, private_folder, seal, unseal
from themelens.pipeline.steps_basket import basket_step
from themelens.pipeline.steps_events import event_study_step, report_events
from themelens.pipeline.steps_fundamentals import (
    FundamentalsData,
    fundamentals_from,
    load_fundamentals,
)

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
    root = Path(__file__).resolve().parents[1]  # the themelens package folder
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return f"{installed}-{digest.hexdigest()[:16]}"


def cache_key(name: str, inputs: RunInputs, loaded: bytes = b"") -> str:
    """A digest of everything a cached step's result depends on: code, prices, options, and
    ``loaded`` (what a source answered this run, for a step computed from it)."""
    digest = hashlib.sha256(loaded)
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
    loaded: bytes = b"",
) -> _T:
    """``step(inputs)``, from ``folder`` when an entry for the same key exists and reads back."""
    if folder is None:
        return step(inputs)
    path = folder / f"{name}-{cache_key(name, inputs, loaded)}.sealed"
    try:
        private_folder(folder)
    except SealError as exc:
        missing.append(f"{name}: not cached: {exc}")
        return step(inputs)
    try:
        blob = path.read_bytes()
    except FileNotFoundError:
        pass
    except OSError as exc:
        missing.append(f"{name}: cached result unreadable ({exc.strerror or exc}); recomputed")
    else:
        try:
            return unseal(blob)  # type: ignore[return-value]  # our key, our cache key: our type
        except SealError as exc:
            missing.append(f"{name}: cached entry discarded ({exc}); recomputed")
        except Exception as exc:  # sealed by us yet unreadable: an old class layout, a bad disk
            missing.append(f"{name}: cached result unreadable ({type(exc).__name__}); recomputed")
    result = step(inputs)
    try:
        replace_file(path, seal(result))
    except OSError as exc:
        missing.append(f"{name}: result not cached ({exc})")
    return result


def _attempt(name: str, run: Callable[[], _T | None], missing: list[str]) -> _T | None:
    try:
        return run()
    except ThemelensError as exc:
        missing.append(f"{name}: {exc}")
        return None


def _fundamentals(
    inputs: RunInputs,
    cache_dir: Path | None,
    missing: list[str],
    loaded: FundamentalsData | None = None,
) -> FundamentalsBundle:
    """Load what the sources answer (every run: it may read the network) unless the run already
    did, then compute from it, cached on what was loaded as well as the run's inputs."""
    loaded = loaded if loaded is not None else load_fundamentals(inputs)
    answered = hashlib.sha256(pickle.dumps(loaded, protocol=pickle.HIGHEST_PROTOCOL)).digest()
    return _cached(
        "fundamentals",
        lambda i: fundamentals_from(i, loaded),
        inputs,
        cache_dir,
        missing,
        answered,
    )


def _events(
    inputs: RunInputs, cache_dir: Path | None, missing: list[str]
) -> EventStudyResult | None:
    """The event study, cached on the events it studies as well as the run's inputs: the events
    include claims the news store supported, which the inputs do not hold."""
    events = report_events(inputs)
    return _cached(
        "events",
        lambda i: event_study_step(i, events),
        inputs,
        cache_dir,
        missing,
        hashlib.sha256(pickle.dumps(events, protocol=pickle.HIGHEST_PROTOCOL)).digest(),
    )


def run_steps(
    inputs: RunInputs,
    *,
    cache_dir: Path | None = None,
    fundamentals_loaded: FundamentalsData | None = None,
    on_step: Callable[[str], None] | None = None,
) -> StepResults:
    """The event study, fundamentals and basket for ``inputs``, each from ``cache_dir`` when
    its key is unchanged (the report's warm path; the events and fundamentals are read every
    run and are part of their keys). ``fundamentals_loaded`` is what the
    run already asked the fundamentals sources (``load_fundamentals``), so they are asked once.
    ``on_step(name)`` is called as each step starts (a progress bar's label)."""
    missing: list[str] = []
    step = on_step or (lambda _: None)
    step("event study")
    events = _attempt("events", lambda: _events(inputs, cache_dir, missing), missing)
    step("fundamentals section")
    fundamentals = _attempt(
        "fundamentals",
        lambda: _fundamentals(inputs, cache_dir, missing, fundamentals_loaded),
        missing,
    )
    step("basket backtest")
    basket = _attempt(
        "basket", lambda: _cached("basket", basket_step, inputs, cache_dir, missing), missing
    )
    return StepResults(events, fundamentals, basket, tuple(missing))
