"""Equal-weight group figures from per-ticker rally rows (leaders, supply chain, peers).

A report says "the supply chain rose 6.1% on the day"; that number is the
plain mean of the group's members' returns, computed here so the report only
prints it.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

__all__ = ["GROUP_RETURN_COLUMNS", "summarise_groups"]

GROUP_RETURN_COLUMNS = ("return_1d_pct", "return_1w_pct", "return_1m_pct", "return_ytd_pct")


def summarise_groups(rows: pd.DataFrame, groups: Mapping[str, str]) -> pd.DataFrame:
    """Mean return per group and horizon, with the member count and the best 1-day mover.

    Parameters
    ----------
    rows
        Rally rows (``RallyResult.to_frame()``): ``ticker`` and the return columns.
    groups
        Ticker → group name; tickers not in it are ignored.

    Returns
    -------
    DataFrame with ``group, members, return_1d_pct, return_1w_pct,
    return_1m_pct, return_ytd_pct, best_1d_ticker, best_1d_pct``, one row per
    group in the order groups first appear. Means skip missing values
    (a ticker without a year of history has no ytd).
    """
    frame = rows[rows["ticker"].isin(list(groups))].copy()
    frame["group"] = frame["ticker"].map(groups)
    order = list(dict.fromkeys(groups[t] for t in frame["ticker"]))
    out = []
    for name in order:
        members = frame[frame["group"] == name]
        record: dict[str, object] = {"group": name, "members": len(members)}
        for column in GROUP_RETURN_COLUMNS:
            record[column] = (
                float(members[column].mean(skipna=True))
                if members[column].notna().any()
                else float("nan")
            )
        has_1d = members["return_1d_pct"].notna().any()
        best = (
            members.iloc[int(np.nanargmax(members["return_1d_pct"].to_numpy()))] if has_1d else None
        )
        record["best_1d_ticker"] = None if best is None else best["ticker"]
        record["best_1d_pct"] = float("nan") if best is None else float(best["return_1d_pct"])
        out.append(record)
    columns = ["group", "members", *GROUP_RETURN_COLUMNS, "best_1d_ticker", "best_1d_pct"]
    return pd.DataFrame.from_records(out, columns=columns)
