"""Metrics: what a number measures, read from the words around it.

``classify`` looks at the cue words of the number's clause and picks the
metric whose cue stands nearest: "a 123% surge in capital spending" is
``capex_growth_pct``, "raised $3.2 billion in convertible bonds"
``bond_issuance``, "21 times forward earnings" ``forward_pe``. Blocking cues
compete too, so a number nearest to a word no metric measures ("market
share", "revenue of", "a valuation of") yields None: it is not a claim.

The claims stated in words rather than figures ("a four-year high") are
read by ``phrases``.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Final

from themelens.news.extract.numbers import Quantity
from themelens.news.extract.qualifiers import LIMIT_RE, QualifierName
from themelens.news.extract.scan import Branch, Folded, first_matches, lowered

__all__ = ["DOWN_WORDS", "UP_WORDS", "MetricCall", "classify"]


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


_UP = (
    r"ros[e]|rises?|rising|risen|gain(?:ed|s|ing)?|jump(?:ed|s|ing)?|surg(?:e|ed|es|ing)|"
    r"soar(?:ed|s|ing)?|climb(?:ed|s|ing)?|rall(?:y|ied|ies|ying)|advanc(?:e|ed|es|ing)|added|"
    r"skyrocket(?:ed|ing|s)?|increas(?:e|ed|es|ing)|up|higher|spik(?:e|ed)|rebound(?:ed|s)?|"
    r"leap(?:t|ed|s)?|popped|grew|grow(?:s|ing|th)?|boost(?:ed)?|doubled|expan(?:d|ded|sion)|"
    r"upswing|uptick|rise|lift(?:ed)?|firmed|outperform(?:ed)?|accelerat(?:e|ed|es|ing)|"
    r"bounc(?:e|ed|es|ing)|recover(?:ed|s|ing)?|edg(?:e|ed|es|ing)\s+up|inch(?:ed|es|ing)?\s+up|"
    r"tick(?:ed)?\s+up|perk(?:ed)?\s+up|rocket(?:ed|s|ing)?|zoom(?:ed|s)?|gain"
)
_DOWN = (
    r"fell|fall(?:s|ing|en)?|drop(?:ped|s|ping)?|declin(?:e|ed|es|ing)|slump(?:ed|s)?|slid|slides?|"
    r"decreasing|"
    r"slip(?:ped|s)?|tumbl(?:e|ed|es)|plung(?:e|ed|es)|sank|sink(?:s|ing)?|lost|los(?:e|es|ing|s)|"
    r"shed|retreat(?:ed|s)?|down|lower|decreas(?:e|ed|es)|crash(?:ed)?|tank(?:ed)?|eased|"
    r"weaken(?:ed)?|contract(?:ed|ion)|shrank|shrink|dipped|dip|dived?|dove|plummet(?:ed|s|ing)?|"
    r"sagg?(?:ed|s|ing)?|skid(?:ded|s)?|sold\s+off|pared|erased|gave\s+up|surrendered|"
    r"edg(?:e|ed|es|ing)\s+down|inch(?:ed|es|ing)?\s+down|tick(?:ed)?\s+down|slump|slipping"
)
_CUES: Final[dict[str, re.Pattern[str]]] = {
    "capex": _rx(
        r"\b(?:capex|cap-ex|capital\s+(?:expenditures?|spending|investments?|outlays?)|"
        r"spending|spend(?:s)?|spent|expenditures?|outlays?|invest(?:ed|ing|s|ments?)?)\b"
    ),
    "plan": _rx(
        r"\b(?:plan(?:s|ned)?|pledg(?:e|ed|es|ing)|commit(?:s|ted|ment|ments)?|vow(?:ed|s)?|"
        r"earmark(?:ed|s)?|program(?:me)?|initiative|promis(?:e|ed)|budget(?:s|ed)?)\b"
    ),
    "bond": _rx(
        r"\b(?:bonds?|(?:convertible|senior|exchangeable)\s+notes?|notes?\s+offering|convertibles?|"
        r"debt\s+(?:offering|sale|issuance)|debentures|bond\s+market|notes|"
        r"(?:\w+-year|dim\s+sum|offshore|onshore|senior|unsecured)\s+debt)\b"
    ),
    "stake": _rx(r"\b(?:stake|shares|ADRs?|stock|worth\s+of|holdings?)\b"),
    "buy": _rx(r"\b(?:bought|purchas(?:ed|es|e|ing)|buy(?:s|ing)?|acquir(?:ed|es|ing)|(?:snapped|scooped|picked)\s+up|added)\b"),
    "flow": _rx(
        r"\b(?:net\s+(?:buy(?:ing)?|bought|purchases?|inflows?|outflows?|sell(?:ing)?|sold)|"
        r"inflows?|outflows?|southbound|northbound|ETF)\b"
    ),
    "market": _rx(  # the word before the look-behinds: a scan tries them only where it stands
        r"\bmarket(?<!bond\smarket)(?<!stock\smarket)(?<!equity\smarket)(?<!capital\smarket)"
        r"(?<!debt\smarket)(?<!offshore\smarket)\b(?!\s+(?:value|cap\w*|share|price|debut|rally|close))"
        r"|\bindustry\b"
    ),
    "target": _rx(
        r"\b(?:price\s+targets?|target\s+prices?|price\s+objectives?|targets?|TPs?)\b"
    ),
    "revenue": _rx(r"\b(?:revenues?|sales|turnover|top\s+line)\b"),
    "income": _rx(
        r"\b(?:net\s+(?:income|profit)|profits?|earnings|bottom\s+line)\b(?![\s-]+taking)"
    ),
    "price": _rx(r"\b(?:shares|stocks?|ADRs|ADSs|H-shares|A-shares)\b"),
    "units": _rx(
        r"\b(?:shipments?|deliveries|users|MAUs?|DAUs?|subscribers|downloads|volumes?|"
        r"gross\s+gaming\s+revenues?|GGR|gaming\s+revenues?|visitors?|traffic|orders|"
        r"bookings|units|sales\s+volumes?|transactions|headcount|employees|output|production|"
        r"rides|trips|vehicles|cars|handsets|smartphones|customers|merchants|members)\b"
    ),
    "block_pct": _rx(
        r"\b(?:operating\s+(?:profits?|income|margins?)|gross\s+(?:profits?|margins?)|"
        r"EBITDA|EBIT|consensus|trailing|EPS|per\s+share|pegged|(?<!share\s)(?<!stock\s)prices|"
        r"market\s+share|share\s+of|stake|margins?|rates?|yields?|tariffs?|tax(?:es)?|"
        r"inflation|GDP|unemployment|users|penetration|utili[sz]ation|probability|chances?|odds|"
        r"discount|premium|ownership|weighting|accounts?\s+for|accounted\s+for|"
        r"of\s+(?:its|their|the)\s+(?:revenue|sales|portfolio|proceeds|funds|money|capital|offering)|"
        r"proceeds|population|respondents|weight(?:ing)?s?|constituents)\b"
    ),
    "block_money": _rx(
        r"\b(?:market\s+(?:value|cap\w*)|valuations?|valued|dividends?|buybacks?|repurchases?|"
        r"IPO|listing|acquisition|takeover|deal|fines?|penalty|salary|costs?|contracts?|orders|"
        r"loss(?:es)?|price(?!\s+target)|prices|fund(?:ing)?\s+round|round|cash|debt|"
        r"assets|reserves|charge|write-?downs?|placement|worth(?!\s+of))\b"
    ),
}  # fmt: skip
_CUE_WORDS: Final[dict[str, tuple[str, ...]]] = {
    "capex": ("cap", "spen", "expenditure", "outlay", "invest"),
    "plan": ("plan", "pledg", "commit", "vow", "earmark", "program", "initiative", "promis",
             "budget"),
    "bond": ("bond", "note", "convertible", "debt", "debenture"),
    "stake": ("stake", "shares", "adr", "stock", "worth", "holding"),
    "buy": (),
    "flow": ("net", "inflow", "outflow", "southbound", "northbound", "etf"),
    "market": ("market", "industry"),
    "target": ("target", "objective", "tp"),
    "revenue": ("revenue", "sales", "turnover", "top"),
    "income": ("income", "profit", "earnings", "bottom"),
    "price": ("shares", "stock", "adrs", "adss"),
    "units": ("shipment", "deliveries", "users", "mau", "dau", "subscribers", "downloads",
              "volume", "gaming", "ggr", "visitor", "traffic", "orders", "bookings", "units",
              "transactions", "headcount", "employees", "output", "production", "rides", "trips",
              "vehicles", "cars", "handsets", "smartphones", "customers", "merchants", "members"),
    "block_pct": ("operating", "gross", "ebit", "consensus", "trailing", "eps", "share", "pegged",
                  "prices", "stake", "margin", "rate", "yield", "tariff", "tax", "inflation",
                  "gdp", "unemployment", "users", "penetration", "utili", "probability", "chance",
                  "odds", "discount", "premium", "ownership", "weight", "account", "revenue",
                  "sales", "portfolio", "proceeds", "funds", "money", "capital", "offering",
                  "population", "respondents", "constituents"),
    "block_money": ("market", "valu", "dividend", "buyback", "repurchase", "ipo", "listing",
                    "acquisition", "takeover", "deal", "fine", "penalty", "salary", "cost",
                    "contract", "orders", "loss", "price", "round", "cash", "debt", "assets",
                    "reserves", "charge", "write", "placement", "worth"),
}  # fmt: skip
"""Words (lower case) one of which every match of the cue holds: a clause with none of them is
not scanned for it (``scan.first_matches``); an empty tuple: always scanned."""
_CUE_SCANS: Final[dict[str, Folded]] = {name: Folded(rx.pattern) for name, rx in _CUES.items()}
"""The cues as ``scan.Folded`` patterns: run on the lowered text, as the cue scans are."""
_MOVE_RE: Final = Folded(rf"(?<![-\w])(?:(?P<up>{_UP})|(?P<down>{_DOWN}))\b")
UP_WORDS: Final = _UP
"""Verbs and adverbs of a rise, as one regex alternation (no groups)."""
DOWN_WORDS: Final = _DOWN
"""Verbs and adverbs of a fall, as one regex alternation (no groups)."""
_IDLE_RE: Final = _rx(
    r"\b(?:unused|idle|underused|under-?utili[sz]ed|dormant|vacant|sit(?:ting)?\s+empty|"
    r"lying\s+empty|unoccupied)\b"
)
_PEAK_RE: Final = _rx(
    r"^\W{0,3}(?:\w+\s+){0,2}?(?:below|off|from|under|short\s+of|beneath)\s+"
    r"(?:(?:its|their|the|a|this\s+year['’]s|last\s+year['’]s)\s+)?"
    r"(?:[\w.-]+\s+){0,3}?(?:peak|record(?!\s+lows?)|(?:all-time\s+|record\s+|recent\s+)?high)s?\b"
)
_RETREAT_RE: Final = _rx(
    r"\b(?:retreat|pullback|pull-back|correction|sell-?off|rout|drawdown|slide)\s+of\s+"
    r"(?:(?:over|more\s+than|nearly|almost|about|around|roughly|some)\s+)?$"
)
_PE_RE: Final = _rx(
    r"\b(?:forward|P/?E\b|price[\s-]to[\s-]earnings|earnings\s+multiple|"
    r"times\s+(?:(?:projected|expected|estimated|next\s+year['’]s|its|their)\s+){0,2}"
    r"(?:(?:fiscal[\s-])?(?:20)?\d\d\s+)?earnings|valuation)"
)
_GROWTH_MARK_RE: Final = Folded(
    r"\b(?:year[\s-]on[\s-]year|year[\s-]over[\s-]year|from\s+a\s+year\s+(?:earlier|ago)|"
    r"quarter[\s-](?:on|over)[\s-]quarter|y/?o/?y|q/?o/?q)\b"
)
"""Growth against a year or quarter before: a result's change, not a day's price move, so
the measured noun ("revenue ... was RMB31bn, decreasing 7% year over year") may stand far."""
_PRICE_SUBJECT_RE: Final = _rx(
    r"\b(?:shares|stocks?|ADRs|ADSs|index|gauge|benchmark|barometer)\s+(?:[\w-]+\s+){0,2}$"
)
_BUDGET_RE: Final = Folded(r"\bbudget(?:s|ed)?\b")
_CONSENSUS_RE: Final = _rx(r"\b(?:consensus|analysts\s+(?:polled|surveyed|tracked))\b")
_TRAILING_RE: Final = _rx(r"\b(?:trailing|historical|TTM|last\s+twelve\s+months)\b")
_AFTER_BREAK_RE: Final = _rx(
    r",\s+(?:\w+\s+){0,3}?(?:said|says|told|reported|according|while|but|and|which|who|whose|"
    r"as|after|before|when)\b"
)
_JOIN_RE: Final = _rx(r"[,;]\s*(?:and|but|while|yet|with)\b")
_FROM_RE: Final = _rx(r"\b(?:from|was|previously|prior|versus|vs\.?)\s+$")
_RIGHT_STOP_RE: Final = Folded(
    r"\b(?:after|as|amid|following|because|since|when|which|while|despite|thanks|on\s+news|"
    r"ahead\s+of|before|respectively)\b|[;(]"
    r"|,\s+(?=\w+ing\b|the\b|a\b|an\b|and\b|but\b|according\b|up\b|down\b|from\b)"
)

_LEFT_REACH: Final = 160
_RIGHT_REACH: Final = 45
_MONEY_CUES: Final = (
    "capex", "bond", "flow", "market", "target", "block_money", "revenue", "income", "plan"
)  # fmt: skip


@dataclass(frozen=True)
class MetricCall:
    """A number's metric; ``negative`` flips a fall's sign; ``cue`` is the deciding word's span."""

    metric: str
    negative: bool = False
    qualifier: QualifierName | None = None
    cue: tuple[int, int] | None = None


def _nearest(
    text: str, names: tuple[str, ...], q: Quantity, lo: int, hi: int
) -> tuple[str, int, tuple[int, int]] | None:
    """The cue (name, distance, span) nearest to ``q`` within ``[lo, hi)``."""
    best: tuple[str, int, tuple[int, int]] | None = None
    left_lo = max(lo, q.start - _LEFT_REACH)
    q_end = max(q.end, q.outer_end)
    right_hi = min(hi, q_end + _RIGHT_REACH)
    if stop := _RIGHT_STOP_RE.search(text, q_end, right_hi):
        right_hi = stop.start()
    for start, end, name in _cues_from(text, names, lo, hi, left_lo):
        if start >= right_hi:
            break
        if end <= q.start:
            dist = q.start - end
        elif start >= q_end:
            if _AFTER_BREAK_RE.search(text, q_end, start):
                continue  # "rose 2% on Monday, said profit ...": the cue is another clause's
            dist = start - q_end + 8  # a cue before the number binds a little tighter
        else:
            continue
        if best is None or dist < best[1]:
            best = (name, dist, (start, end))
    return best


def _cues_from(
    text: str, names: tuple[str, ...], lo: int, hi: int, pos: int
) -> Iterator[tuple[int, int, str]]:
    """The cues a scan of ``text[pos:hi]`` finds, as (start, end, name), in order.

    The clause ``[lo, hi)`` is scanned once and the scan shared by all its
    numbers, so a clause of many numbers is not rescanned for each; ``hi`` is
    the scan's end for all of them (an earlier end would cut lookaheads). When
    a cue of that scan runs across ``pos``, a scan from ``pos`` could find
    another, so that one number scans for itself, as before.
    """
    starts, cues = _clause_cues(text, names, lo, hi)
    k = bisect_left(starts, pos)
    if k == 0 or cues[k - 1][1] <= pos:
        return iter(cues[k:])
    found = _cue_union(names).finditer(text, pos, hi)
    return ((m.start(), m.end(), str(m.lastgroup)) for m in found)


@lru_cache(maxsize=32)
def _clause_cues(
    text: str, names: tuple[str, ...], lo: int, hi: int
) -> tuple[list[int], list[tuple[int, int, str]]]:
    cues = [
        (m.start(), m.end(), names[k]) for k, m in first_matches(text, *_cue_scans(names), lo, hi)
    ]
    return [c[0] for c in cues], cues


@cache
def _cue_scans(names: tuple[str, ...]) -> tuple[list[Branch], re.Pattern[str]]:
    """The cues ``names`` as ``scan.first_matches`` branches (each scanned on its own, only
    where one of its words is) and their alternation: what ``_cue_union`` finds."""
    branches = [(_CUE_SCANS[name], _CUE_WORDS[name]) for name in names]
    union = "|".join(f"(?P<g{k}>{_CUES[name].pattern})" for k, name in enumerate(names))
    return branches, re.compile(union, re.IGNORECASE)


@cache
def _cue_union(names: tuple[str, ...]) -> Folded:
    """The cues ``names`` as one pattern (one scan, not one per cue); earlier names win a tie.

    Run on the lowered clause (``scan.Folded``): only offsets and group names are read.
    """
    return Folded("|".join(f"(?P<{name}>{_CUES[name].pattern})" for name in names))


def _move(text: str, q: Quantity, lo: int, hi: int) -> tuple[bool, tuple[int, int]] | None:
    """The price-move word nearest ``q`` (is it a fall?, span), within a short reach."""
    best: tuple[int, bool, tuple[int, int]] | None = None
    for m in _MOVE_RE.finditer(text, max(lo, q.start - 60), min(hi, q.end + 40)):
        if q.start <= m.start() < q.end:
            continue
        dist = q.start - m.end() if m.end() <= q.start else m.start() - q.end
        if best is None or dist < best[0]:
            best = (dist, m["down"] is not None, m.span())
    return (best[1], best[2]) if best else None


def _percent(text: str, q: Quantity, lo: int, hi: int) -> MetricCall | None:
    low = lowered(text)  # a pattern none of whose words the text holds is not run (``_has``)
    window = text[max(lo, q.start - 30) : min(hi, q.end + 30)]
    if _has(low, _LIMIT_WORDS) and LIMIT_RE.search(window):
        return MetricCall("return_pct", qualifier="limit_up")
    if _has(low, _IDLE_WORDS) and (m := _IDLE_RE.search(text, q.end, min(hi, q.end + 90))):
        return MetricCall("idle_capacity_pct", cue=m.span())
    if _has(low, ("peak", "record", "high")) and (m := _PEAK_RE.search(text[q.end : hi])):
        return MetricCall("drawdown_from_peak_pct", cue=(q.end, q.end + m.end()))
    if _has(low, _RETREAT_WORDS) and (
        m := _RETREAT_RE.search(text, max(lo, q.start - 40), q.start)
    ):
        return MetricCall("drawdown_from_peak_pct", cue=m.span())  # "a two-month retreat of 15%"
    if _has(low, ("consensus", "analysts")) and _CONSENSUS_RE.search(
        text, max(lo, q.start - 60), q.start
    ):
        return None  # "(consensus had net profit up 25%)": the market's guess, not a claim
    move = _move(text, q, lo, hi)
    cue = _nearest(text, ("block_pct", "units", "capex", "revenue", "income", "price"), q, lo, hi)
    if cue is not None and cue[0] == "price":
        cue = None  # "shares fell 17% on profit-taking": the noun that moves is the stock
    if (
        cue is not None
        and move is not None
        and cue[2][1] <= move[1][0] < q.start
        and _JOIN_RE.search(text, cue[2][1], move[1][0])
    ):
        cue = None  # "... boost AI spending, and they were up another 1.4%": another clause
    if (
        cue is not None
        and move is not None
        and move[1][1] <= q.start <= cue[2][0]
        and _PRICE_SUBJECT_RE.search(text, max(lo, move[1][0] - 40), move[1][0])
    ):
        cue = None  # "The tech index has risen 46% ... earnings": the subject that moves decides
    reach = 160 if _GROWTH_MARK_RE.search(text, max(lo, q.start - 40), min(hi, q.end + 30)) else 60
    if cue is not None and cue[1] <= reach:
        name = cue[0]
        if name in ("block_pct", "units") or (move is None and not q.signed):
            return None  # a share, a rate, a count of units: no metric of the spec
        metric = {"capex": "capex_growth_pct", "revenue": "revenue_growth_pct"}.get(
            name, "net_income_growth_pct"
        )  # a signed figure is its own move: "Net profit: +17% YoY"
        return MetricCall(metric, negative=move[0] if move else False, cue=cue[2])
    if move is None:
        return None
    return MetricCall("return_pct", negative=move[0] and not q.signed, cue=move[1])


_LIMIT_WORDS: Final = ("limit", "stop")
_IDLE_WORDS: Final = (
    "unused", "idle", "underused", "utili", "dormant", "vacant", "empty", "unoccupied"
)  # fmt: skip
_RETREAT_WORDS: Final = (
    "retreat", "pullback", "pull-back", "correction", "sell", "rout", "drawdown", "slide"
)  # fmt: skip
_STOCK_OF_MONEY_WORDS: Final = (
    "outstanding", "debt", "borrowings", "consensus", "average", "mean", "median", "analysts",
    "tracked", "stake", "holding", "position",
)  # fmt: skip
_BUY_WORDS: Final = ("bought", "purchas", "buy", "acquir", "snapped", "scooped", "picked", "added")
"""Words one of which every match of a pattern holds (``LIMIT_RE``, ``_IDLE_RE``, ...)."""


def _has(low: str | None, words: tuple[str, ...]) -> bool:
    """Whether ``low`` (``scan.lowered``) holds one of ``words``: else a case-blind pattern every
    match of which holds one cannot match. Always True where ``lowered`` refused the text."""
    return low is None or any(map(low.__contains__, words))


def _per_share(q: Quantity) -> bool:
    """A price target is a price per share: no scale word, well under 100,000."""
    return abs(q.value) < 1e5


def _money(text: str, q: Quantity, lo: int, hi: int) -> MetricCall | None:
    low = lowered(text)  # the clause-wide scans run on it (``scan.Folded``)
    if _has(low, _STOCK_OF_MONEY_WORDS) and _STOCK_OF_MONEY_RE.search_low(text, low, lo, hi):
        return None  # outstanding debt, a consensus or average target: no one's new figure
    if _has(low, ("buy", "bought", "repurchas")) and _BUYBACK_RE.search_low(text, low, lo, hi):
        return None  # a company buying its own shares is a buyback, which the spec does not count
    net = _has(low, ("net", "outflow"))
    if net and (m := _NET_SELL_RE.search(text, max(lo, q.start - 40), q.start)):
        return MetricCall("fund_flow", negative=True, cue=m.span())  # "net sellers of HK$3bn"
    if net and (m := _NET_SELL_AFTER_RE.match(text, max(q.end, q.outer_end))):
        return MetricCall("fund_flow", negative=True, cue=m.span())  # "HK$3bn of net selling"
    if net and (m := _NET_FLOW_RE.search(text, max(lo, q.start - 30), q.start)):
        return MetricCall("fund_flow", cue=m.span())  # "bought a net HK$8.2 billion"
    buy = _CUE_SCANS["buy"].search(text, lo, q.start) if _has(low, _BUY_WORDS) else None
    stake = _nearest(text, ("stake",), q, buy.end(), hi) if buy is not None else None
    if stake is not None and stake[1] <= 40:
        return MetricCall("stake_purchase", cue=stake[2])
    if buy is not None and (m := _DEAL_WORTH_RE.search(text, lo, q.start)):
        return MetricCall("stake_purchase", cue=m.span())  # "The purchase was worth $22.6 million"
    sees = _per_share(q) and _has(low, ("see", "expect", "predict", "forecast"))
    if sees and (m := _SEES_RE.search(text, max(lo, q.start - 90), q.start)):
        return MetricCall("price_target", cue=m.span())  # "sees the ADRs reaching $200"
    cue = _nearest(text, _MONEY_CUES, q, lo, hi)
    if cue is None:
        return None
    name, _, span = cue
    spent_on = _SPENT_ON_RE.match(text, max(q.end, q.outer_end))
    if (
        name in ("plan", "capex")
        and not _CAPEX_WORD_RE.match(text, span[0])
        and spent_on is not None
        and not _INFRA_RE.search(spent_on["obj"])
    ):
        return None  # "plans to spend 50 billion yuan on subsidies" is no AI investment
    if name in ("plan", "capex", "market", "bond") and abs(q.value) < 1e6:
        return None  # "invested $1,000 ... you'd have $652,133": not a company's or market's sum
    one_year_budget = _BUDGET_RE.search(text, lo, hi) and not _DURATION_RE.search(text, lo, hi)
    if name == "plan" and not one_year_budget:  # "pledged 380 billion yuan", "a $53 billion plan"
        return MetricCall("investment_plan", cue=span)
    if name in ("plan", "capex"):  # a year's budget for capital spending is that year's capex
        explicit = name == "capex" and _CAPEX_WORD_RE.match(text, span[0])  # "capital expenditure"
        plan = _DURATION_RE.search(text, lo, hi) or (
            not explicit and _CUE_SCANS["plan"].search(text, lo, hi)
        )  # "plans to raise its capex to 160 billion yuan in 2026" is that year's capex
        if plan and not one_year_budget:
            return MetricCall("investment_plan", cue=span)
        if name == "plan" and not _CUE_SCANS["capex"].search(text, lo, hi):
            return None
        return MetricCall("capex", cue=span)
    if name == "target" and (
        not _per_share(q) or _FROM_RE.search(text, max(lo, q.start - 16), q.start)
    ):
        return None  # "could be worth $20 billion"; the old target in "to US$245 from US$200"
    metric = {
        "bond": "bond_issuance", "flow": "fund_flow", "market": "market_size",
        "target": "price_target",
    }.get(name)  # fmt: skip
    return MetricCall(metric, cue=span) if metric else None


_NET_FLOW_RE: Final = _rx(r"\b(?:a\s+)?net\s+(?:(?:buy(?:ing)?|purchases?|inflows?)\s+of\s+)?$")
_STOCK_OF_MONEY_RE: Final = Folded(
    r"\b(?:outstanding|debt\s+(?:pile|load)|borrowings|consensus|(?:average|mean|median)\s+"
    r"(?:[\w-]+\s+)?(?:price\s+)?targets?|analysts\s+(?:polled|surveyed|tracked)|tracked\s+by|"
    r"(?:stake|holdings?|position)\s+(?:(?:is|was|are|were|now)\s+)?(?:worth|valued))\b"
)
_BUYBACK_RE: Final = Folded(
    r"\b(?:buy(?:s|ing)?\s+back|bought\s+back|buy-?backs?|repurchas(?:e|es|ed|ing))\b"
)
_NET_SELL_RE: Final = _rx(
    r"\b(?:net\s+(?:sell(?:ing|ers?|s)?|sold|sales?|outflows?|redemptions?)|outflows?)\b"
    r"(?:\s+(?:of|worth|totall?ing|amounting\s+to|at|reached|hit|exceeding|topping))?"
    r"(?:\s+(?:a|an|about|around|nearly|almost|over|more\s+than|some|roughly))*\s*$"
)
_NET_SELL_AFTER_RE: Final = _rx(
    r"\s*(?:(?:of|in|worth\s+of)\s+)?(?:net\s+(?:selling|sales|outflows?)|outflows?)\b"
)
_DEAL_WORTH_RE: Final = _rx(
    r"\b(?:the|that|this)\s+(?:purchase|acquisition|buy|trade)s?\s+(?:was|were|is)\s+"
    r"(?:worth|valued\s+at)\s+(?:\w+\s+)?$"
)
_SEES_RE: Final = _rx(
    r"\b(?:sees?|expects?|predicts?|forecasts?)\s+(?:[\w'’.-]+\s+){1,5}?"
    r"(?:reaching|hitting|rising\s+to|climbing\s+to|going\s+to|at)\s+$"
)
_SPENT_ON_RE: Final = _rx(r"\s*(?:on|for|into)\s+(?![\d(])(?P<obj>[^,.;()]{1,80})")
_CAPEX_WORD_RE: Final = _rx(r"capex|cap-ex|capital\s+|expenditure")
_INFRA_RE: Final = _rx(
    r"\b(?:AI|artificial\s+intelligence|cloud|infrastructure|data\s*cent(?:er|re)s?|computing|"
    r"capex|capital\s+(?:expenditures?|spending)|"
    r"chips?|semiconductors?|servers?|GPUs?|capacity|fabs?|models?|technology|capital)\b"
)
_COUNT_WORD = r"(?:\d+|two|three|four|five|six|seven|eight|nine|ten|fifteen|twenty)"
_DURATION_RE: Final = Folded(
    rf"\b(?:{_COUNT_WORD}[\s-]year\b(?![\s-](?:high|low|old|average|peak))|"
    rf"over\s+(?:the\s+)?(?:next\s+|coming\s+)?{_COUNT_WORD}\s+years)"
)


def _trailing(text: str, q: Quantity, lo: int, hi: int) -> bool:
    """A trailing multiple: "8.9x trailing", or "trailing" before it with no "forward" between."""
    if _TRAILING_RE.search(text, q.end, min(hi, q.end + 20)):
        return True
    before = list(_TRAILING_RE.finditer(text, lo, q.start))
    return bool(before) and not _FORWARD_RE.search(text, before[-1].end(), q.start)


_FORWARD_RE: Final = _rx(r"\b(?:forward|next\s+year['’]s|projected|expected|estimated)\b")


def classify(text: str, q: Quantity, lo: int, hi: int) -> MetricCall | None:
    """The metric of quantity ``q`` in sentence ``text``, looking only inside clause ``[lo, hi)``.

    Notes
    -----
    Nearest cue wins because journalists put the measured thing next to its
    number ("a 176% jump in capex", "capex jumped 176%"); clause bounds stop
    a cue of one company's clause ("..., while Tencent's bonds ...") from
    reaching another's number.
    """
    if q.kind == "percent":
        return _percent(text, q, lo, hi)
    if q.kind == "money":
        return _money(text, q, lo, hi)
    if _PE_RE.search(text) and not _trailing(text, q, lo, hi):
        return MetricCall("forward_pe")
    return None
