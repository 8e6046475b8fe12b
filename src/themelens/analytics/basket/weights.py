"""Weighting schemes and caps: equal, inverse-volatility, risk parity, minimum variance.

Minimum variance goes through PyPortfolioOpt (cvxpy underneath, Clarabel by
default): ``EfficientFrontier.min_volatility`` with the name cap as weight
bounds and role caps as sector constraints. Risk parity is the convex
log-barrier formulation of equal risk contribution (Spinu 2013; Maillard,
Roncalli & Teïletche 2010) solved by SciPy's L-BFGS-B with its analytic
gradient: it has only positivity bounds, and a general conic solver spent
~25 ms a rebalance building the problem (1.7 s of a cold report) where
L-BFGS-B takes ~2 ms and meets the equal-contribution condition to ~1e-10
(cvxpy's answer to ~1e-6; the tests compare the two). Nothing here is a
home-made solver.

Every function returns finite, non-negative weights summing to at most 1
(the rest is cash) and explains any fallback in ``WeightDecision.notes``.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from themelens.analytics.basket.spec import Scheme

__all__ = [
    "WeightDecision",
    "apply_caps",
    "caps_feasible",
    "decide_weights",
    "inverse_vol_weights",
    "min_variance_weights",
    "risk_parity_weights",
    "spectrum",
]

Floats = npt.NDArray[np.float64]

SINGULAR_RCOND: Final = 1e-10
"""Smallest/largest eigenvalue ratio below which a covariance counts as singular."""

_TOL: Final = 1e-12


class SolverFailed(Exception):
    """PyPortfolioOpt/cvxpy could not solve; the caller falls back and says so."""


@dataclass(frozen=True)
class WeightDecision:
    """Weights for the eligible names (same order), the scheme used and why it differs."""

    weights: Floats
    used: str
    notes: tuple[str, ...] = ()


def inverse_vol_weights(vols: Floats) -> Floats:
    """Weights ∝ 1/σ_i, summing to 1 (σ must be positive)."""
    inv = 1.0 / vols
    out: Floats = inv / inv.sum()
    return out


def _solve(fn: Any, n: int, what: str) -> Floats:
    """Run a PyPortfolioOpt call and return its ``n`` weights clipped at 0 and summing to 1.

    Its errors and solver warnings, and an answer with no usable weights,
    become ``SolverFailed`` (``what`` names the method in the message).
    """
    from pypfopt.exceptions import OptimizationError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            result: dict[Any, float] = fn()
    except (OptimizationError, ValueError, ArithmeticError, UserWarning) as exc:
        raise SolverFailed(str(exc).splitlines()[0] if str(exc) else type(exc).__name__) from exc
    except Exception as exc:  # cvxpy.error.SolverError and DCP errors share no narrower base
        if type(exc).__module__.startswith(("cvxpy", "pypfopt")):
            raise SolverFailed(type(exc).__name__) from exc
        raise
    w = np.clip(np.array([result[i] for i in range(n)], dtype=np.float64), 0.0, None)
    if not np.all(np.isfinite(w)) or w.sum() <= 0:
        raise SolverFailed(f"{what} returned no usable weights")
    out: Floats = w / w.sum()
    return out


def risk_parity_weights(cov: Floats) -> Floats:
    """Equal-risk-contribution weights (long only, fully invested).

    Notes
    -----
    Minimises ``½ yᵀΣy − (1/n) Σ log yᵢ`` over ``y > 0`` and returns
    ``y / Σy``: at the optimum ``yᵢ (Σy)ᵢ = 1/n`` for every name, i.e. equal
    risk contributions (Spinu 2013). The problem is strictly convex for a
    positive-definite Σ, so the answer is unique. Σ is scaled to unit mean
    variance first, so ``y`` sits near ``1/√n`` whatever the units.

    Raises
    ------
    SolverFailed
        L-BFGS-B stopped without meeting its tolerance, or the weights are unusable.
    """
    from scipy.optimize import minimize

    n = cov.shape[0]
    if n == 1:
        return np.ones(1)
    scaled = cov / float(np.mean(np.diag(cov)))

    def objective(y: Floats) -> tuple[float, Floats]:
        sy = scaled @ y
        return float(0.5 * y @ sy - np.log(y).sum() / n), sy - 1.0 / (n * y)

    start = 1.0 / np.sqrt(np.diag(scaled) * n)  # inverse volatility, on the right scale
    result = minimize(
        objective,
        start,
        jac=True,
        method="L-BFGS-B",
        bounds=[(1e-12, None)] * n,
        options={"ftol": 0.0, "gtol": 1e-13, "maxiter": 5000, "maxcor": 20},
    )
    y = np.asarray(result.x, dtype=np.float64)
    contributions = y * (scaled @ y)
    # L-BFGS-B may stop on "no further reduction" at machine precision: judge the answer
    if not np.all(np.isfinite(y)) or np.max(np.abs(contributions * n - 1.0)) > 1e-6:
        raise SolverFailed(f"risk parity: L-BFGS-B did not converge ({result.message})")
    out: Floats = y / y.sum()
    return out


def min_variance_weights(
    cov: Floats,
    *,
    max_weight: float | None,
    roles: Sequence[str],
    role_caps: Mapping[str, float],
) -> Floats:
    """Long-only minimum-variance weights with the caps as constraints.

    Notes
    -----
    ``EfficientFrontier.min_volatility`` with bounds ``(0, max_weight)`` and
    ``add_sector_constraints`` for the role caps: the caps shape the optimum
    instead of being forced on afterwards, which would no longer be minimum
    variance.
    """
    from pypfopt import EfficientFrontier

    n = cov.shape[0]
    ef = EfficientFrontier(None, cov, weight_bounds=(0, 1 if max_weight is None else max_weight))
    capped = {r: c for r, c in role_caps.items() if r in roles}
    if capped:
        mapper = dict(enumerate(roles))
        lower = dict.fromkeys(set(roles), 0.0)
        upper = {r: capped.get(r, 1.0) for r in set(roles)}
        ef.add_sector_constraints(mapper, lower, upper)
    return _solve(ef.min_volatility, n, "minimum variance")


def caps_feasible(
    n_by_role: Mapping[str, int], max_weight: float | None, role_caps: Mapping[str, float]
) -> bool:
    """Whether names and roles can hold 100 % without breaking a cap."""
    room = 0.0
    for role, n in n_by_role.items():
        per_role = n * (1.0 if max_weight is None else max_weight)
        room += min(per_role, role_caps.get(role, 1.0))
    return room >= 1.0 - 1e-9


def apply_caps(
    weights: Floats,
    *,
    max_weight: float | None,
    roles: Sequence[str],
    role_caps: Mapping[str, float],
) -> Floats:
    """Cap names and roles, handing the excess to the uncapped names pro rata.

    Notes
    -----
    The usual index-provider rule ("cap and redistribute"): clip, then spread
    what was cut over the names still below their caps in proportion to their
    uncapped weights, and repeat until nothing moves. It keeps the scheme's
    shape among the uncapped names. When the caps cannot hold 100 %
    (:func:`caps_feasible` is False) the remainder stays in cash: caps are
    risk limits, so they win over being fully invested.
    """
    base = np.asarray(weights, dtype=np.float64)
    if base.sum() <= 0:
        return np.zeros_like(base)
    base = base / base.sum()
    role_arr = np.asarray(roles, dtype=object)
    cap_name = np.inf if max_weight is None else max_weight
    w = base.copy()
    for _ in range(200):
        w = np.minimum(w, cap_name)
        frozen = w >= cap_name - _TOL
        for role, cap in role_caps.items():
            member = role_arr == role
            total = w[member].sum()
            if total > cap + _TOL:
                w[member] *= cap / total
            if member.any() and w[member].sum() >= cap - _TOL:
                frozen |= member
        excess = 1.0 - w.sum()
        free = ~frozen & (base > 0)
        if excess <= 1e-12 or not free.any():
            break
        share = base[free] / base[free].sum()
        w[free] += excess * share
    out: Floats = np.clip(w, 0.0, None)
    return out


def spectrum(cov: Floats, sample: Floats | None = None) -> tuple[float, float, int]:
    """(smallest, largest eigenvalue, numerical rank) of ``cov``, the singularity test's inputs.

    When ``cov`` is the sample covariance of ``sample`` (sessions × names, scaled
    by a constant) and there are no more sessions than names, the covariance
    has rank at most ``sessions − 1`` and so is singular; its non-zero
    eigenvalues are those of the sessions × sessions Gram matrix, which is far
    smaller (a 1,000-name basket on 126 sessions: 126² instead of 1,000²).
    """
    n = cov.shape[0]
    if sample is not None and 1 <= len(sample) <= n and sample.shape[1] == n:
        centred = sample - sample.mean(axis=0)
        scale = float(cov[0, 0]) / float(centred[:, 0] @ centred[:, 0]) if cov[0, 0] else 0.0
        if scale > 0 and np.isfinite(scale):
            gram = np.linalg.eigvalsh(centred @ centred.T) * scale
            top = float(gram[-1])
            return 0.0, top, int(np.sum(gram > SINGULAR_RCOND * top))
    eig = np.linalg.eigvalsh(cov)
    return float(eig[0]), float(eig[-1]), int(np.sum(eig > SINGULAR_RCOND * eig[-1]))


def decide_weights(
    scheme: Scheme,
    cov: Floats,
    *,
    max_weight: float | None,
    roles: Sequence[str],
    role_caps: Mapping[str, float],
    sample: Floats | None = None,
) -> WeightDecision:
    """Weights for one rebalance from the eligible names' covariance (annualised).

    Notes
    -----
    Fallbacks, each stated in ``notes``: a singular covariance (smallest to
    largest eigenvalue below :data:`SINGULAR_RCOND`, e.g. two names with the
    same prices, or fewer sessions than names) turns risk parity and minimum
    variance into inverse volatility, which needs only the diagonal; a
    solver failure does the same; caps that cannot hold 100 % leave the
    remainder in cash. ``sample``, the returns ``cov`` was estimated from,
    lets a short window's singularity be found without decomposing ``cov``
    (:func:`spectrum`).
    """
    n = cov.shape[0]
    notes: list[str] = []
    counts: dict[str, int] = {}
    for r in roles:
        counts[r] = counts.get(r, 0) + 1
    feasible = caps_feasible(counts, max_weight, role_caps)
    if not feasible:
        notes.append(f"caps cannot hold 100% with {n} name(s); the remainder is held in cash")
    vols = np.sqrt(np.diag(cov))
    used: str = scheme
    if scheme == "equal":
        raw = np.full(n, 1.0 / n)
    elif scheme == "inverse-vol":
        raw = inverse_vol_weights(vols)
    else:
        smallest, largest, rank = spectrum(cov, sample)
        if smallest <= SINGULAR_RCOND * largest:
            notes.append(
                f"covariance of {n} names is singular (rank {rank}); "
                f"{scheme} fell back to inverse-vol"
            )
            used, raw = "inverse-vol", inverse_vol_weights(vols)
        elif scheme == "min-variance" and not feasible:
            used, raw = "inverse-vol", inverse_vol_weights(vols)
            notes.append("min-variance needs feasible caps; fell back to inverse-vol")
        else:
            try:
                if scheme == "risk-parity":
                    raw = risk_parity_weights(cov)
                else:
                    raw = min_variance_weights(
                        cov, max_weight=max_weight, roles=roles, role_caps=role_caps
                    )
            except SolverFailed as exc:
                notes.append(f"{scheme} solver failed ({exc}); fell back to inverse-vol")
                used, raw = "inverse-vol", inverse_vol_weights(vols)
    w = apply_caps(raw, max_weight=max_weight, roles=roles, role_caps=role_caps)
    if not np.all(np.isfinite(w)):  # pragma: no cover - guarded above; never hand out NaN
        notes.append("weights were not finite; fell back to equal weight")
        w = apply_caps(np.full(n, 1.0 / n), max_weight=max_weight, roles=roles, role_caps=role_caps)
    return WeightDecision(w, used, tuple(notes))
