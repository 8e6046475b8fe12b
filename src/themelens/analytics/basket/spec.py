"""What a basket is: the scheme, its caps, its risk overlays and its costs.

One frozen :class:`BasketSpec` describes one backtest; a parameter sweep is a
sequence of them. Percent-style inputs (``--max-weight 25``) are converted to
fractions at the CLI, so every number here is a fraction: ``0.25`` = 25 %.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final, Literal, get_args

from themelens.errors import InputError

__all__ = ["REBALANCES", "SCHEMES", "BasketSpec", "Rebalance", "Scheme"]

Scheme = Literal["equal", "inverse-vol", "risk-parity", "min-variance"]
Rebalance = Literal["monthly", "weekly"]

SCHEMES: Final[tuple[str, ...]] = get_args(Scheme)
REBALANCES: Final[tuple[str, ...]] = get_args(Rebalance)


def _fraction(name: str, value: float | None, *, low: float, high: float) -> None:
    if value is None:
        return
    if not math.isfinite(value) or not low < value <= high:
        raise InputError(f"{name} {value}: must be in ({low:g}, {high:g}]")


@dataclass(frozen=True)
class BasketSpec:
    """The parameters of one theme basket and its backtest.

    Parameters
    ----------
    scheme
        ``equal``, ``inverse-vol`` (weights ∝ 1/σ), ``risk-parity`` (equal
        risk contribution) or ``min-variance``.
    rebalance
        ``monthly`` (first session of each month) or ``weekly`` (first session
        of each ISO week).
    max_weight
        Cap per name, a fraction (``0.25``); None for no cap.
    role_caps
        ``(role, cap)`` pairs, e.g. ``(("leader", 0.6),)``: the summed weight
        of a role's names stays at or under the cap.
    vol_target
        Annualised volatility to aim for (``0.20``); None leaves exposure at 1.
    max_leverage
        Ceiling on the exposure the vol target may choose (1.0: never borrow).
    brake
        Drawdown (``0.15`` = −15 % from the peak since the brake last lifted)
        that cuts exposure; None for none.
    brake_release
        The brake lifts once the basket has risen ``brake × (1 −
        brake_release)`` from its low since the brake engaged (0.5 with a
        15 % brake: a 7.5 % rebound; 0: the brake's full 15 %).
    brake_exposure
        Exposure kept while the brake is on, as a fraction of the normal one.
    cost_bps
        Cost per unit of turnover, in basis points of the traded value.
    lookback
        Sessions of returns the volatility and covariance estimates use.
    min_history
        Sessions of unbroken returns a name needs before it may be held.

    Notes
    -----
    The brake's trigger and release read the basket *before* the brake and
    before costs (a shadow curve): with exposure cut, the braked curve cannot
    recover, so reading it would deadlock. Their anchors move with the brake
    (the peak since it lifted, the low since it engaged), so a crash that
    took years to recover from cannot hold the brake on for years.
    """

    scheme: Scheme = "equal"
    rebalance: Rebalance = "monthly"
    max_weight: float | None = None
    role_caps: tuple[tuple[str, float], ...] = field(default_factory=tuple)
    vol_target: float | None = None
    max_leverage: float = 1.0
    brake: float | None = None
    brake_release: float = 0.5
    brake_exposure: float = 0.0
    cost_bps: float = 0.0
    lookback: int = 126
    min_history: int = 63

    def __post_init__(self) -> None:
        if self.scheme not in SCHEMES:
            raise InputError(f"--scheme {self.scheme}: choose from {', '.join(SCHEMES)}")
        if self.rebalance not in REBALANCES:
            raise InputError(f"--rebalance {self.rebalance}: choose from {', '.join(REBALANCES)}")
        _fraction("--max-weight", self.max_weight, low=0.0, high=1.0)
        _fraction("--vol-target", self.vol_target, low=0.0, high=5.0)
        _fraction("--brake", self.brake, low=0.0, high=1.0)
        _fraction("--max-leverage", self.max_leverage, low=0.0, high=10.0)
        for role, cap in self.role_caps:
            _fraction(f"--role-cap {role}", cap, low=0.0, high=1.0)
        if len({r for r, _ in self.role_caps}) != len(self.role_caps):
            raise InputError("--role-cap: a role is capped twice")
        if not 0.0 <= self.brake_release < 1.0:
            raise InputError(f"--brake-release {self.brake_release}: must be in [0, 1)")
        if not 0.0 <= self.brake_exposure <= 1.0:
            raise InputError(f"--brake-exposure {self.brake_exposure}: must be in [0, 1]")
        if not (math.isfinite(self.cost_bps) and self.cost_bps >= 0):
            raise InputError(f"--cost-bps {self.cost_bps}: must be zero or more")
        if self.min_history < 2 or self.lookback < self.min_history:
            raise InputError(
                f"--min-history {self.min_history}, --lookback {self.lookback}: need "
                "2 <= min-history <= lookback"
            )

    @classmethod
    def build(cls, *, role_caps: Mapping[str, float] | None = None, **kwargs: Any) -> BasketSpec:
        """Like the constructor, but ``role_caps`` may be a mapping (sorted by role)."""
        caps = tuple(sorted((role_caps or {}).items()))
        return cls(role_caps=caps, **kwargs)

    @property
    def schedule_key(self) -> tuple[Any, ...]:
        """The fields that decide the target weights (a sweep computes them once per key)."""
        return (
            self.scheme,
            self.rebalance,
            self.max_weight,
            self.role_caps,
            self.lookback,
            self.min_history,
        )

    def describe(self) -> str:
        """One line: ``risk-parity, monthly, max 25%/name, leader ≤ 60%, vol 20%, brake 15%``."""
        parts: list[str] = [self.scheme, self.rebalance]
        if self.max_weight is not None:
            parts.append(f"max {self.max_weight:.0%}/name")
        parts += [f"{role} ≤ {cap:.0%}" for role, cap in self.role_caps]
        if self.vol_target is not None:
            parts.append(f"vol target {self.vol_target:.0%} (leverage ≤ {self.max_leverage:g}x)")
        if self.brake is not None:
            parts.append(
                f"brake at -{self.brake:.0%} to {self.brake_exposure:.0%} exposure, "
                f"off after a {self.brake * (1 - self.brake_release):.1%} rebound"
            )
        parts.append(f"{self.cost_bps:g} bps costs")
        return ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe form."""
        return {
            "scheme": self.scheme,
            "rebalance": self.rebalance,
            "max_weight": self.max_weight,
            "role_caps": dict(self.role_caps),
            "vol_target": self.vol_target,
            "max_leverage": self.max_leverage,
            "brake": self.brake,
            "brake_release": self.brake_release,
            "brake_exposure": self.brake_exposure,
            "cost_bps": self.cost_bps,
            "lookback": self.lookback,
            "min_history": self.min_history,
        }
