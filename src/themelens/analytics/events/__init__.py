"""Event studies: abnormal returns around announcements, and spillover to a group of stocks.

:func:`run_event_study` measures, for each event (a ticker and a date), the
abnormal return ``AR = R - E[R]`` on every day of the event window, their sum
(CAR) and the buy-and-hold abnormal return (BHAR), with the expected return
from a model fitted on an estimation window before the event; then tests the
mean CAR across events (cross-sectional t, Patell, BMP, Kolari–Pynnönen,
Corrado rank, generalised sign; see ``_tests``). :func:`run_spillover`
is the same study for one announcement: the leader alone, then the group of
stocks that may have moved with it.

Timing (relative days, the ticker's own sessions): day 0 is the ticker's
first session on or after the event date (news on a Saturday is priced on
Monday). The event window is days ``window[0]..window[1]`` (default
``-1..+3``); the estimation window the ``estimation`` sessions (default 120)
ending ``gap`` sessions before day 0 (default 10), i.e. days ``-129..-10``.
Benchmark alignment is described in ``_data``: the benchmark's return
is taken over each stock session's own interval, and days where the
benchmark has no close are dropped.

Bad events never stop the batch: an unknown ticker, a date outside the data,
an estimation window with fewer than ``min_estimation`` usable returns, an
event window the benchmark does not cover — each becomes a ``Failure`` with
its reason and the rest are computed.
"""

from themelens.analytics.events._data import equal_weight_index
from themelens.analytics.events._models import ModelName
from themelens.analytics.events._result import (
    AR_COLUMNS,
    EVENT_COLUMNS,
    PATH_COLUMNS,
    TEST_COLUMNS,
    EventStudyResult,
    SpilloverResult,
)
from themelens.analytics.events._study import run_event_study, run_spillover
from themelens.analytics.events._tests import EventTest
from themelens.analytics.events._windows import Event

__all__ = [
    "AR_COLUMNS",
    "EVENT_COLUMNS",
    "PATH_COLUMNS",
    "TEST_COLUMNS",
    "Event",
    "EventStudyResult",
    "EventTest",
    "ModelName",
    "SpilloverResult",
    "equal_weight_index",
    "run_event_study",
    "run_spillover",
]
