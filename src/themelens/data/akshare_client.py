"""Every AkShare call goes through here: spacing, retries, error mapping, column guard.

AkShare is a thin scraper over Eastmoney, Sina and Baidu pages, so what it
raises is whatever those pages and ``requests``/``curl_cffi`` raise. The price
provider (``providers.akshare``) and the statements source
(``fundamentals.akshare``) both call it through one :class:`AkshareClient`,
so the rules below hold for every call:

==============================================  ==========================================
what happened                                   what the caller gets
==============================================  ==========================================
DNS failure, connection refused (offline)       ``OfflineError`` (the batch stops: every
                                                later call would fail the same way)
time-out (ours or the transport's),             retried with exponential backoff, then an
connection reset, HTTP 403/429/456,             :class:`AkshareCallError` for that symbol
a non-JSON answer (how a ban looks)
anything else AkShare raises (``KeyError``,     an :class:`AkshareCallError` at once: an
``TypeError``, ``APIError``: how an unknown     unknown symbol does not get better by asking
symbol looks), or an empty frame                again
a frame without the expected columns            an :class:`AkshareCallError` naming the
                                                function and the columns it expected
==============================================  ==========================================

AkShare passes no time-out to most of its requests, so a server that stops
answering (how some throttles look) would hang a batch for good. Every call
therefore runs through ``Deadline.call`` on a worker thread (a daemon, so it
cannot keep the process alive) and is abandoned after ``timeout_s`` (then it
counts as a time-out and is retried) or when the command's
:class:`~themelens.data.deadline.Deadline` passes, whichever comes first; the
latter is ``OfflineError``. A back-off that would outlast the deadline is not
slept: the symbol fails at once.

Callers turn an ``AkshareCallError`` into a ``Failure`` for that symbol and go
on with the batch. Each message names the function and the symbol.

The one place AkShare itself is imported is :func:`akshare_fetch`. Tests
inject a ``FetchFn`` instead: :func:`record` saves what a fetch returned
(one CSV per call plus ``meta.json``) and :func:`replay_fetch` serves it back,
including the errors a call raised — record-and-replay at our own seam, as
for yfinance (AkShare mixes ``requests`` and ``curl_cffi``, which no single
HTTP cassette tool sees).
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Final, Literal

import pandas as pd

from themelens.data.deadline import Deadline, DeadlineExpired, current_deadline
from themelens.data.recording import recording_meta, write_meta
from themelens.errors import OfflineError

__all__ = [
    "AKSHARE_VERSION",
    "AkshareCall",
    "AkshareCallError",
    "AkshareClient",
    "FetchFn",
    "akshare_fetch",
    "classify_akshare_error",
    "record",
    "replay_fetch",
]

AKSHARE_VERSION: Final = "1.19.5"
"""The AkShare release the column guards were written against (pinned in pyproject)."""

FetchFn = Callable[[str, Mapping[str, Any]], pd.DataFrame]
"""``(function name, keyword arguments) -> what akshare.<function>(**kwargs) returned``."""

RANGE_ARGUMENTS: Final = frozenset({"start_date", "end_date"})
"""Arguments a recording is not keyed on: replay cuts the recorded rows to them instead."""

_DATE_COLUMNS: Final = ("日期", "date", "REPORT_DATE")
_BAN_STATUSES: Final = frozenset({403, 429, 456})
_OFFLINE_CURL_CODES: Final = frozenset({5, 6, 7})  # could not resolve proxy/host, connect
_TRANSIENT_CURL_CODES: Final = frozenset({28, 35, 52, 55, 56})  # timeout, TLS, empty, send, recv

ErrorKind = Literal["offline", "transient", "no_data"]


@dataclass(frozen=True)
class AkshareCall:
    """One AkShare function call: its name, keyword arguments, and the ticker it is about.

    ``symbol`` is our (Yahoo-style) name for what the call fetches, used when
    an error must name a ticker; the AkShare symbol is in ``kwargs``.
    """

    function: str
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    symbol: str = ""

    def __str__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.kwargs.items() if k not in RANGE_ARGUMENTS)
        return f"akshare {self.function}({args})"


class AkshareCallError(Exception):
    """One call failed for its symbol; ``str()`` names the function, the arguments and why."""

    def __init__(self, call: AkshareCall, reason: str) -> None:
        self.call = call
        self.reason = reason
        super().__init__(f"{call}: {reason}")


def classify_akshare_error(exc: BaseException) -> tuple[ErrorKind, str]:
    """Sort what an AkShare call raised into offline, transient (retry) or no data."""
    status = getattr(getattr(exc, "response", None), "status_code", None)
    if isinstance(status, int) and status in _BAN_STATUSES:
        return "transient", f"refused with HTTP {status} (throttled or banned)"
    if _is_offline(exc):
        return "offline", f"{type(exc).__name__}: {_first_line(exc)}"
    if _is_transient(exc):
        return "transient", f"{type(exc).__name__}: {_first_line(exc)}"
    if isinstance(status, int) and status >= 500:
        return "transient", f"server error HTTP {status}"
    if isinstance(exc, json.JSONDecodeError):
        return "transient", "the answer was not JSON (an error page: throttled or banned?)"
    return "no_data", f"no data for this symbol ({type(exc).__name__}: {_first_line(exc)})"


def _is_offline(exc: BaseException) -> bool:
    if isinstance(exc, socket.gaierror):
        return True
    curl_code = _curl_code(exc)
    if curl_code is not None:
        return curl_code in _OFFLINE_CURL_CODES
    import requests

    if isinstance(exc, requests.ConnectionError) and not isinstance(exc, requests.Timeout):
        text = str(exc)
        return any(
            marker in text
            for marker in ("NameResolutionError", "Failed to resolve", "Name or service not known",
                           "Temporary failure in name resolution", "Connection refused",
                           "Network is unreachable")
        )  # fmt: skip
    return isinstance(exc, ConnectionRefusedError)


def _is_transient(exc: BaseException) -> bool:
    if isinstance(exc, (TimeoutError, ConnectionError)):
        return True
    curl_code = _curl_code(exc)
    if curl_code is not None:
        return curl_code in _TRANSIENT_CURL_CODES
    import requests

    return isinstance(exc, (requests.Timeout, requests.ConnectionError))


def _curl_code(exc: BaseException) -> int | None:
    """curl's error code when ``exc`` came from curl_cffi, else ``None``."""
    try:
        from curl_cffi import CurlError
    except ImportError:  # pragma: no cover - akshare depends on curl_cffi
        return None
    if not isinstance(exc, CurlError):
        return None
    code = getattr(exc, "code", None)
    return int(code) if code is not None else -1


def _host(exc: BaseException) -> str:
    """The host a transport error names (``requests`` and curl say it differently)."""
    text = str(exc)
    patterns = (r"host='([^']+)'", r"resolve '([^']+)'", r"resolve host: ([\w.-]+\w)")
    found = next((m for p in patterns if (m := re.search(p, text))), None)
    return found.group(1) if found else f"AkShare's source ({type(exc).__name__})"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().split(" See https://curl.se", 1)[0]
    return text.splitlines()[0][:200] if text else type(exc).__name__


def akshare_fetch(function: str, kwargs: Mapping[str, Any]) -> pd.DataFrame:
    """Call ``akshare.<function>(**kwargs)``: the only place AkShare is imported."""
    import akshare

    frame: pd.DataFrame = getattr(akshare, function)(**kwargs)
    return frame


class AkshareClient:
    """Calls AkShare politely: spaced, retried, with every failure mapped (module docstring).

    Parameters
    ----------
    min_interval_s
        Least time between the starts of two calls. Eastmoney bans clients
        that ask too fast; half a second keeps a 40-ticker batch under a minute.
    retries
        How many times a transient failure (time-out, ban) is retried.
    backoff_s
        First wait after a transient failure; each retry waits twice as long.
    timeout_s
        Longest one call may take before it counts as a time-out (then retried
        like any other); ``None`` waits as long as ``deadline`` allows.
    deadline
        How long the calls may go without an answer before AkShare's sources
        count as offline; shared with the command's other remote sources
        (default: a fresh ``Deadline()`` of 30 s).
    fetch
        Does the I/O (default :func:`akshare_fetch`); tests pass :func:`replay_fetch`.
    sleep, clock
        Injected so tests check spacing and backoff without waiting.
    """

    def __init__(
        self,
        *,
        min_interval_s: float = 0.5,
        retries: int = 3,
        backoff_s: float = 2.0,
        timeout_s: float | None = 30.0,
        fetch: FetchFn | None = None,
        sleep: Callable[[float], object] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        deadline: Deadline | None = None,
    ) -> None:
        if min_interval_s < 0 or retries < 0 or backoff_s < 0:
            raise ValueError("akshare: min_interval_s, retries and backoff_s must not be negative")
        if timeout_s is not None and not timeout_s > 0:
            raise ValueError("akshare: timeout_s must be positive (or None for no deadline)")
        self.min_interval_s = min_interval_s
        self.retries = retries
        self.backoff_s = backoff_s
        self.timeout_s = timeout_s
        self._fetch: FetchFn = fetch if fetch is not None else akshare_fetch
        self._sleep = sleep
        self._clock = clock
        self._last_call: float | None = None
        self.deadline = deadline if deadline is not None else current_deadline()

    def call(self, call: AkshareCall, *, expect: Sequence[str] = ()) -> pd.DataFrame:
        """The frame ``call`` returned, with the ``expect``-ed columns present and rows in it.

        Raises ``OfflineError`` (no network) or :class:`AkshareCallError` (this
        symbol failed; the batch may go on).
        """
        if self.deadline.expired:
            raise self._silent(call)
        if self._fetch is akshare_fetch:
            import akshare  # noqa: F401  # seconds of import are not the network's silence
        for attempt in range(self.retries + 1):
            self._space()
            try:
                frame = self.deadline.call(
                    lambda: self._fetch(call.function, dict(call.kwargs)),
                    cap=self.timeout_s,
                    name=f"akshare {call.function}",
                )
            except DeadlineExpired as exc:
                raise self._silent(call) from exc
            except Exception as exc:
                kind, reason = classify_akshare_error(exc)
                if kind == "offline":
                    raise OfflineError(
                        f"cannot reach {_host(exc)} (offline?) for {call}",
                        provider="akshare",
                        ticker=call.symbol or None,
                    ) from exc
                if kind == "no_data":
                    self.deadline.answered()  # "no such symbol" is an answer
                if kind == "transient" and attempt < self.retries and self._back_off(attempt):
                    continue
                if kind == "transient":
                    reason = f"{reason}; gave up after {attempt} retries"
                raise AkshareCallError(call, reason) from exc
            return check_frame(call, frame, expect)
        raise AssertionError("unreachable")  # pragma: no cover

    def _silent(self, call: AkshareCall) -> OfflineError:
        """The error once the command's deadline has passed without an answer."""
        return OfflineError(
            f"cannot reach AkShare's sources (offline?): no answer within"
            f" {self.deadline.seconds:g} s for {call}",
            provider="akshare",
            ticker=call.symbol or None,
        )

    def _back_off(self, attempt: int) -> bool:
        """Wait before retry ``attempt + 1``; False when that wait would outlast the deadline."""
        return self.deadline.backed_off(self.backoff_s * 2**attempt, self._sleep)

    def _space(self) -> None:
        now = self._clock()
        if self._last_call is not None:
            wait = self.min_interval_s - (now - self._last_call)
            if wait > 0:
                self._sleep(wait)
                now += wait
        self._last_call = now


def check_frame(call: AkshareCall, frame: object, expect: Iterable[str]) -> pd.DataFrame:
    """``frame`` if it is a non-empty DataFrame with the ``expect``-ed columns, else why not.

    The column guard: AkShare renames columns between releases without
    notice; a missing column fails here, naming the function and what it
    expected, rather than as a ``KeyError`` deep in a transform.
    """
    if not isinstance(frame, pd.DataFrame):
        raise AkshareCallError(call, f"returned {type(frame).__name__}, not a DataFrame")
    if frame.empty:
        raise AkshareCallError(call, "returned an empty frame (unknown symbol or no data)")
    wanted = list(expect)
    missing = [c for c in wanted if c not in frame.columns]
    if missing:
        raise AkshareCallError(
            call,
            f"expected columns {', '.join(wanted)} but {', '.join(missing)} missing"
            f" (got {', '.join(map(str, frame.columns))}); AkShare may have renamed them"
            f" (written against {AKSHARE_VERSION})",
        )
    return frame


# --- record and replay at our seam -----------------------------------------


def _key(function: str, kwargs: Mapping[str, Any]) -> str:
    """A file-safe key for a call, ignoring the range arguments (replay cuts to them)."""
    kept = {k: v for k, v in sorted(kwargs.items()) if k not in RANGE_ARGUMENTS}
    digest = hashlib.sha1(json.dumps(kept, ensure_ascii=False).encode()).hexdigest()[:10]
    # statement calls name the company ``stock`` (their ``symbol`` is the statement)
    symbol = str(kept.get("stock", kept.get("symbol", ""))).replace("/", "_")
    return f"{function}__{symbol}__{digest}"


def record(
    calls: Iterable[tuple[str, Mapping[str, Any]]],
    directory: Path,
    *,
    fetch: FetchFn = akshare_fetch,
    synthetic: bool = False,
    note: str = "",
) -> Path:
    """Save what ``fetch`` returned (or raised) for each call, for :func:`replay_fetch`.

    Writes ``<function>__<symbol>__<hash>.csv`` per call and ``meta.json``
    (calls with their arguments, columns and dtypes, rows, or the error a call
    raised; the AkShare version; whether the data is synthetic).
    """
    directory.mkdir(parents=True, exist_ok=True)
    entries: dict[str, dict[str, Any]] = {}
    for function, kwargs in calls:
        key = _key(function, kwargs)
        entry: dict[str, Any] = {"function": function, "kwargs": dict(kwargs)}
        try:
            frame = fetch(function, kwargs)
        except Exception as exc:
            # a KeyError's str() is the repr of its key; keep the key so replay does not quote it twice
            said = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else _first_line(exc)
            entry["error"] = {"type": type(exc).__name__, "message": said}
        else:
            frame.to_csv(directory / f"{key}.csv", index=False)
            entry.update(
                rows=len(frame),
                columns=[str(c) for c in frame.columns],
                dtypes={str(c): str(t) for c, t in frame.dtypes.items()},
            )
        entries[key] = entry
    fmt = "one CSV per akshare call (DataFrame.to_csv(index=False)); errors kept in meta"
    meta = recording_meta(fmt, synthetic=synthetic, note=note, package="akshare")
    return write_meta(directory, {**meta, "calls": entries}, ensure_ascii=False)


class ReplayError(LookupError):
    """A replayed call that is not in the recording (AkShare would fail on it too)."""


class RecordedError(Exception):
    """An error a recorded call raised, raised again on replay (type name in the message)."""


_REPLAYED_ERRORS: Final[dict[str, Callable[[str], BaseException]]] = {
    "KeyError": KeyError,
    "TypeError": TypeError,
    "ValueError": ValueError,
    "IndexError": IndexError,
    "TimeoutError": TimeoutError,
    "ConnectionResetError": ConnectionResetError,
}


def replay_fetch(directory: Path) -> FetchFn:
    """A ``FetchFn`` serving :func:`record`'s files; ranges are cut from the date column.

    A call missing from the recording raises :class:`ReplayError` ("no data",
    as an unknown symbol does live); a recorded error is raised again as the
    same built-in type when it is one, else as :class:`RecordedError`.
    """
    meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
    entries: Mapping[str, Mapping[str, Any]] = meta.get("calls", {})

    def fetch(function: str, kwargs: Mapping[str, Any]) -> pd.DataFrame:
        key = _key(function, kwargs)
        entry = entries.get(key)
        if entry is None:
            raise ReplayError(f"{function}({dict(kwargs)}) is not in the recording {directory}")
        if "error" in entry:
            error = entry["error"]
            build = _REPLAYED_ERRORS.get(error["type"])
            raise (
                build(error["message"])
                if build
                else RecordedError(f"{error['type']}: {error['message']}")
            )
        dtypes: Mapping[str, str] = entry.get("dtypes", {})
        frame = pd.read_csv(directory / f"{key}.csv", dtype=str, keep_default_na=False)
        for column, dtype in dtypes.items():
            if dtype.startswith(("float", "int")):
                frame[column] = pd.to_numeric(frame[column].replace("", None), errors="coerce")
        return _cut(frame, kwargs)

    return fetch


def _cut(frame: pd.DataFrame, kwargs: Mapping[str, Any]) -> pd.DataFrame:
    """Rows within ``start_date``/``end_date`` (``YYYYMMDD``), as AkShare's ranged calls do."""
    column = next((c for c in _DATE_COLUMNS if c in frame.columns), None)
    if column is None or not (RANGE_ARGUMENTS & set(kwargs)):
        return frame
    days = pd.to_datetime(frame[column].str.slice(0, 10), format="%Y-%m-%d")
    keep = pd.Series(True, index=frame.index)
    if "start_date" in kwargs:
        keep &= days >= pd.Timestamp(str(kwargs["start_date"]))
    if "end_date" in kwargs:
        keep &= days <= pd.Timestamp(str(kwargs["end_date"]))
    if not keep.any():
        return pd.DataFrame()
    return frame.loc[keep].reset_index(drop=True)


def yyyymmdd(day: date | None, default: str) -> str:
    """A date as AkShare's ``YYYYMMDD`` argument, or ``default`` for an open bound."""
    return default if day is None else f"{day:%Y%m%d}"
