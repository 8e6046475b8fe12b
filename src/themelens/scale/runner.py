"""Partitions run as Dask tasks (or in this process), each outcome kept by its input.

A stage is a list of ``Task`` (one partition: a key, the input it covers as a
person names it, and its payload) and a module-level function
``work(task, **shared) -> Outcome``. ``run_tasks`` sends the shared objects
(the theme, a price frame, a benchmark series) to every worker once
(``scatter(broadcast=True)``), submits one Dask task per partition and
collects outcomes as they complete, reporting ``(done, total)`` from the
scheduler's answers.

Nothing escapes as an opaque traceback: a partition that raises becomes a
failed ``Outcome`` naming its input and the error; a partition whose worker
died (``KilledWorker``) likewise, after Dask's own retries on other workers.
The shards a partition committed before it failed stay; a rerun skips them.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import pandas as pd

from themelens.errors import Failure, ThemelensError
from themelens.summary import ShowsSummary, Summary

if TYPE_CHECKING:
    from distributed import Client

__all__ = ["Outcome", "StageResult", "Task", "run_tasks"]

log = logging.getLogger(__name__)

OnProgress = Callable[[int, int], None]


@dataclass(frozen=True)
class Task:
    """One partition: ``key`` (stable: it names the Dask task and the shard), ``label`` (the
    input it covers, as failures name it) and ``payload`` (what the work function reads)."""

    key: str
    label: str
    payload: Any = None


@dataclass(frozen=True)
class Outcome:
    """What one partition did: ``written`` (its rows committed) or ``failed`` (``reason``).

    ``failures`` are items inside a written partition that gave nothing (an
    empty file, an article the extractor refused, a shard that would not
    read); ``data`` is what the partition hands back to the client (universe
    rows); ``shards`` how many shards it committed.
    """

    key: str
    label: str
    status: Literal["written", "failed"]
    rows: int = 0
    reason: str = ""
    failures: tuple[Failure, ...] = ()
    data: Any = None
    shards: int = 0


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, ThemelensError):
        return str(exc)
    name = type(exc).__name__
    if name == "KilledWorker":
        return "its worker died while running it (killed, or out of memory); rerun to resume"
    if name == "CancelledError":
        return "cancelled (the scheduler lost it); rerun to resume"
    text = " ".join(str(exc).split())
    return f"{name}: {text[:300]}" if text else name


@dataclass(frozen=True)
class _Shared:
    """The objects every task of a stage needs, sent to each worker once as one object."""

    values: dict[str, Any]


def guarded(work: Callable[..., Outcome], task: Task, shared: _Shared) -> Outcome:
    """``work(task, **shared)``, any exception turned into a failed outcome naming the task."""
    try:
        return work(task, **shared.values)
    except Exception as exc:  # a partition's bug is that partition's failure, not the run's
        log.info("%s: %s", task.label, exc, exc_info=True)
        return Outcome(task.key, task.label, "failed", reason=_one_line(exc))


def run_tasks(
    client: Client | None,
    work: Callable[..., Outcome],
    tasks: Sequence[Task],
    *,
    stage: str,
    shared: dict[str, Any] | None = None,
    on_progress: OnProgress | None = None,
) -> list[Outcome]:
    """Run ``work`` over ``tasks``; outcomes in task order.

    Parameters
    ----------
    client
        Where to run (None: in this process, one task after another).
    work
        A module-level function (workers import it by name).
    stage
        Names the Dask tasks (``extract-<run>-3-<key>``) on the dashboard.
    shared
        Objects every task needs, sent to each worker once.
    on_progress
        ``(done, total)`` after each task completes.
    """
    shared = shared or {}
    total = len(tasks)
    if client is None or not tasks:
        out = []
        for done, task in enumerate(tasks, start=1):
            out.append(guarded(work, task, _Shared(shared)))
            if on_progress is not None:
                on_progress(done, total)
        return out
    from distributed import as_completed

    # one object, so scatter sends it whole (it would split a dict or a list into many)
    sent = client.scatter(_Shared(shared), broadcast=True, hash=False)
    run = uuid.uuid4().hex[:8]  # keys unique per run: a rerun never meets an old task's state
    futures = [
        client.submit(guarded, work, task, sent, key=f"{stage}-{run}-{i}-{task.key}", pure=False)
        for i, task in enumerate(tasks)
    ]
    index = {f.key: i for i, f in enumerate(futures)}
    found: dict[int, Outcome] = {}
    for done, future in enumerate(as_completed(futures), start=1):
        i = index[future.key]
        task = tasks[i]
        if future.status == "finished":
            found[i] = future.result()
        else:
            exc = future.exception()
            found[i] = Outcome(task.key, task.label, "failed", reason=_one_line(exc))
        future.release()
        if on_progress is not None:
            on_progress(done, total)
    sent.release()
    return [found[i] for i in range(total)]


@dataclass(frozen=True)
class StageResult(ShowsSummary):
    """One stage over an archive or a universe: what ran where, what was skipped, what failed.

    ``outcomes`` holds one ``Outcome`` per partition that ran; ``skipped``
    counts the shards an earlier run committed (resumed from, not redone);
    ``problems`` what was found wrong before the run (an unreadable commit
    record).
    """

    stage: str
    where: str
    skipped: int
    outcomes: tuple[Outcome, ...]
    seconds: float
    unit: str = "rows"
    notes: tuple[str, ...] = ()
    problems: tuple[Failure, ...] = field(default_factory=tuple)

    @property
    def written(self) -> int:
        """Partitions that ran and committed their output."""
        return sum(o.status == "written" for o in self.outcomes)

    @property
    def shards_written(self) -> int:
        return sum(o.shards for o in self.outcomes if o.status == "written")

    @property
    def rows(self) -> int:
        return sum(o.rows for o in self.outcomes if o.status == "written")

    def failures(self) -> tuple[Failure, ...]:
        """Problems found before the run, partitions that failed (by input), and items that
        failed inside written partitions."""
        failed = [Failure(o.label, o.reason) for o in self.outcomes if o.status == "failed"]
        inner = [f for o in self.outcomes for f in o.failures]
        return (*self.problems, *failed, *inner)

    def to_dict(self) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "where": self.where,
            "partitions": len(self.outcomes),
            "written": self.written,
            "failed": len(self.outcomes) - self.written,
            "shards_written": self.shards_written,
            "already_committed": self.skipped,
            self.unit: self.rows,
            "seconds": round(self.seconds, 3),
            "failures": [str(f) for f in self.failures()],
            "notes": list(self.notes),
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per partition that ran: key, label, status, shards, rows, reason."""
        return pd.DataFrame(
            [(o.key, o.label, o.status, o.shards, o.rows, o.reason) for o in self.outcomes],
            columns=["partition", "input", "status", "shards", self.unit, "reason"],
        )

    def summary(self) -> Summary:
        d = self.to_dict()
        rate = f"{self.rows / self.seconds:,.0f}" if self.seconds > 0 and self.rows else "—"
        table = pd.DataFrame(
            [
                {
                    "partitions": f"{d['partitions']:,}",
                    "failed": f"{d['failed']:,}",
                    "shards written": f"{self.shards_written:,}",
                    "already committed": f"{self.skipped:,}",
                    self.unit: f"{self.rows:,}",
                    "seconds": f"{self.seconds:.1f}",
                    f"{self.unit}/s": rate,
                }
            ]
        )
        notes = (f"ran on {self.where}", *self.notes)
        return Summary(self.stage, table, notes)
