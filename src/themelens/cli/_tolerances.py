"""The verdict tolerance options, shared by ``verify`` and ``archive verify``.

Both commands judge market claims with the same ``Tolerances``; the flags,
their help and defaults are declared here once so the two never drift.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from themelens.errors import InputError

if TYPE_CHECKING:  # the verify package is imported when a command runs, not for --help
    from themelens.verify import Tolerances

__all__ = ["DrawdownPpOpt", "HighSinceOpt", "ReturnPpOpt", "ReturnRelOpt", "tolerances"]

ReturnPpOpt = Annotated[
    float, typer.Option("--return-pp", help="Return tolerance floor, percentage points.")
]
ReturnRelOpt = Annotated[
    float, typer.Option("--return-rel", help="Return tolerance, share of the computed move.")
]
HighSinceOpt = Annotated[
    int, typer.Option("--high-since-months", help="'Highest since' tolerance, months.")
]
DrawdownPpOpt = Annotated[
    float, typer.Option("--drawdown-pp", help="Drawdown tolerance, percentage points.")
]


def tolerances(
    return_pp: float, return_rel: float, high_since_months: int, drawdown_pp: float
) -> Tolerances:
    """The flags as ``Tolerances``; a negative one is an ``InputError``."""
    from themelens.verify import Tolerances

    if min(return_pp, return_rel, high_since_months, drawdown_pp) < 0:
        raise InputError("tolerances must not be negative")
    return Tolerances(
        return_pp=return_pp,
        return_rel=return_rel,
        high_since_months=high_since_months,
        drawdown_pp=drawdown_pp,
    )
