"""Where the work runs: in this process, on a ``LocalCluster``, or on a cluster someone runs.

``open_client(ClusterSpec(...))`` yields a ``distributed.Client`` (or None for
in-process) and closes what it started. Joining a scheduler that does not
answer is a one-line ``ClusterError`` within ``connect_timeout_s``; so is a
scheduler with no worker, which would otherwise wait forever.
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from themelens.errors import ClusterError

if TYPE_CHECKING:
    from distributed import Client

__all__ = ["ClusterError", "ClusterSpec", "dashboard_link", "default_workers", "open_client"]

log = logging.getLogger(__name__)


def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


@dataclass(frozen=True)
class ClusterSpec:
    """How to run: ``workers`` local processes (None: one per core; 0: in this process,
    without Dask), or join ``scheduler`` (an address such as ``tcp://10.0.0.5:8786``).

    ``memory_limit`` is each local worker's (Dask's syntax, ``"2GB"``; None: Dask's
    default share of the machine).
    """

    workers: int | None = None
    scheduler: str | None = None
    connect_timeout_s: float = 5.0
    memory_limit: str | None = None

    def describe(self) -> str:
        if self.scheduler:
            return f"scheduler {self.scheduler}"
        if self.workers == 0:
            return "this process"
        n = self.workers if self.workers is not None else default_workers()
        return f"a local cluster of {n} worker{'s' * (n != 1)}"


_WORKER_ENVIRON: Final = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}
"""Worker processes keep glibc's own malloc trim threshold. Dask sets it to 64 KiB to hand
memory back to the OS sooner, which also fixes the mmap threshold: every pandas array over
64 KiB is then mmapped and unmapped, and the event study runs at half speed (measured:
4.4 s in this process, 8.1 s with the variable set)."""


def _has_dashboard_deps() -> bool:
    return importlib.util.find_spec("bokeh") is not None


@contextlib.contextmanager
def open_client(spec: ClusterSpec) -> Iterator[Client | None]:
    """A client for ``spec`` (None for in-process), closed (with its cluster) on exit.

    Raises
    ------
    ClusterError
        A bad or silent scheduler address, a cluster with no worker, or a local
        cluster that would not start.
    """
    if spec.workers is not None and spec.workers < 0:
        raise ClusterError(f"--workers {spec.workers}: must be 0 (this process) or more")
    if spec.scheduler is None and spec.workers == 0:
        yield None
        return
    from distributed import Client

    if spec.scheduler is not None:
        client = _join(spec)
        try:
            yield client
        finally:
            with contextlib.suppress(Exception):
                client.close(timeout=spec.connect_timeout_s)
        return
    import dask
    from distributed import LocalCluster

    n = spec.workers if spec.workers is not None else default_workers()
    options: dict[str, Any] = {
        "n_workers": n,
        "threads_per_worker": 1,  # the stages are pure Python and numpy: processes, not threads
        "processes": True,
        "dashboard_address": ":0",  # any free port: a second cluster (a test, a bench) never clashes
        "silence_logs": logging.ERROR,
    }
    if spec.memory_limit is not None:
        options["memory_limit"] = spec.memory_limit
    quiet = _Quiet()  # the scheduler runs here: its INFO lines would reach the CLI's handler
    try:
        with dask.config.set(_WORKER_ENVIRON):
            cluster = LocalCluster(**options)
    except Exception as exc:  # any start-up failure is one line
        raise ClusterError(
            f"cannot start a local cluster of {n} workers: {_one_line(exc)}"
        ) from exc
    try:
        client = Client(cluster)
        try:
            yield client
        finally:
            client.close()
    finally:
        cluster.close()
        quiet.restore()


class _Quiet:
    """``distributed``'s loggers at ERROR until ``restore()`` (they log every start and stop)."""

    def __init__(self) -> None:
        self._logger = logging.getLogger("distributed")
        self._level = self._logger.level
        self._logger.setLevel(logging.ERROR)

    def restore(self) -> None:
        self._logger.setLevel(self._level)


def _join(spec: ClusterSpec) -> Client:
    from distributed import Client

    address = spec.scheduler
    assert address is not None
    timeout = spec.connect_timeout_s
    try:
        client = Client(address, timeout=timeout)
    except ValueError as exc:
        raise ClusterError(f"--scheduler {address}: not an address ({_one_line(exc)})") from exc
    except (OSError, TimeoutError) as exc:
        raise ClusterError(
            f"--scheduler {address}: no answer within {timeout:g} s (is a scheduler running there?)"
        ) from exc
    except Exception as exc:  # something answered, but not as a Dask scheduler does
        raise ClusterError(
            f"--scheduler {address}: what answered is not a Dask scheduler ({type(exc).__name__})"
        ) from exc
    try:
        client.wait_for_workers(1, timeout=timeout)
    except (OSError, TimeoutError) as exc:
        client.close()
        raise ClusterError(
            f"--scheduler {address}: the scheduler has no worker (waited {timeout:g} s)"
        ) from exc
    return client


def dashboard_link(client: Client | None) -> str | None:
    """The dashboard's address when the scheduler serves one, else None.

    The scheduler always answers HTTP, but its dashboard pages need ``bokeh``
    (``pip install bokeh``); without it here there is no link worth printing.
    """
    if client is None or not _has_dashboard_deps():
        return None
    try:
        services = client.scheduler_info().get("services", {})
    except Exception:  # a link is a courtesy: never fail a run for it
        return None
    return str(client.dashboard_link) if "dashboard" in services else None


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:200]
