"""Expected-return models for event studies: vectorised over events, and a statsmodels reference.

Three models (MacKinlay 1997, "Event Studies in Economics and Finance",
J. Econ. Lit. 35(1), section 4):

``market``
    ``R = alpha + beta * R_m + e`` fitted by OLS on the estimation window;
    ``k = 2`` parameters, residual variance ``SSR / (n - 2)``.
``mean-adjusted``
    ``R = mu + e``; ``k = 1``, variance ``SSR / (n - 1)`` (the sample variance).
``market-adjusted``
    ``R = R_m + e`` with nothing estimated (``alpha = 0``, ``beta = 1``);
    ``k = 0``, variance ``SSR / n``.

The variance of the CAR over the first ``j`` event days includes the
estimation error of the fitted parameters (Campbell, Lo & MacKinlay 1997,
eq. 4.4.9): for the market model
``sigma² · (j + j²/n + (S_j - j·x̄)² / Sxx)`` with ``S_j`` the sum of the
benchmark returns over those days, ``x̄`` and ``Sxx`` the estimation window's
benchmark mean and centred sum of squares; ``sigma² · (j + j²/n)`` for the
mean-adjusted model and ``sigma² · j`` for the market-adjusted one.
:func:`fit_vectorised` computes all of it in closed form over (E, W) arrays;
:func:`fit_statsmodels` does one event with ``statsmodels.OLS`` and
``get_prediction``, and the tests hold the two to 1e-10.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import numpy.typing as npt

__all__ = [
    "MODEL_PARAMS",
    "ModelFit",
    "ModelName",
    "OneFit",
    "fit_statsmodels",
    "fit_vectorised",
    "fit_zeroed",
]

ModelName = Literal["market", "market-adjusted", "mean-adjusted"]
MODEL_PARAMS: Final[dict[str, int]] = {"market": 2, "mean-adjusted": 1, "market-adjusted": 0}
"""Parameters each model estimates (``k``); the residual variance has ``n - k`` degrees of freedom."""

Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class ModelFit:
    """The fitted model of E events: per-event (E,) statistics and per-day (E, L) arrays.

    ``resid`` holds the estimation-window residuals (0 where a day is not
    used; (E, 0) when the study reduced them block by block, see ``_blocks``); ``car_var[:, j]`` is the variance of the CAR over event days
    ``0..j`` (cumulative, estimation error included); ``degenerate`` marks
    fits that cannot be used (no benchmark variation, zero residual variance).
    """

    alpha: Floats
    beta: Floats
    sigma2: Floats
    n: npt.NDArray[np.int64]
    resid: Floats
    expected: Floats
    ar: Floats
    car_var: Floats
    degenerate: Bools


def fit_vectorised(
    model: ModelName,
    y_est: Floats,
    x_est: Floats,
    ok: Bools,
    y_evt: Floats,
    x_evt: Floats,
) -> ModelFit:
    """Fit ``model`` for every event at once.

    Parameters
    ----------
    model
        One of :data:`ModelName`.
    y_est, x_est
        (E, W) stock and benchmark returns over the estimation windows.
    ok
        (E, W) usable-day mask; other cells are ignored whatever they hold.
    y_evt, x_evt
        (E, L) stock and benchmark returns over the event windows.

    Returns
    -------
    ModelFit

    Notes
    -----
    Zeroes the masked cells and calls :func:`fit_zeroed`, which has the method.
    """
    y = np.where(ok, y_est, 0.0)
    x = np.where(ok, x_est, 0.0)
    n = np.count_nonzero(ok, axis=1).astype(np.int64)
    return fit_zeroed(model, y, x, ok, n, y_evt, x_evt)


def fit_zeroed(
    model: ModelName,
    y_est: Floats,
    x_est: Floats,
    ok: Bools,
    n: npt.NDArray[np.int64],
    y_evt: Floats,
    x_evt: Floats,
    *,
    overwrite: bool = False,
) -> ModelFit:
    """:func:`fit_vectorised` on windows whose masked cells already hold 0, ``n`` usable per row.

    What :class:`~themelens.analytics.events._data.EventWindows` holds, so the
    study skips a pass over every (E, W) array. With ``overwrite`` the fit
    may write into ``y_est`` and ``x_est`` (the returned ``resid`` is then
    ``y_est``'s memory): the study's block windows are copies made for the
    fit, and reusing them spares two fresh (E, W) arrays per block.

    Notes
    -----
    Closed-form OLS on centred sums (``beta = Sxy / Sxx``, ``alpha = ȳ - beta x̄``):
    centring first keeps the sums well conditioned for returns of order 1e-2,
    which is what lets the result match statsmodels' QR/pinv solution to
    1e-10. Masked cells are zero before every sum, so one pass of
    vectorised reductions serves events with different numbers of days; the
    row sums of products are ``einsum`` calls, which need no (E, W) temporary.
    """
    k = MODEL_PARAMS[model]
    nf = np.maximum(n, 1).astype(np.float64)
    ybar = y_est.sum(axis=1) / nf
    steps = np.arange(1, y_evt.shape[1] + 1, dtype=np.float64)[None, :]
    degenerate = n <= k
    if model == "market":
        xbar = x_est.sum(axis=1) / nf
        dx = _centred(x_est, xbar, ok, overwrite)
        resid = _centred(y_est, ybar, ok, overwrite)
        sxx = _row_dot(dx, dx)
        degenerate |= ~(sxx > 0)
        safe = np.where(sxx > 0, sxx, 1.0)
        beta = _row_dot(dx, resid) / safe
        alpha = ybar - beta * xbar
        expected = alpha[:, None] + beta[:, None] * x_evt
        s_j = np.cumsum(x_evt, axis=1)
        spread = (s_j - steps * xbar[:, None]) ** 2 / safe[:, None]
        inflate = steps + steps**2 / nf[:, None] + spread
        dx *= beta[:, None]
        resid -= dx  # y - alpha - beta x around the means; 0 where masked
    elif model == "mean-adjusted":
        alpha, beta = ybar, np.zeros_like(ybar)
        expected = np.broadcast_to(ybar[:, None], y_evt.shape).copy()
        inflate = steps + steps**2 / nf[:, None]
        resid = _centred(y_est, ybar, ok, overwrite)
    else:
        alpha, beta = np.zeros_like(ybar), np.ones_like(ybar)
        expected = x_evt.copy()
        inflate = np.broadcast_to(steps, y_evt.shape)
        resid = np.subtract(y_est, x_est, out=y_est if overwrite else None)
    sigma2 = _row_dot(resid, resid) / np.maximum(n - k, 1).astype(np.float64)
    degenerate |= ~(sigma2 > 0)
    return ModelFit(
        alpha=alpha,
        beta=beta,
        sigma2=sigma2,
        n=n,
        resid=resid,
        expected=expected,
        ar=y_evt - expected,
        car_var=sigma2[:, None] * inflate,
        degenerate=degenerate,
    )


def _centred(values: Floats, mean: Floats, ok: Bools, overwrite: bool) -> Floats:
    """``values - mean`` per row, 0 where not ``ok`` (in ``values`` with ``overwrite``, else fresh)."""
    out = np.subtract(values, mean[:, None], out=values if overwrite else None)
    out *= ok
    return out


def _row_dot(a: Floats, b: Floats) -> Floats:
    """Row-wise dot product of two (E, W) arrays, without an (E, W) temporary."""
    out: Floats = np.einsum("ij,ij->i", a, b)
    return out


@dataclass(frozen=True)
class OneFit:
    """One event fitted by :func:`fit_statsmodels` (1-D arrays over the event window)."""

    alpha: float
    beta: float
    sigma2: float
    n: int
    resid: Floats
    expected: Floats
    ar: Floats
    car_var: Floats


def fit_statsmodels(
    model: ModelName, y_est: Floats, x_est: Floats, y_evt: Floats, x_evt: Floats
) -> OneFit:
    """Fit one event with ``statsmodels.OLS`` (the reference path; inputs without NaN).

    Notes
    -----
    The market and mean-adjusted models are regressions (on ``[1, R_m]`` and
    on a constant); ``get_prediction(event_exog)`` gives the expected returns
    and ``event_exog · cov_params · event_exog'`` the covariance of those
    predictions, whose partial sums plus ``j · sigma²`` are the CAR
    variances. The market-adjusted model estimates nothing, so it is plain
    arithmetic here too. This is the per-event loop STYLE.md describes; it is
    what :func:`fit_vectorised` is tested and benchmarked against.
    """
    import statsmodels.api as sm

    steps = np.arange(1, len(y_evt) + 1, dtype=np.float64)
    if model == "market-adjusted":
        resid = y_est - x_est
        sigma2 = float(resid @ resid / len(y_est))
        return OneFit(0.0, 1.0, sigma2, len(y_est), resid, x_evt, y_evt - x_evt, sigma2 * steps)
    if model == "market":
        exog = np.column_stack([np.ones_like(x_est), x_est])
        exog_evt = np.column_stack([np.ones_like(x_evt), x_evt])
    else:
        exog = np.ones((len(y_est), 1))
        exog_evt = np.ones((len(y_evt), 1))
    res = sm.OLS(y_est, exog).fit()
    frame = res.get_prediction(exog_evt).summary_frame(alpha=0.05)
    expected = frame["mean"].to_numpy(dtype=np.float64)
    cov = exog_evt @ np.asarray(res.cov_params()) @ exog_evt.T
    partial = np.array([cov[:j, :j].sum() for j in range(1, len(y_evt) + 1)])
    params = np.asarray(res.params, dtype=np.float64)
    sigma2 = float(res.scale)
    return OneFit(
        alpha=float(params[0]),
        beta=float(params[1]) if model == "market" else 0.0,
        sigma2=sigma2,
        n=len(y_est),
        resid=np.asarray(res.resid, dtype=np.float64),
        expected=expected,
        ar=y_evt - expected,
        car_var=sigma2 * steps + partial,
    )
