"""A universe on Dask: rally metrics over thousands of tickers, spillovers of thousands of events.

Both read a price dataset partitioned by ticker (``prices``) and need no
shuffle: a rally partition is a set of tickers, an events partition a set of
leaders with their announcements and supply chains; each reads only its own
tickers' shards, and the benchmark series is read once by the client and
sent to every worker once. Each partition calls the single-process function
(``measure_rally``, ``run_spillover``) on its slice, so the rows equal the
single-process rows exactly; the client concatenates them in input order.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import numpy as np
import pandas as pd

from themelens.analytics.events import EVENT_COLUMNS, Event, ModelName, run_spillover
from themelens.analytics.rally import measure_rally
from themelens.errors import CsvFormatError, Failure, InputError, ThemelensError
from themelens.scale.prices import dataset_tickers, read_price_dataset
from themelens.scale.runner import Outcome, StageResult, Task, run_tasks
from themelens.summary import ShowsSummary, Summary

if TYPE_CHECKING:
    from distributed import Client

__all__ = [
    "ANNOUNCEMENT_COLUMNS",
    "UniverseEventsResult",
    "UniverseRallyResult",
    "measure_universe_rally",
    "read_chains",
    "run_universe_events",
]

OnProgress = Callable[[int, int], None]

ANNOUNCEMENT_COLUMNS: Final = (
    "announcement", "leader", "date", "label", "members", "leader_car", "leader_car_t",
    "leader_car_p", "group_events", "group_caar", "group_bmp", "group_bmp_p", "group_bmp_kp",
    "group_bmp_kp_p",
)  # fmt: skip
"""One row per catalogue event: the leader's CAR (its t and p), the supply chain's events
computed, their CAAR over the window and BMP with and without the Kolari–Pynnönen adjustment."""


def _bench(root: Path, benchmark: str | None) -> pd.DataFrame | None:
    if benchmark is None:
        return None
    frame, failed = read_price_dataset(root, [benchmark])
    if failed:
        raise InputError(f"--benchmark {benchmark}: {failed[0].reason} ({failed[0].where})")
    return frame


def _chunks(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    if size < 1:
        raise InputError(f"--partition-size {size}: must be 1 or more")
    return [items[i : i + size] for i in range(0, len(items), size)]


# --- rally -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class UniverseRallyResult(ShowsSummary):
    """Rally metrics for every ticker of a universe (``measure_rally``'s rows, ticker order)."""

    asof: date | None
    benchmark: str | None
    rows: pd.DataFrame
    failures: tuple[Failure, ...]
    stage: StageResult

    def to_frame(self) -> pd.DataFrame:
        return self.rows.copy()

    def to_dict(self) -> dict[str, Any]:
        return {
            "asof": self.asof.isoformat() if self.asof else None,
            "benchmark": self.benchmark,
            "tickers": len(self.rows),
            "failures": [str(f) for f in self.failures],
            "run": self.stage.to_dict(),
        }

    def summary(self) -> Summary:
        cols = [c for c in ("ticker", "asof", "close", "return_1m_pct", "return_ytd_pct",
                            "drawdown_from_peak_pct") if c in self.rows.columns]  # fmt: skip
        head = self.rows[cols].head(40)
        notes = (f"{len(self.rows):,} tickers measured, {len(self.failures):,} failed; "
                 f"ran on {self.stage.where} in {self.stage.seconds:.1f} s",)  # fmt: skip
        return Summary("Universe rally metrics", head, notes)


def rally_partition(
    task: Task, *, root: str, bench: pd.DataFrame | None, asof: date | None, benchmark: str | None
) -> Outcome:
    """``measure_rally`` over one partition's tickers (their shards plus the benchmark's)."""
    frame, failed = read_price_dataset(Path(root), task.payload)
    bad = {f.item for f in failed}
    present = [t for t in task.payload if t not in bad]
    if not present:
        return Outcome(task.key, task.label, "written", failures=failed, data=None)
    if bench is not None:
        frame = pd.concat([frame, bench], ignore_index=True)
    result = measure_rally(frame, present, asof=asof, benchmark=benchmark)
    failures = (*failed, *result.failures)
    return Outcome(task.key, task.label, "written", len(result.rows), failures=failures,
                   data=result.rows)  # fmt: skip


def measure_universe_rally(
    dataset: Path,
    *,
    asof: date | None = None,
    benchmark: str | None = None,
    tickers: Sequence[str] | None = None,
    client: Client | None = None,
    where: str = "this process",
    partition_size: int = 250,
    on_progress: OnProgress | None = None,
) -> UniverseRallyResult:
    """Rally metrics for every ticker of the dataset (or ``tickers``), as of ``asof``.

    Notes
    -----
    Equals ``measure_rally(all_prices, sorted tickers, asof=..., benchmark=...)``
    row for row: each ticker's metrics read only its own rows and the
    benchmark's, which every partition holds whole.
    """
    start = time.perf_counter()
    root = Path(dataset)
    names = sorted(set(dataset_tickers(root) if tickers is None else tickers) - {benchmark})
    bench = _bench(root, benchmark)
    tasks = [
        Task(f"{i}", f"tickers {chunk[0]} .. {chunk[-1]} ({len(chunk)})", tuple(chunk))
        for i, chunk in enumerate(_chunks(names, partition_size))
    ]
    shared = {"root": str(root), "bench": bench, "asof": asof, "benchmark": benchmark}
    outcomes = run_tasks(client, rally_partition, tasks, stage="rally", shared=shared,
                         on_progress=on_progress)  # fmt: skip
    frames = [o.data for o in outcomes if o.status == "written" and o.data is not None]
    rows = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    stage = StageResult("universe rally", where, 0, tuple(outcomes), time.perf_counter() - start, "tickers")  # fmt: skip
    return UniverseRallyResult(asof, benchmark, rows, stage.failures(), stage)


# --- events ----------------------------------------------------------------------------------


def read_chains(path: Path) -> dict[str, tuple[str, ...]]:
    """Supply chains from a CSV with a ``ticker,member`` header: one row per (listed name, member)."""
    file = Path(path).expanduser()
    try:
        rows = list(csv.reader(file.read_text(encoding="utf-8-sig").splitlines()))
    except OSError as exc:
        raise CsvFormatError(f"cannot read ({exc.strerror or exc})", path=file) from exc
    header = [h.strip().lower() for h in rows[0]] if rows else []
    if "ticker" not in header or "member" not in header:
        raise CsvFormatError("expected a ticker,member header", path=file, row=1)
    it, im = header.index("ticker"), header.index("member")
    chains: dict[str, dict[str, None]] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) <= max(it, im) or not row[it].strip() or not row[im].strip():
            raise CsvFormatError("a row needs a ticker and a member", path=file, row=number)
        chains.setdefault(row[it].strip(), {})[row[im].strip()] = None
    return {t: tuple(m) for t, m in chains.items()}


def _test(result: Any, name: str) -> tuple[float, float]:
    try:
        t = result.test(name)
    except KeyError:
        return float("nan"), float("nan")
    return float(t.statistic), float(t.p_value)


def _announcement(index: int, ev: Event, members: Sequence[str], res: Any) -> dict[str, Any]:
    lead, group = res.leader.events, res.group
    first = lead.iloc[0] if len(lead) else None
    bmp, bmp_p = _test(group, "BMP")
    kp, kp_p = _test(group, "BMP (Kolari–Pynnönen)")
    caar = float(group.path["caar"].iloc[-1]) if len(group.events) else float("nan")
    return {
        "announcement": index, "leader": ev.ticker, "date": pd.Timestamp(ev.date),
        "label": ev.label, "members": len(members),
        "leader_car": float(first["car"]) if first is not None else np.nan,
        "leader_car_t": float(first["car_t"]) if first is not None else np.nan,
        "leader_car_p": float(first["car_p"]) if first is not None else np.nan,
        "group_events": len(group.events), "group_caar": caar, "group_bmp": bmp,
        "group_bmp_p": bmp_p, "group_bmp_kp": kp, "group_bmp_kp_p": kp_p,
    }  # fmt: skip


def events_partition(
    task: Task, *, root: str, bench: pd.DataFrame | None, benchmark: str | None,
    options: dict[str, Any],
) -> Outcome:  # fmt: skip
    """``run_spillover`` for each announcement of one partition (a set of leaders)."""
    payload: Sequence[tuple[int, Event, tuple[str, ...]]] = task.payload
    wanted = dict.fromkeys(t for _, ev, members in payload for t in (ev.ticker, *members))
    frame, failed = read_price_dataset(Path(root), list(wanted))
    by_ticker = dict(tuple(frame.groupby("ticker", sort=False))) if len(frame) else {}
    extra = [bench] if bench is not None else []
    announcements, events = [], []
    failures: list[Failure] = list(failed)
    for index, ev, members in payload:
        parts = [by_ticker[t] for t in (ev.ticker, *members) if t in by_ticker] + extra
        small = pd.concat(parts, ignore_index=True) if parts else frame.iloc[:0]
        try:
            res = run_spillover(small, leader=ev.ticker, members=members, event_date=ev.date,
                                label=ev.label, benchmark=benchmark, group_name="supply-chain",
                                **options)  # fmt: skip
        except ThemelensError as exc:
            failures.append(Failure(str(ev), str(exc)))
            continue
        announcements.append(_announcement(index, ev, members, res))
        rows = res.to_frame()
        rows.insert(0, "announcement", index)
        events.append(rows)
        failures.extend(Failure(str(ev), f"skipped {f}") for f in (*res.leader.failures, *res.group.failures))  # fmt: skip
    data = (announcements, pd.concat(events, ignore_index=True) if events else None)
    return Outcome(task.key, task.label, "written", len(announcements), failures=tuple(failures), data=data)  # fmt: skip


def _pct(value: float) -> str:
    return "—" if not np.isfinite(value) else f"{value * 100:+.2f}%"


def _num(value: float) -> str:
    return "—" if not np.isfinite(value) else f"{value:.2f}"


@dataclass(frozen=True)
class UniverseEventsResult(ShowsSummary):
    """Every catalogue event's spillover to its supply chain.

    ``announcements`` has :data:`ANNOUNCEMENT_COLUMNS` (catalogue order);
    ``events`` one row per event computed: ``announcement``, ``role``
    (``leader`` or ``supply-chain``) and ``EVENT_COLUMNS``.
    """

    model: str
    benchmark: str | None
    window: tuple[int, int]
    announcements: pd.DataFrame
    events: pd.DataFrame
    failures: tuple[Failure, ...]
    stage: StageResult

    def to_frame(self) -> pd.DataFrame:
        return self.announcements.copy()

    def to_dict(self) -> dict[str, Any]:
        frame = self.announcements.assign(date=self.announcements["date"].dt.strftime("%Y-%m-%d"))
        return {
            "model": self.model, "benchmark": self.benchmark, "window": list(self.window),
            "announcements": frame.astype(object).where(frame.notna(), None).to_dict("records"),
            "events": len(self.events), "failures": [str(f) for f in self.failures],
            "run": self.stage.to_dict(),
        }  # fmt: skip

    def summary(self) -> Summary:
        a = self.announcements.head(40)
        table = pd.DataFrame({
            "leader": a["leader"], "date": a["date"].dt.strftime("%Y-%m-%d"),
            "leader CAR": a["leader_car"].map(_pct), "chain events": a["group_events"].astype(str),
            "chain CAAR": a["group_caar"].map(_pct), "BMP (KP)": a["group_bmp_kp"].map(_num),
            "p": a["group_bmp_kp_p"].map(_num),
        })  # fmt: skip
        chain = self.events[self.events["role"] != "leader"] if len(self.events) else self.events
        mean = float(chain["car"].mean()) if len(chain) else float("nan")
        notes = (
            f"{len(self.announcements):,} announcements, {len(self.events):,} events computed, "
            f"{len(self.failures):,} skipped or failed; ran on {self.stage.where} in "
            f"{self.stage.seconds:.1f} s",
            f"mean supply-chain CAR over all announcements: {_pct(mean)}",
            f"{self.model} model" + (f" vs {self.benchmark}" if self.benchmark else "")
            + f", window [{self.window[0]:+d}, {self.window[1]:+d}]",
        )  # fmt: skip
        return Summary("Supply-chain spillover of every catalogue event", table, notes)


def run_universe_events(
    dataset: Path,
    catalogue: Sequence[Event],
    *,
    chains: Mapping[str, Sequence[str]],
    benchmark: str | None,
    model: ModelName = "market",
    estimation: int = 120,
    gap: int = 10,
    window: tuple[int, int] = (-1, 3),
    min_estimation: int = 60,
    client: Client | None = None,
    where: str = "this process",
    partition_size: int = 200,
    on_progress: OnProgress | None = None,
) -> UniverseEventsResult:
    """``run_spillover`` of every catalogue event to its leader's supply chain.

    Parameters
    ----------
    catalogue
        The events (a leader's ticker and date); each is one announcement.
    chains
        Leader ticker → the supply chain's tickers; a leader without one is
        reported as a failure.
    partition_size
        Announcements per partition; a leader's announcements stay together,
        so its chain's shards are read once.

    Notes
    -----
    Equals calling ``run_spillover`` for each announcement in one process on
    the whole dataset (each study reads only its tickers and the benchmark).
    """
    start = time.perf_counter()
    root = Path(dataset)
    bench_ticker = None if model == "mean-adjusted" else benchmark
    bench = _bench(root, bench_ticker)
    by_leader: dict[str, list[tuple[int, Event, tuple[str, ...]]]] = {}
    missing: list[Failure] = []
    for i, ev in enumerate(catalogue):
        members = tuple(m for m in dict.fromkeys(chains.get(ev.ticker, ())) if m != ev.ticker)
        if not members:
            missing.append(Failure(str(ev), f"no supply chain listed for {ev.ticker}"))
            continue
        by_leader.setdefault(ev.ticker, []).append((i, ev, members))
    if partition_size < 1:
        raise InputError(f"--partition-size {partition_size}: must be 1 or more")
    packed: list[list[tuple[int, Event, tuple[str, ...]]]] = [[]]
    for group in by_leader.values():  # a leader's announcements stay in one partition
        if packed[-1] and len(packed[-1]) + len(group) > partition_size:
            packed.append([])
        packed[-1].extend(group)
    work = [
        Task(f"{k}", f"{c[0][1]} .. {c[-1][1]} ({len(c)} announcements)", tuple(c))
        for k, c in enumerate(p for p in packed if p)
    ]
    options = {"model": model, "estimation": estimation, "gap": gap, "window": window,
               "min_estimation": min_estimation}  # fmt: skip
    shared = {"root": str(root), "bench": bench, "benchmark": bench_ticker, "options": options}
    outcomes = run_tasks(client, events_partition, work, stage="events", shared=shared,
                         on_progress=on_progress)  # fmt: skip
    done = [o.data for o in outcomes if o.status == "written"]
    ann = pd.DataFrame([r for rows, _ in done for r in rows], columns=list(ANNOUNCEMENT_COLUMNS))
    ann = ann.sort_values("announcement", kind="stable").reset_index(drop=True)
    frames = [f for _, f in done if f is not None]
    events = (pd.concat(frames, ignore_index=True) if frames
              else pd.DataFrame(columns=["announcement", "role", *EVENT_COLUMNS]))  # fmt: skip
    events = events.sort_values("announcement", kind="stable").reset_index(drop=True)
    stage = StageResult("events universe", where, 0, tuple(outcomes), time.perf_counter() - start,
                        "announcements", (), tuple(missing))  # fmt: skip
    return UniverseEventsResult(model, bench_ticker, window, ann, events, stage.failures(), stage)
