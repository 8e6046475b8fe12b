"""Rally metrics: how far and how fast a ticker has run, as of a date.

Two forms compute the same numbers. :func:`measure_rally` answers for one
as-of date and is written plainly, row by row, so it can be read against the
definitions below; :func:`rally_panel` computes every metric for every ticker
and every session in one vectorised pass (a report charting a rally, or a
claim checked at many dates, needs the whole panel). A property test holds
them to the same answers, which is why the single-date form does not slice
the panel. ``_panel`` holds the vectorised form, ``_measure`` the plain one,
``_inputs`` what both read, ``_result`` the result object.

Definitions (``c[k]`` is the k-th close of one ticker, sessions sorted by date;
all percentages are ``(a / b - 1) * 100``):

``close``
    The ticker's close at ``asof``: its last row on or before the as-of
    session (the ticker's own rows; other tickers' calendars do not matter).
``return_1d_pct``, ``return_1w_pct``, ``return_1m_pct``
    Close-to-close percent change against the ticker's own row 1, 5 and 21
    rows back (sessions, not calendar days). ``None`` when the ticker has
    fewer earlier rows than that.
``return_ytd_pct``
    Percent change against the last close of the previous calendar year.
    ``None`` when the ticker has no row in the previous year.
``high_since``
    The date of the latest *earlier* close strictly above this close: "the
    highest since ...". ``None`` when no earlier close is above it, i.e. at an
    all-time high in the data (a tie with the old high counts as a high).
``win_streak_weeks``
    Weeks run Monday to Sunday (in practice Monday–Friday sessions); only
    weeks with at least one row count, and a week's value is its last close.
    The count of consecutive weeks, ending with the week holding ``asof``,
    whose value beat (strictly) the previous week's value. The week holding
    ``asof`` takes ``asof``'s close as its value (its last close so far), so
    the metric never looks ahead. 0 when that week does not beat the week
    before it, or when it is the ticker's first week.
``drawdown_from_peak_pct``
    ``(1 - close / peak) * 100`` with ``peak`` the highest close up to and
    including ``asof``: 0 at a peak, and in ``[0, 100)`` for positive prices.
``excess_{1d,1w,1m,ytd}_pp``
    With a benchmark ticker: the ticker's return minus the benchmark's return
    between the same two calendar dates (the ticker's reference date and its
    as-of date), in percentage points. The benchmark's close at a date is its
    last close on or before that calendar date; ``None`` when it has none.

    Caveat: dates are session dates in each exchange's own time zone. A Hong
    Kong close on 2025-09-17 (16:00 HKT) is paired with a US benchmark's close
    of 2025-09-17 (16:00 New York), thirteen hours later, so a US benchmark
    can "know" news the Hong Kong close did not; an HK benchmark against a US
    ticker lags by the same amount. Prefer a benchmark from the same exchange.
"""

from themelens.analytics.rally._measure import measure_rally
from themelens.analytics.rally._panel import rally_panel
from themelens.analytics.rally._result import (
    EXCESS_COLUMNS,
    HORIZONS,
    RALLY_COLUMNS,
    RallyProvenance,
    RallyResult,
)

__all__ = [
    "EXCESS_COLUMNS",
    "HORIZONS",
    "RALLY_COLUMNS",
    "RallyProvenance",
    "RallyResult",
    "measure_rally",
    "rally_panel",
]
