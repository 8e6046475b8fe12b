"""The report's basket: the theme's members as a risk-managed basket, backtested to the as-of date.

The basket is the one the issue describes ("exposure to Alibaba and its
supply-chain beneficiaries ... requires risk management"): leaders, supply
chain and peers, weighted by risk parity, at most 25 % a name and 60 % in
leaders, scaled to 20 % annualised volatility, braked after a 15 % drawdown,
rebalanced monthly at 10 bps, over the five years to the as-of date (long
enough for a full cycle of the 2021–2024 slump and the 2025 rally, short enough
that the report's optimiser runs ~60 rebalances, not one per month since 1980).
``themelens basket backtest`` runs any other choice and window.
"""

from __future__ import annotations

from typing import Final

import pandas as pd

from themelens.analytics.basket import BasketResult, BasketSpec, backtest_basket
from themelens.pipeline.model import RunInputs
from themelens.theme import MEMBER_ROLES

__all__ = ["REPORT_BASKET", "basket_step"]

REPORT_BASKET: Final = BasketSpec.build(
    scheme="risk-parity",
    rebalance="monthly",
    max_weight=0.25,
    role_caps={"leader": 0.60},
    vol_target=0.20,
    brake=0.15,
    cost_bps=10.0,
)
"""The spec the report shows."""

_YEARS: Final = 5


def basket_step(inputs: RunInputs) -> BasketResult | None:
    """Backtest :data:`REPORT_BASKET` on the theme's members; None with fewer than two priced."""
    roles = {t: r for t, (_, _, r) in inputs.roles.items() if r in MEMBER_ROLES}
    have = set(inputs.prices["ticker"].unique()) if len(inputs.prices) else set()
    members = [t for t in roles if t in have]
    if len(members) < 2:
        return None
    bench = inputs.benchmark if inputs.benchmark in have else None
    end = pd.Timestamp(inputs.asof) if inputs.asof else inputs.prices["date"].max()
    start = (end - pd.DateOffset(years=_YEARS)).date()
    return backtest_basket(
        inputs.prices,
        members,
        spec=REPORT_BASKET,
        benchmark=bench,
        roles=roles,
        start=start,
        end=end.date(),
    )
