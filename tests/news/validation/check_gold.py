"""Sanity-check a hand-labelled gold folder (NAME.txt + NAME.claims.jsonl).

usage: python tests/news/validation/check_gold.py tests/news/validation/tune

Checks the form of the gold, not its judgement: every quote is an exact
substring of the article body (the text after the `date:` line), slugs,
metrics, qualifiers, windows and dates have the shapes the spec
(shared/spec/claims.md) allows, and no two gold claims of one article are the
same claim under the scorer's tolerance. Prints per-article counts, the totals
and exits non-zero on any error. It takes the metric names from
``themelens.news.claim`` (run it with the project's venv) and never runs the
extractor.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from pathlib import Path

from themelens.news.claim import METRICS as CLAIM_METRICS

SLUGS = set(
    [
        "alibaba",
        "tencent",
        "baidu",
        "jd",
        "smic",
        "hua-hong",
        "naura",
        "sensetime",
        "iflytek",
        "xiaomi",
        "meituan",
        "kuaishou",
        "bytedance",
        "deepseek",
        "china-unicom",
        "nvidia",
        "microsoft",
        "openai",
        "anthropic",
        "catl",
        "hstech",
        "hsi",
        "hscei",
        "ndx",
        "nasdaq-composite",
        "spx",
        "ark-invest",
        "southbound",
        "china-big-tech",
        "ai-market",
        "china-ai-datacenters",
    ]
)
METRICS = set(CLAIM_METRICS)
MONEY = {
    "capex",
    "investment_plan",
    "bond_issuance",
    "stake_purchase",
    "fund_flow",
    "market_size",
    "price_target",
}
QUALIFIERS = {None, "over", "nearly", "about", "up_to", "at_least", "limit_up"}
REQUIRED = ["entity", "metric", "value", "currency", "window", "date", "qualifier", "quote"]
OPTIONAL = {"value_usd", "also", "segment", "intraday", "basis", "tranche", "by"}
OPTIONAL |= {"instrument", "listing"}
WINDOW = re.compile(r"^(1d|1w|1m|ytd|\d+y|\d{4}|\d{4}H[12]|\d{4}Q[1-4])$")
DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")


def _close(a: object, b: object) -> bool:
    try:
        x, y = float(a), float(b)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return a == b
    return abs(x - y) <= max(0.05, 0.01 * max(abs(x), abs(y)))


def check_claim(c: dict[str, object], body: str, article_date: dt.date) -> list[str]:
    errors = [f"missing {k}" for k in REQUIRED if k not in c]
    if errors:
        return errors
    if set(c) - set(REQUIRED) - OPTIONAL:
        errors.append(f"unknown keys {sorted(set(c) - set(REQUIRED) - OPTIONAL)}")
    if body.find(str(c["quote"])) < 0:
        errors.append(f"quote not in body: {c['quote']!r}")
    parts = str(c["entity"]).split("+")
    errors += [f"unknown slug {p}" for p in parts if p not in SLUGS]
    if parts != sorted(parts):
        errors.append("joined slugs not sorted")
    if c["metric"] not in METRICS:
        errors.append(f"unknown metric {c['metric']}")
    if c["qualifier"] not in QUALIFIERS:
        errors.append(f"unknown qualifier {c['qualifier']}")
    if c["window"] is not None and not WINDOW.match(str(c["window"])):
        errors.append(f"bad window {c['window']}")
    if c["date"] is not None and not DATE.match(str(c["date"])):
        errors.append(f"bad date {c['date']}")
    if c["metric"] == "high_since":
        if not re.fullmatch(r"\d{4}-\d{2}", str(c["value"])):
            errors.append("high_since value is not YYYY-MM")
    elif not isinstance(c["value"], int | float):
        errors.append("value is not a number")
    if (c["metric"] in MONEY) != (c["currency"] is not None):
        errors.append("currency set on a non-money metric, or missing on a money one")
    if c["metric"] == "drawdown_from_peak_pct" and float(c["value"]) <= 0:  # type: ignore[arg-type]
        errors.append("drawdown must be positive")
    if c.get("intraday") and c["window"] != "1d":
        errors.append("intraday claim without window 1d")
    if c["window"] == "1w" and c["date"] is not None and len(str(c["date"])) != 7:
        errors.append("weekly move not dated to the month")
    if c["date"] is not None and len(str(c["date"])) == 10:
        day = dt.date.fromisoformat(str(c["date"]))
        if day > article_date:
            errors.append("date after the article's date")
        if c["window"] == "1d" and day.weekday() > 4:
            errors.append("daily move dated to a weekend")
    return errors


def same_claim(a: dict[str, object], b: dict[str, object]) -> bool:
    if (a["entity"], a["metric"], a["currency"]) != (b["entity"], b["metric"], b["currency"]):
        return False
    if a["metric"] == "high_since":
        return True
    va = [a["value"], *a.get("also", [])]  # type: ignore[list-item]
    vb = [b["value"], *b.get("also", [])]  # type: ignore[list-item]
    return any(_close(x, y) for x in va for y in vb)


def main(folder: Path) -> int:
    n_articles = n_claims = n_errors = 0
    for txt in sorted(folder.glob("*.txt")):
        first, _, body = txt.read_text(encoding="utf-8").partition("\n")
        m = re.fullmatch(r"date: (\d{4}-\d{2}-\d{2})", first)
        gold = txt.with_name(txt.stem + ".claims.jsonl")
        if not m or not gold.is_file():
            print(f"ERR {txt.name}: no date header or no gold file")
            n_errors += 1
            continue
        article_date = dt.date.fromisoformat(m.group(1))
        lines = gold.read_text(encoding="utf-8").splitlines()
        claims = [json.loads(line) for line in lines if line.strip()]
        n_articles += 1
        n_claims += len(claims)
        weekday = article_date.strftime("%a")
        words = len(body.split())
        print(f"{txt.stem}: {article_date} {weekday} words={words} claims={len(claims)}")
        if article_date.weekday() > 4:
            print(f"ERR {txt.stem}: article dated to a weekend")
            n_errors += 1
        for i, c in enumerate(claims, 1):
            for e in check_claim(c, body, article_date):
                print(f"ERR {txt.stem}#{i}: {e}")
                n_errors += 1
        for i, a in enumerate(claims, 1):
            for j, b in enumerate(claims[i:], i + 1):
                if same_claim(a, b):
                    print(f"ERR {txt.stem}#{i}/#{j}: the same claim twice")
                    n_errors += 1
    print(f"articles {n_articles} claims {n_claims} errors {n_errors}")
    return 1 if n_errors else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(Path(sys.argv[1])))
