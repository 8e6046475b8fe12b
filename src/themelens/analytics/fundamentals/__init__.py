"""Fundamentals: capex tracker, valuation spread and z-scores, price vs earnings expectations.

The capex tracker is ``_capex`` (definitions in its docstring), its result
``_capex_result``; valuation is ``_valuation``, the price gap ``_price_gap``.
The package exports everything public. Definitions:

Valuation (:func:`compare_valuation`)
    Per ticker the latest forward and trailing P/E on or before ``asof``.
    ``z_fwd_5y = (pe − mean) / std`` over the ticker's own observations in the
    five years up to that date (sample std, ``ddof=1``), and likewise
    ``z_trailing_5y``. With fewer than ``min_observations`` points, or no
    spread, the z-score is NaN and ``note`` says so — absent, never 0.
Spread
    ``spread_x = pe_subject − pe_reference`` (multiple points) and
    ``discount_pct = (pe_subject / pe_reference − 1) × 100``, for the theme's
    index against each other benchmark, and for the theme's members as a
    group. The group multiple is the harmonic mean ``n / Σ 1/pe_i`` over
    members with a positive P/E: it is the P/E of an equal-weight portfolio
    (average earnings yield inverted), which an arithmetic mean of multiples
    overstates. Loss-makers (P/E ≤ 0 or missing) are left out and named.
Price vs fundamentals gap (:func:`price_vs_fundamentals`)
    Over one window, ``R_p = P_end / P_start − 1`` (close) and
    ``R_e = E_end / E_start − 1`` (forward EPS; where the source gives only a
    forward P/E and a price, ``E = price / pe_fwd``). The gauge is
    ``gap_pp = (R_p − R_e) × 100`` — how far the price ran ahead of (positive)
    or behind (negative) earnings expectations — and, exactly,
    ``rerating_pct = ((1 + R_p) / (1 + R_e) − 1) × 100``, the change of the
    forward multiple, since ``P/E`` moves by ``(1 + R_p) / (1 + R_e)``. No
    constants enter either; a non-positive EPS at the start leaves both NaN.
"""

from themelens.analytics.fundamentals._capex import (
    CAPEX_ROW_COLUMNS,
    GAP_COLUMNS,
    TOTAL_COLUMNS,
    YOY_MATCH_DAYS,
    RateSource,
    capex_rates_needed,
    track_capex,
)
from themelens.analytics.fundamentals._capex_result import CapexResult
from themelens.analytics.fundamentals._price_gap import (
    PRICE_GAP_COLUMNS,
    PriceGapResult,
    price_vs_fundamentals,
)
from themelens.analytics.fundamentals._valuation import (
    SPREAD_COLUMNS,
    VALUATION_ROW_COLUMNS,
    ValuationResult,
    compare_valuation,
    harmonic_pe,
    zscore_vs_history,
)

__all__ = [
    "CAPEX_ROW_COLUMNS",
    "GAP_COLUMNS",
    "PRICE_GAP_COLUMNS",
    "SPREAD_COLUMNS",
    "TOTAL_COLUMNS",
    "VALUATION_ROW_COLUMNS",
    "YOY_MATCH_DAYS",
    "CapexResult",
    "PriceGapResult",
    "RateSource",
    "ValuationResult",
    "capex_rates_needed",
    "compare_valuation",
    "harmonic_pe",
    "price_vs_fundamentals",
    "track_capex",
    "zscore_vs_history",
]
