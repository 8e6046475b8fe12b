"""The basket parameter sweep on Dask: partitions of parameter sets, the panel sent once.

``sweep_baskets`` already shares work between specs with the same weights
(``BasketSpec.schedule_key``): one schedule, the overlays as columns. A
partition therefore holds whole schedule groups, never half of one, so each
group is computed exactly as the single-process sweep computes it, and the
rows come back in the order the specs were given.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd

from themelens.analytics.basket import BasketSpec, Panel, sweep_baskets
from themelens.errors import InputError
from themelens.scale.runner import Outcome, StageResult, Task, run_tasks

if TYPE_CHECKING:
    from distributed import Client

__all__ = ["SweepResult", "sweep_distributed", "sweep_partition"]


def sweep_partition(task: Task, *, panel: Panel) -> Outcome:
    """``sweep_baskets`` over one partition's specs; rows indexed by the specs' positions."""
    positions, specs = task.payload
    rows = sweep_baskets(panel, list(specs))
    rows.index = pd.Index(positions)
    return Outcome(task.key, task.label, "written", len(rows), data=rows)


@dataclass(frozen=True)
class SweepResult:
    """The sweep's rows in spec order (``sweep_baskets``' table) and how the run went."""

    table: pd.DataFrame
    run: StageResult


def sweep_distributed(
    panel: Panel,
    specs: Sequence[BasketSpec],
    *,
    client: Client | None,
    where: str = "this process",
    partitions: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> SweepResult:
    """``sweep_baskets(panel, specs)`` as Dask tasks of whole schedule groups.

    Parameters
    ----------
    partitions
        How many tasks (default: one per schedule group, up to 4 per worker).

    Returns
    -------
    SweepResult
        The table ``sweep_baskets`` gives (same rows, same order, same numbers)
        and the run; a failed partition leaves its specs out and names them.
    """
    start = time.perf_counter()
    groups: dict[tuple[Any, ...], list[int]] = {}
    for i, spec in enumerate(specs):
        groups.setdefault(spec.schedule_key, []).append(i)
    if partitions is None:
        workers = len(client.scheduler_info()["workers"]) if client is not None else 1
        partitions = min(len(groups), 4 * workers)
    if partitions < 1 and groups:
        raise InputError(f"partitions {partitions}: must be 1 or more")
    bins: list[list[int]] = [[] for _ in range(max(partitions, 1))]
    for members in sorted(groups.values(), key=len, reverse=True):  # largest first, to the lightest
        min(bins, key=len).extend(members)
    tasks = []
    for k, members in enumerate(b for b in bins if b):
        label = (
            f"specs {', '.join(str(i) for i in members[:4])}{' ...' if len(members) > 4 else ''}"
        )
        tasks.append(Task(str(k), label, (tuple(members), tuple(specs[i] for i in members))))
    outcomes = run_tasks(client, sweep_partition, tasks, stage="sweep", shared={"panel": panel},
                         on_progress=on_progress)  # fmt: skip
    frames = [o.data for o in outcomes if o.status == "written"]
    table = pd.concat(frames).sort_index() if frames else pd.DataFrame()
    run = StageResult("basket sweep", where, 0, tuple(outcomes), time.perf_counter() - start, "specs")  # fmt: skip
    return SweepResult(table.reset_index(drop=True) if len(table) == len(specs) else table, run)
