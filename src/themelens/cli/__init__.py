"""The ``themelens`` command line: parse, call, print. Nothing is computed here.

Every ``ThemelensError`` becomes one red line on stderr and exit status 1;
no traceback reaches the user (``pretty_exceptions_show_locals`` is off so a
genuine crash does not dump locals either). One module per command group;
importing them registers their commands on ``app``.
"""

from __future__ import annotations

from themelens.cli import (  # noqa: F401  (imported to register their commands)
    archive,
    basket,
    claims,
    claims_reconcile,
    events,
    events_universe,
    fundamentals,
    news,
    prices,
    rally,
    report,
    sentiment,
    serve,
    theme,
    verify,
    watch,
)
from themelens.cli._app import app

__all__ = ["app"]
