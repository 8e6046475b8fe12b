"""Independent reference verdicts for the gold market claims of a claim set.

Run ``.venv/bin/python bench/verdict_reference.py SET_DIR [SET_DIR ...]``. For
every gold claim about one entity (no ``+``) whose metric is ``return_pct``,
``high_since``, ``win_streak_weeks`` or ``drawdown_from_peak_pct`` it computes
the verdict an analyst would give from the raw price CSVs
(``../shared/data/prices``) and prints a table.

This script deliberately imports nothing from ``themelens``: it reads the theme
YAML with PyYAML (entity slug -> listings), the yfinance ``history()`` CSVs with
pandas, and exchange sessions from ``exchange_calendars``. The rules are those of
the verifier brief:

* listing: the gold claim's ``listing`` key when it has one (the labeller read
  the whole article; ``--listing-source quote`` turns this off), else quote
  words about where it traded ("ADRs", "in New York", "U.S.-listed",
  "pre-market", ...) choose the ADR, ("Shanghai-listed", "STAR Market",
  "A-shares", ...) the A-share line, else the primary listing; ticker tags
  never choose. Index claims use the index's own series only.
* day: the claim's full date; a month or year holding the article date -> the
  article date (a past month or year -> its last session, for period claims);
  no date -> the article date; a non-session -> the previous session.
* returns: 1d (or null) vs the previous close, 1w 5 sessions back, 1m 21, ytd
  vs the last close of the previous year; tolerance max(0.5 pp, 10 % of the
  computed move), qualifiers mirrored for falls.
* intraday figures ("as much as") vs the day's high (rise) or low (fall); other
  intraday figures ("as of 11 a.m.", pre-market) and closes that miss are
  ``supported_intraday`` when a value inside [low, high] fits; a 1d close that
  fits a session within +/-2 sessions (not after the article) is ``misdated``.
* ``high_since``: month of the latest earlier close above the session's close
  (or its high, for ``supported_intraday``) within 3 months of the claim;
  ``win_streak_weeks``: exact count of Mon-Fri weeks closing higher;
  ``drawdown_from_peak_pct``: below the highest close so far, within 5 pp.
"""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Literal

import exchange_calendars as xcals
import numpy as np
import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
PRICES_DIR = ROOT.parent / "shared/data/prices"
THEME = ROOT / "src/themelens/themes/china-ai.yaml"
MARKET_METRICS = ("return_pct", "high_since", "win_streak_weeks", "drawdown_from_peak_pct")
RETURN_PP = 0.5
RETURN_REL = 0.10
MONTHS_TOL = 3
DRAWDOWN_PP = 5.0
LOOKBACK = {"1d": 1, "1w": 5, "1m": 21}

ListingSource = Literal["gold", "quote"]
VerdictName = Literal["supported", "supported_intraday", "contradicted", "misdated", "unverifiable"]

ADR_WORDS = re.compile(
    r"\bADRs?\b|American depositary|\bin New York\b|\bU\.?S\.?-listed|New York-listed|"
    r"overnight in U\.?S\.? trading|Nasdaq-listed|pre-?market|before the bell|ahead of the bell",
    re.IGNORECASE,
)
A_SHARE_WORDS = re.compile(
    r"Shanghai-listed|STAR Market|\bonshore\b|\bA-shares?\b|Shenzhen-listed|mainland-listed",
    re.IGNORECASE,
)
EXTREME_WORDS = re.compile(r"as much as|as high as|as low as|\bup to\b|intraday", re.IGNORECASE)


@dataclass(frozen=True)
class RefVerdict:
    """The reference verdict for one gold claim (``claim_index``: its line in the jsonl, from 0)."""

    article: str
    claim_index: int
    entity: str
    metric: str
    value: Any
    window: str | None
    verdict: VerdictName
    session: str | None
    computed: float | str | None
    reason: str
    ticker: str | None = None
    quote: str = ""


@dataclass(frozen=True)
class Article:
    """One article of a set: its name, publication date and gold claims."""

    name: str
    date: date | None
    claims: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class Listing:
    """One line of an entity in the theme: kind from the YAML ``kind`` or the ticker suffix."""

    ticker: str
    kind: Literal["adr", "a-share", "index", "other"]
    primary: bool
    exchange: str


# --- inputs ------------------------------------------------------------------


def load_set(set_dir: Path) -> list[Article]:
    """Articles of a set folder: ``NAME.txt`` (``date: YYYY-MM-DD`` first line) + ``NAME.claims.jsonl``."""
    articles = []
    for gold in sorted(set_dir.glob("*.claims.jsonl")):
        name = gold.name[: -len(".claims.jsonl")]
        text = set_dir / f"{name}.txt"
        first = text.read_text(encoding="utf-8").split("\n", 1)[0] if text.exists() else ""
        found = re.match(r"\s*date:\s*(\d{4}-\d{2}-\d{2})", first)
        claims = tuple(
            json.loads(x) for x in gold.read_text(encoding="utf-8").splitlines() if x.strip()
        )
        articles.append(Article(name, date.fromisoformat(found[1]) if found else None, claims))
    return articles


def is_checkable(claim: dict[str, Any]) -> bool:
    """A market claim about a single entity: what the reference gives a verdict for."""
    return claim.get("metric") in MARKET_METRICS and "+" not in str(claim.get("entity", ""))


def _exchange(ticker: str, given: str | None) -> str:
    if given:
        return given
    if ticker.endswith(".HK"):
        return "XHKG"
    if ticker.endswith((".SS", ".SZ")):
        return "XSHG"
    return "XNYS"


def load_theme(path: Path = THEME) -> dict[str, tuple[str, list[Listing]]]:
    """Entity slug -> (entity kind, listings) from a theme YAML."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    out: dict[str, tuple[str, list[Listing]]] = {}
    for ent in raw.get("entities", []):
        listings = []
        for item in ent.get("listings") or []:
            ticker = str(item["ticker"])
            kind: Any = "other"
            if item.get("kind") in ("index", "adr"):
                kind = item["kind"]
            elif ticker.endswith((".SS", ".SZ")):
                kind = "a-share"
            exchange = _exchange(ticker, item.get("exchange"))
            listings.append(Listing(ticker, kind, bool(item.get("primary")), exchange))
        out[str(ent["slug"])] = (str(ent.get("kind", "")), listings)
    return out


@cache
def load_prices(prices_dir: Path, ticker: str) -> pd.DataFrame | None:
    """Daily OHLC indexed by the local session date, or None when no file holds the ticker."""
    names = [ticker]
    head, _, suffix = ticker.partition(".")
    if suffix == "HK":
        names += [f"{head.lstrip('0').zfill(4)}.HK", f"{head.lstrip('0').zfill(5)}.HK"]
    for name in names:
        path = prices_dir / f"{name}.csv"
        if path.exists():
            raw = pd.read_csv(path)
            frame = pd.DataFrame(
                {c.lower(): raw[c].to_numpy(dtype=float) for c in ("Open", "High", "Low", "Close")},
                index=pd.DatetimeIndex(pd.to_datetime(raw["Date"].str[:10]), name="date"),
            )
            return frame.dropna(subset=["close"]).sort_index()
    return None


@cache
def _calendar(code: str) -> Any:
    return xcals.get_calendar(code, start="2000-01-01")


# --- rules -------------------------------------------------------------------


def choose_listing(
    entity: str,
    quote: str,
    theme: dict[str, tuple[str, list[Listing]]],
    *,
    gold_listing: str | None = None,
) -> tuple[Listing | None, str]:
    """Rule 1/2: the listing a claim is about, with the why.

    ``gold_listing`` is the gold claim's ``listing`` key (``HK``, ``ADR``, ``SS``...):
    the labeller's reading of where the move traded, from the whole article (a
    U.S. market wrap, "Baidu's ADRs ... above $130" whose shortest quote drops
    "ADRs"). When given it decides; otherwise the quote's words do.
    """
    if entity not in theme or not theme[entity][1]:
        return None, f"no listing for entity {entity!r}"
    kind, listings = theme[entity]
    if kind == "index":
        index = next((x for x in listings if x.kind == "index"), listings[0])
        return index, "index series"
    want = "primary"
    label = (gold_listing or "").upper()
    if label == "ADR":
        want = "adr"
    elif label in ("SS", "SZ", "A", "A-SHARE", "A-SHARES", "CN"):
        want = "a-share"
    elif label == "HK":
        hk = next((x for x in listings if x.ticker.endswith(".HK")), None)
        if hk is not None:
            return hk, "HK listing (gold label)"
        return None, f"gold label HK; {entity} has no HK line in the theme"
    elif ADR_WORDS.search(quote):
        want = "adr"
    elif A_SHARE_WORDS.search(quote):
        want = "a-share"
    want_why = f"{want} listing (gold label)" if label else f"{want} listing"
    if want == "primary":
        return next((x for x in listings if x.primary), listings[0]), "primary listing"
    for listing in listings:
        if listing.kind == want:
            return listing, want_why
    primary = next((x for x in listings if x.primary), listings[0])
    if want == "adr" and primary.exchange == "XNYS":
        return primary, "US primary listing"  # "US premarket" of a US company
    return None, f"quote names the {want} line; {entity} has none in the theme"


def tolerance(computed: float) -> float:
    return max(RETURN_PP, RETURN_REL * abs(computed))


def fits(claimed: float, computed: float, qualifier: str | None, tol: float) -> bool:
    """Rule 5 for one computed figure; over/nearly/up_to read on the move's magnitude."""
    sign = -1.0 if claimed < 0 else 1.0
    c, v = sign * claimed, sign * computed
    if qualifier in ("over", "at_least"):
        return v >= c - tol
    if qualifier == "nearly":
        return v <= c + 1e-9 and c - v <= tol
    if qualifier == "up_to":
        return v <= c + tol
    return abs(c - v) <= tol


def fits_range(claimed: float, low: float, high: float, qualifier: str | None) -> bool:
    """Some value inside [low, high] satisfies the claim (rule 6, second sentence)."""
    grid = np.unique(np.r_[np.linspace(low, high, 401), np.clip(claimed, low, high)])
    return any(fits(claimed, float(v), qualifier, tolerance(float(v))) for v in grid)


def resolve_day(claim: dict[str, Any], article_date: date | None) -> tuple[date | None, str]:
    """Rule 3: the calendar day a claim speaks of (before snapping to a session)."""
    raw = claim.get("date")
    text = str(raw) if raw else ""
    if len(text) == 10:
        return date.fromisoformat(text), "claim date"
    if article_date is None:
        return None, "no claim day and no article date"
    if not text:
        return article_date, "article date"
    if article_date.isoformat().startswith(text):
        return article_date, "article date (in the claim's period)"
    period_end = claim.get("metric") != "return_pct" or claim.get("window") in ("1w", "1m", "ytd")
    if period_end and text < article_date.isoformat()[: len(text)]:
        year, month = (int(text[:4]), int(text[5:7])) if len(text) == 7 else (int(text), 12)
        end = (pd.Timestamp(year=year, month=month, day=1) + pd.offsets.MonthEnd(0)).date()
        return end, f"end of {text}"
    return None, f"claim dated {text}, article {article_date}: no single day"


def _pct(a: float, b: float) -> float:
    return (a / b - 1.0) * 100.0


def _month(ts: pd.Timestamp) -> int:
    return ts.year * 12 + ts.month


# --- per-metric checks ---------------------------------------------------------


Outcome = tuple[VerdictName, str | None, float | str | None, str]


def check_return(
    claim: dict[str, Any], px: pd.DataFrame, i: int, listing: Listing, article_date: date | None
) -> Outcome:
    window = claim.get("window") or "1d"
    claimed = float(claim["value"])
    qualifier = claim.get("qualifier")
    quote = str(claim.get("quote", ""))
    close, session = px["close"].to_numpy(), px.index
    day = session[i].date().isoformat()
    if window == "ytd":
        before = np.flatnonzero(session < pd.Timestamp(year=session[i].year, month=1, day=1))
        if not len(before):
            return "unverifiable", day, None, "no close in the previous year"
        base = int(before[-1])
    elif window in LOOKBACK:
        base = i - LOOKBACK[window]
        if base < 0:
            return "unverifiable", day, None, f"fewer than {LOOKBACK[window]} earlier sessions"
    else:
        return "unverifiable", day, None, f"window {window!r} not checked"
    computed = _pct(close[i], close[base])
    since = session[base].date().isoformat()
    if qualifier == "limit_up":
        limit = _board_limit(listing.ticker)
        if limit is None:
            return "unverifiable", day, computed, f"{listing.ticker} has no daily limit"
        ok = computed >= limit - 0.5
        return ("supported" if ok else "contradicted"), day, computed, f"limit {limit}%"
    tol = tolerance(computed)
    if window != "1d":
        verdict: VerdictName = (
            "supported" if fits(claimed, computed, qualifier, tol) else "contradicted"
        )
        return verdict, day, computed, f"{window}: close vs {since} ({computed:+.2f}%)"
    low, high = _pct(px["low"].iloc[i], close[base]), _pct(px["high"].iloc[i], close[base])
    intraday = bool(claim.get("intraday")) or qualifier == "up_to"
    if intraday and EXTREME_WORDS.search(quote):
        extreme = high if claimed > 0 else low
        q = None if qualifier in (None, "about", "up_to") else qualifier
        ok = fits(claimed, extreme, q, tolerance(extreme))
        word = "high" if claimed > 0 else "low"
        return (
            ("supported_intraday" if ok else "contradicted"),
            day,
            extreme,
            f"intraday {word} {extreme:+.2f}% (close {computed:+.2f}%)",
        )
    if claim.get("intraday"):
        ok = fits_range(claimed, low, high, qualifier)
        return (
            ("supported_intraday" if ok else "contradicted"),
            day,
            computed,
            f"intraday figure vs range [{low:+.2f}%, {high:+.2f}%]",
        )
    if fits(claimed, computed, qualifier, tol):
        return "supported", day, computed, f"close {computed:+.2f}% vs {since}"
    if fits_range(claimed, low, high, qualifier):
        return (
            "supported_intraday",
            day,
            computed,
            f"close {computed:+.2f}% misses; inside range [{low:+.2f}%, {high:+.2f}%]",
        )
    for k in (-1, 1, -2, 2):
        j = i + k
        if j < 1 or j >= len(close):
            continue
        if article_date is not None and session[j].date() > article_date:
            continue
        other = _pct(close[j], close[j - 1])
        if fits(claimed, other, qualifier, tolerance(other)):
            when = session[j].date().isoformat()
            return (
                "misdated",
                when,
                other,
                f"close {computed:+.2f}% on {day}; {other:+.2f}% on {when}",
            )
    return "contradicted", day, computed, f"close {computed:+.2f}% vs {since}"


def _board_limit(ticker: str) -> float | None:
    if not ticker.endswith((".SS", ".SZ")):
        return None
    return 20.0 if ticker.startswith(("688", "300", "301")) else 10.0


def check_high_since(claim: dict[str, Any], px: pd.DataFrame, i: int) -> Outcome:
    day = px.index[i].date().isoformat()
    text = str(claim["value"])
    try:
        target = int(text[:4]) * 12 + int(text[5:7])
    except ValueError:
        return "unverifiable", day, None, f"value {text!r} is not YYYY-MM"
    earlier = px.iloc[:i]

    def last_above(level: float) -> pd.Timestamp | None:
        above = earlier.index[earlier["close"].to_numpy() > level]
        return above[-1] if len(above) else None

    found = last_above(float(px["close"].iloc[i]))
    if found is not None and abs(_month(found) - target) <= MONTHS_TOL:
        return "supported", day, found.strftime("%Y-%m"), f"last higher close {found.date()}"
    by_high = last_above(float(px["high"].iloc[i]))
    if by_high is not None and abs(_month(by_high) - target) <= MONTHS_TOL:
        why = f"close last topped {found.date() if found is not None else 'never'}; high since {by_high.date()}"
        return "supported_intraday", day, by_high.strftime("%Y-%m"), why
    if found is None:
        if _month(px.index[0]) > target:
            return "unverifiable", day, None, f"record close; data start {px.index[0].date()}"
        return "contradicted", day, "record", "highest close in the data"
    return "contradicted", day, found.strftime("%Y-%m"), f"last higher close {found.date()}"


def check_win_streak(claim: dict[str, Any], px: pd.DataFrame, i: int) -> Outcome:
    day = px.index[i].date().isoformat()
    closes = px["close"].iloc[: i + 1]
    stamps = pd.DatetimeIndex(closes.index)
    monday = stamps - pd.to_timedelta(stamps.day_of_week.to_numpy(), unit="D")
    weekly = closes.groupby(monday).last().to_numpy()
    streak = 0
    for k in range(len(weekly) - 1, 0, -1):
        if weekly[k] > weekly[k - 1]:
            streak += 1
        else:
            break
    ok = streak == int(float(claim["value"]))
    return ("supported" if ok else "contradicted"), day, float(streak), f"{streak} weeks up"


def check_drawdown(claim: dict[str, Any], px: pd.DataFrame, i: int) -> Outcome:
    day = px.index[i].date().isoformat()
    closes = px["close"].iloc[: i + 1]
    peak_at = pd.DatetimeIndex(closes.index)[int(np.argmax(closes.to_numpy()))]
    computed = (1.0 - float(closes.iloc[-1]) / float(closes.max())) * 100.0
    claimed = abs(float(claim["value"]))
    ok = fits(claimed, computed, claim.get("qualifier"), DRAWDOWN_PP)
    why = f"{computed:.1f}% below the {peak_at.date()} peak close"
    return ("supported" if ok else "contradicted"), day, computed, why


CHECKS: dict[str, Callable[..., Outcome]] = {
    "high_since": check_high_since,
    "win_streak_weeks": check_win_streak,
    "drawdown_from_peak_pct": check_drawdown,
}


# --- driver --------------------------------------------------------------------


def reference_verdict(
    article: Article,
    index: int,
    claim: dict[str, Any],
    *,
    theme: dict[str, tuple[str, list[Listing]]],
    prices_dir: Path = PRICES_DIR,
    listing_source: ListingSource = "gold",
) -> RefVerdict:
    """The reference verdict for one checkable gold claim."""
    entity, quote = str(claim["entity"]), str(claim.get("quote", ""))

    def out(verdict: VerdictName, reason: str, **kw: Any) -> RefVerdict:
        return RefVerdict(
            article=article.name,
            claim_index=index,
            entity=entity,
            metric=str(claim["metric"]),
            value=claim.get("value"),
            window=claim.get("window"),
            verdict=verdict,
            session=kw.get("session"),
            computed=kw.get("computed"),
            reason=reason,
            ticker=kw.get("ticker"),
            quote=quote,
        )

    gold_listing = claim.get("listing") if listing_source == "gold" else None
    listing, why = choose_listing(entity, quote, theme, gold_listing=gold_listing)
    if listing is None:
        return out("unverifiable", why)
    px = load_prices(prices_dir, listing.ticker)
    if px is None:
        return out("unverifiable", f"{why}: no prices for {listing.ticker}", ticker=listing.ticker)
    day, day_why = resolve_day(claim, article.date)
    if day is None:
        return out("unverifiable", day_why, ticker=listing.ticker)
    stamp = pd.Timestamp(day)
    if stamp > px.index[-1] or stamp < px.index[0]:
        return out("unverifiable", f"{day} outside the price rows", ticker=listing.ticker)
    session = _calendar(listing.exchange).date_to_session(stamp, direction="previous")
    if session not in px.index:
        return out(
            "unverifiable", f"no price row for session {session.date()}", ticker=listing.ticker
        )
    i = int(px.index.searchsorted(session))  # session is in the index (checked above)
    metric = str(claim["metric"])
    if metric == "return_pct":
        verdict, when, computed, reason = check_return(claim, px, i, listing, article.date)
    else:
        verdict, when, computed, reason = CHECKS[metric](claim, px, i)
    if isinstance(computed, float):
        computed = round(computed, 3)
    reason = f"{listing.ticker} ({why}, {day_why}): {reason}"
    return out(verdict, reason, session=when, computed=computed, ticker=listing.ticker)


def reference_verdicts(
    set_dir: Path,
    *,
    theme_path: Path = THEME,
    prices_dir: Path = PRICES_DIR,
    listing_source: ListingSource = "gold",
) -> list[RefVerdict]:
    """Reference verdicts for every checkable gold claim of a set folder.

    ``listing_source="gold"`` lets a gold claim's ``listing`` key choose the
    listing before the quote's words do; ``"quote"`` uses the quote's words only.
    """
    theme = load_theme(theme_path)
    return [
        reference_verdict(
            article, k, claim, theme=theme, prices_dir=prices_dir, listing_source=listing_source
        )
        for article in load_set(set_dir)
        for k, claim in enumerate(article.claims)
        if is_checkable(claim)
    ]


def format_table(rows: Iterable[RefVerdict]) -> str:
    lines = [f"{'article':32} {'#':>3} {'entity':12} {'metric':12} {'value':>8} {'win':4} {'verdict':18} {'session':10} {'computed':>9}  reason"]  # fmt: skip
    for r in rows:
        computed = f"{r.computed:+.2f}" if isinstance(r.computed, float) else str(r.computed or "")
        lines.append(
            f"{r.article[:32]:32} {r.claim_index:>3} {r.entity[:12]:12} {r.metric[:12]:12} "
            f"{r.value!s:>8} {r.window or '':4} {r.verdict:18} {r.session or '':10} {computed:>9}  {r.reason}"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("sets", nargs="+", type=Path, help="set folders (NAME.txt + NAME.claims.jsonl)")
    ap.add_argument("--prices-dir", type=Path, default=PRICES_DIR)
    ap.add_argument("--theme", type=Path, default=THEME, help="theme YAML (default: china-ai)")
    ap.add_argument("--json", action="store_true", help="one JSON object a line instead of a table")
    ap.add_argument(
        "--listing-source",
        choices=("gold", "quote"),
        default="gold",
        help="gold: the claim's listing key, then the quote's words (default); quote: words only",
    )
    args = ap.parse_args(argv)
    for set_dir in args.sets:
        rows = reference_verdicts(
            set_dir,
            theme_path=args.theme,
            prices_dir=args.prices_dir,
            listing_source=args.listing_source,
        )
        if args.json:
            for r in rows:
                print(json.dumps({"set": set_dir.name, **asdict(r)}, ensure_ascii=False))
            continue
        counts = pd.Series([r.verdict for r in rows], dtype=object).value_counts().to_dict()
        print(f"== {set_dir} ({len(rows)} claims: {counts})")
        print(format_table(rows))


if __name__ == "__main__":
    main()
