"""Headline sentences from computed numbers, each figure linked to the row it came from.

Templates only: a sentence is written when its numbers exist, and every
number in it is a cell of the rally or group table (the link says which).
Nothing here computes a figure; missing numbers drop the clause.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from markupsafe import Markup, escape

from themelens.analytics.unusual import GroupDivergence, UnusualResult
from themelens.report.format import anchor, fmt_date, fmt_pct, link

__all__ = ["headline_sentences", "news_sentence", "unusual_sentence"]

_GROUP_LABEL = {"leader": "The leaders", "supply-chain": "The chip supply chain", "peer": "Peers"}


def _name(ticker: str, roles: Mapping[str, tuple[str, str, str]]) -> str:
    return roles[ticker][1] if ticker in roles else ticker


def _years_back(asof: pd.Timestamp, since: pd.Timestamp) -> float:
    return (asof - since).days / 365.25


def _cell(value: float, ticker: str, *, unit: str = "%", signed: bool = True) -> Markup:
    return link(fmt_pct(value, unit=unit, signed=signed), anchor("rally", ticker))


def benchmark_sentence(row: pd.Series, name: str) -> Markup | None:
    """'<Index> rose 4.20% on 2025-09-17 to its highest close since 2021-10-05; +41.00% this year; 7 straight weekly gains.'"""
    if pd.isna(row["return_1d_pct"]):
        return None
    t = str(row["ticker"])
    verb = "rose" if row["return_1d_pct"] >= 0 else "fell"
    parts = [
        Markup("{} {} {} on {}").format(
            escape(name),
            verb,
            _cell(abs(row["return_1d_pct"]), t, signed=False),
            fmt_date(row["asof"]),
        )
    ]
    if pd.isna(row["high_since"]):
        parts.append(Markup(" to an all-time high in the data"))
    elif _years_back(pd.Timestamp(row["asof"]), pd.Timestamp(row["high_since"])) >= 1:
        parts.append(
            Markup(" to its highest close since {}").format(
                link(fmt_date(row["high_since"]), anchor("rally", t))
            )
        )
    text = Markup("").join(parts)
    if not pd.isna(row["return_ytd_pct"]):
        text += Markup("; {} year to date").format(_cell(row["return_ytd_pct"], t))
    if int(row["win_streak_weeks"]) >= 2:
        text += Markup("; {} straight weekly gains").format(
            link(str(int(row["win_streak_weeks"])), anchor("rally", t))
        )
    return text + Markup(".")


def group_sentence(group: pd.Series, roles: Mapping[str, tuple[str, str, str]]) -> Markup | None:
    """'The leaders rose 5.10% on average on the day (equal weight, 3 names); Baidu led with +15.72%.'"""
    if pd.isna(group["return_1d_pct"]):
        return None
    label = _GROUP_LABEL.get(str(group["group"]), str(group["group"]).capitalize())
    verb = "rose" if group["return_1d_pct"] >= 0 else "fell"
    target = anchor("group", str(group["group"]))
    text = Markup("{} {} {} on average on the day (equal weight, {} names)").format(
        label,
        verb,
        link(fmt_pct(abs(group["return_1d_pct"]), signed=False), target),
        int(group["members"]),
    )
    if group["best_1d_ticker"] and int(group["members"]) > 1:
        t = str(group["best_1d_ticker"])
        text += Markup("; {} led with {}").format(_name(t, roles), _cell(group["best_1d_pct"], t))
    if not pd.isna(group["return_ytd_pct"]):
        text += Markup(", and the group averages {} year to date").format(
            link(fmt_pct(group["return_ytd_pct"]), target)
        )
    return text + Markup(".")


def highs_sentence(
    rows: pd.DataFrame, roles: Mapping[str, tuple[str, str, str]], *, min_years: float = 3.0
) -> Markup | None:
    """Names at record closes (no higher close in the data: ``high_since`` empty) and at
    multi-year highs (the latest earlier higher close ``min_years`` or more back)."""
    records, highs = [], []
    for _, row in rows.iterrows():
        t = str(row["ticker"])
        if pd.isna(row["return_1d_pct"]):
            continue  # no session on the day: not a close at a high
        if pd.isna(row["high_since"]):
            records.append(Markup("{}").format(link(_name(t, roles), anchor("rally", t))))
            continue
        years = _years_back(pd.Timestamp(row["asof"]), pd.Timestamp(row["high_since"]))
        if years >= min_years:
            highs.append(
                Markup("{} (highest since {})").format(
                    _name(t, roles), link(fmt_date(row["high_since"]), anchor("rally", t))
                )
            )
    parts = []
    if records:
        parts.append(
            Markup("Record closes (the highest in their price history): ")
            + Markup(", ").join(records)
        )
    if highs:
        parts.append(Markup("multi-year highs: ") + Markup(", ").join(highs))
    if not parts:
        return None
    text = Markup("; ").join(parts) + Markup(".")
    return Markup(text[:1].upper()) + Markup(text[1:])


def news_sentence(tally: pd.Series, articles: int) -> Markup:
    """'News check: 24 numeric claims in 5 articles; of 18 checked, 15 supported, 1 contradicted.'"""
    counts = [
        f"{int(tally[k])} {label}"
        for k, label in (
            ("supported", "supported"),
            ("supported_intraday", "supported intraday"),
            ("contradicted", "contradicted"),
            ("misdated", "misdated"),
            ("unverifiable", "unverifiable"),
        )
        if k in tally and int(tally[k])
    ]
    text = Markup("News check: {} numeric claims in {} article{}").format(
        int(tally["claims"]), articles, "" if articles == 1 else "s"
    )
    if int(tally["checked"]):
        text += Markup("; of {} checked against the data, {}").format(
            link(str(int(tally["checked"])), "news"), ", ".join(counts)
        )
    return text + Markup(".")


def headline_sentences(
    rows: pd.DataFrame,
    groups: pd.DataFrame | None,
    roles: Mapping[str, tuple[str, str, str]],
    benchmark: str | None,
    benchmark_name: str | None,
) -> list[Markup]:
    """The headline, in reading order: benchmark, each group, multi-year highs."""
    out: list[Markup] = []
    if benchmark is not None:
        bench = rows[rows["ticker"] == benchmark]
        if len(bench) and (s := benchmark_sentence(bench.iloc[0], benchmark_name or benchmark)):
            out.append(s)
    if groups is not None:
        out.extend(s for _, g in groups.iterrows() if (s := group_sentence(g, roles)) is not None)
    members = rows[rows["ticker"] != benchmark] if benchmark else rows
    if (s := highs_sentence(members, roles)) is not None:
        out.append(s)
    return out


def _rank_words(
    rank_pct: float, sessions: int, since: object, target: str, whose: str = "its"
) -> Markup:
    """'larger than on 99.6% of its 1,103 sessions since 2021-03-24', the figures linked."""
    return Markup("larger than on {} of {} {} sessions since {}").format(
        link(f"{rank_pct:.1f}%", target), whose, link(f"{sessions:,}", target), fmt_date(since)
    )


def _spread_clause(d: GroupDivergence) -> Markup:
    first = _GROUP_LABEL.get(d.first, d.first.capitalize())
    second = _GROUP_LABEL.get(d.second, d.second.capitalize()).lower()
    target = anchor("unusual", "spread", d.first, d.second)
    how = "moved in opposite directions" if d.opposite else "pulled apart"
    return Markup("{} ({}) and {} ({}) {}: a spread of {} points, {}").format(
        first, link(fmt_pct(d.first_pct), target), second, link(fmt_pct(d.second_pct), target),
        how, link(f"{d.spread_pct:+.2f}", target),
        _rank_words(d.rank_pct, d.sessions, d.since, target, "their"),
    )  # fmt: skip


def unusual_sentence(
    result: UnusualResult, roles: Mapping[str, tuple[str, str, str]]
) -> Markup | None:
    """'Unusual: Baidu's +15.72% was larger than on 99.6% of its 1,103 sessions since …'

    Moves and group spreads in the top ``100 - threshold`` % of their own
    history are named; when none is, the most unusual move is given for scale,
    so a reader knows the day was checked and how it ranked.
    """
    if result.moves.empty and not result.divergences:
        return None
    top = f"top {100 - result.threshold_pct:g}%"
    flagged = result.flagged_moves()
    clauses: list[Markup] = []
    for _, row in flagged.iterrows():
        t = str(row["ticker"])
        clauses.append(
            Markup("{}'s {} was {}").format(
                _name(t, roles),
                link(fmt_pct(row["return_1d_pct"]), anchor("unusual", t)),
                _rank_words(
                    row["rank_pct"], int(row["sessions"]), row["since"], anchor("unusual", t)
                ),
            )
        )
    clauses.extend(_spread_clause(d) for d in result.flagged_divergences())
    if clauses:
        return Markup("Unusual ({} of their own history): ").format(top) + Markup("; ").join(
            clauses
        ) + Markup(".")  # fmt: skip
    if result.moves.empty:
        return Markup("Nothing unusual: no move or group spread in the {} of its history.").format(
            top
        )
    row = result.moves.iloc[0]
    t = str(row["ticker"])
    return Markup("Nothing in the {} of its own history: the most unusual move was {}'s {}, {}.").format(
        top,
        _name(t, roles),
        link(fmt_pct(row["return_1d_pct"]), anchor("unusual", t)),
        _rank_words(row["rank_pct"], int(row["sessions"]), row["since"], anchor("unusual", t)),
    )  # fmt: skip
