"""Claim extraction under perturbations whose expected claims follow mechanically.

The generators live in ``perturb.py`` beside this file. The first tests check
them on a small hand-made article; the suite then runs the extractor on every
gold folder of ``perturb.GOLD_FOLDERS`` before and after each perturbation and
asks that F1 on the perturbed articles stays within ``TOLERANCE`` of F1 on the
same articles unperturbed.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

import pytest
from perturb import (
    GOLD_FOLDERS,
    PERTURBATIONS,
    Score,
    builtin_theme,
    change_numbers,
    claims_match,
    load_gold_folder,
    measure,
    rename_entities,
    reorder_sentences,
    score_claims,
    ticker_tags,
    title_case_headlines,
    title_case_sentence,
)
from shared_scorer import shared_scorer

from themelens.news.extract import extract_claims

TOLERANCE = 0.05
"""How much pooled F1 may drop under a perturbation. The perturbed sets are small
(a reorder touches a few articles, 30-80 claims), where one claim lost is already
0.01-0.03 of F1, and a renamed company can land in an odd phrase ("Microsoft's
Hong Kong shares"); 0.05 forgives a claim or two of such noise per set and still
fails on a systematic break (a tag style or a casing the extractor cannot read)."""


TEXT = """Baidu soars as AI chip bets pay off

Baidu's shares jumped 16% on Wednesday. Tencent Holdings added 1.6%. JD.com and Meituan each fell 2.5%. It was a mixed day.

Chip stocks rallied. SMIC climbed 7.1%. Hua Hong Semiconductor advanced 4.4%.

Alibaba said it would spend 380 billion yuan ($53.4 billion) over three years. Alibaba, Tencent and Baidu spent a combined Rmb200bn this year.

Key numbers

The Hang Seng Tech Index rose 3.9%.
HSTECH +3.9%"""


def _claim(entity: str, metric: str, value: Any, quote: str, **extra: Any) -> dict[str, Any]:
    return {
        "entity": entity,
        "metric": metric,
        "value": value,
        "currency": None,
        "quote": quote,
    } | extra


GOLD = [
    _claim("baidu", "return_pct", 16, "Baidu's shares jumped 16% on Wednesday"),
    _claim("tencent", "return_pct", 1.6, "Tencent Holdings added 1.6%"),
    _claim("jd", "return_pct", -2.5, "JD.com and Meituan each fell 2.5%"),
    _claim("meituan", "return_pct", -2.5, "JD.com and Meituan each fell 2.5%"),
    _claim("smic", "return_pct", 7.1, "SMIC climbed 7.1%"),
    _claim("hua-hong", "return_pct", 4.4, "Hua Hong Semiconductor advanced 4.4%"),
    _claim(
        "alibaba",
        "investment_plan",
        3.8e11,
        "380 billion yuan ($53.4 billion)",
        currency="CNY",
        value_usd=5.34e10,
    ),
    _claim("alibaba+baidu+tencent", "capex", 2e11, "a combined Rmb200bn", currency="CNY"),
    _claim("hstech", "return_pct", 3.9, "The Hang Seng Tech Index rose 3.9%", also=[3.9]),
]

COMPANY_NAMES = {
    "alibaba": "Alibaba",
    "baidu": "Baidu",
    "tencent": "Tencent",
    "jd": "JD.com",
    "meituan": "Meituan",
    "smic": "SMIC",
    "hua-hong": "Hua Hong",
}


def _quotes_hold(text: str, gold: list[dict[str, Any]]) -> None:
    for claim in gold:
        assert claim["quote"] in text, claim


# --- the generators -------------------------------------------------------------------


@pytest.mark.parametrize("name", list(PERTURBATIONS))
def test_a_perturbation_is_deterministic_given_its_seed(name: str) -> None:
    perturb = PERTURBATIONS[name]
    first = perturb(TEXT, GOLD, seed=3)
    assert perturb(TEXT, GOLD, seed=3) == first
    assert first.text != TEXT
    _quotes_hold(*first)
    assert GOLD[0]["value"] == 16  # the input is not modified


def test_rename_entities_swaps_every_company_and_the_gold_follows() -> None:
    text, gold = rename_entities(TEXT, GOLD, seed=0)
    renamed = {old["entity"]: new["entity"] for old, new in zip(GOLD, gold, strict=True)}
    assert renamed["hstech"] == "hstech"  # indices stay
    targets = [renamed[slug] for slug in COMPANY_NAMES]
    assert len(set(targets)) == len(targets)  # one new name per company
    assert not set(targets) & set(COMPANY_NAMES)  # none of them mentioned before
    for slug, name in COMPANY_NAMES.items():
        assert not re.search(rf"\b{re.escape(name)}\b", text), (slug, text)
    joined = gold[7]["entity"]
    assert joined == "+".join(sorted(renamed[s] for s in ("alibaba", "baidu", "tencent")))
    assert [c["value"] for c in gold] == [c["value"] for c in GOLD]
    _quotes_hold(text, gold)


def test_rename_entities_leaves_a_company_with_an_uncovered_mention() -> None:
    text = TEXT + "\n\nAlibaba also launched Qwen3, and AlibabaBABA-- closed higher."
    new_text, gold = rename_entities(text, GOLD, seed=0)
    assert gold[6]["entity"] == "alibaba"
    assert "Alibaba said it would spend" in new_text
    assert gold[0]["entity"] != "baidu"  # the others are still renamed


def test_change_numbers_scales_numbers_written_once_and_used_by_one_claim() -> None:
    text, gold = change_numbers(TEXT, GOLD, seed=0)
    for old, new in zip(GOLD, gold, strict=True):
        if old["entity"] in ("jd", "meituan", "hstech"):
            assert new == old  # 2.5 is shared by two claims; 3.9 is written twice
            continue
        assert abs(new["value"]) != pytest.approx(abs(old["value"]), rel=0.01)
        assert new["quote"] != old["quote"] and old["quote"] not in text
    baidu = gold[0]
    assert f"jumped {baidu['value']:g}%" in baidu["quote"]
    alibaba = gold[6]
    ratio = alibaba["value"] / 3.8e11
    assert alibaba["value_usd"] / 5.34e10 == pytest.approx(ratio, rel=0.01)
    assert f"{alibaba['value'] / 1e9:g} billion yuan" in text
    _quotes_hold(text, gold)


def test_reorder_sentences_swaps_two_independent_sentences() -> None:
    text, gold = reorder_sentences(TEXT, GOLD, seed=0)
    assert "Chip stocks rallied. Hua Hong Semiconductor advanced 4.4%. SMIC climbed 7.1%." in text
    # the paragraph ending in "It was ..." keeps its order: the anaphor would change referent
    assert "Tencent Holdings added 1.6%. JD.com and Meituan each fell 2.5%. It was" in text
    assert sorted(text) == sorted(TEXT)
    assert gold == GOLD


_TAG = re.compile(
    r" \((?:\d{5}\.HK|HKEX: \d{4}|(?:NASDAQ|NYSE|OTC):[A-Z]+|(?:SHA|SHE): \d{6}|\d{6}\.S[HZ])\)|[A-Z]+--"
)


def test_ticker_tags_tag_the_first_mention_in_each_sentence() -> None:
    text, gold = ticker_tags(TEXT, GOLD, seed=0)
    assert _TAG.sub("", text) == TEXT
    assert len(_TAG.findall(text)) == 11  # "Alibaba, Tencent and Baidu" gets three
    assert re.search(r"Baidu's(?: \([^)]*\))? shares", text)  # after the possessive
    assert [c["value"] for c in gold] == [c["value"] for c in GOLD]
    _quotes_hold(text, gold)


def test_title_case_changes_headlines_and_in_the_harsh_variant_one_claim_sentence() -> None:
    text, gold = title_case_headlines(TEXT, GOLD)
    assert text.startswith("Baidu Soars as AI Chip Bets Pay Off\n")
    assert "\nKey Numbers\n" in text
    assert text.lower() == TEXT.lower()
    body = [i for i, line in enumerate(TEXT.split("\n")) if i not in (0, 8)]
    assert [text.split("\n")[i] for i in body] == [TEXT.split("\n")[i] for i in body]
    harsh, gold = title_case_sentence(TEXT, GOLD, seed=0)
    changed = [
        line for line, was in zip(harsh.split("\n"), text.split("\n"), strict=True) if line != was
    ]
    assert len(changed) == 1 and harsh.lower() == TEXT.lower()
    assert any(c["quote"] in changed[0] and c["quote"].lower() != c["quote"] for c in gold)
    assert [c["value"] for c in gold] == [c["value"] for c in GOLD]
    _quotes_hold(harsh, gold)


@pytest.mark.parametrize("folder", list(GOLD_FOLDERS))
def test_perturbed_gold_quotes_stay_in_the_perturbed_text(folder: str) -> None:
    if not GOLD_FOLDERS[folder].is_dir():
        pytest.skip(f"gold folder not there: {GOLD_FOLDERS[folder]}")
    for item in load_gold_folder(GOLD_FOLDERS[folder]):
        for perturb in PERTURBATIONS.values():
            for seed in range(3):
                text, gold = perturb(item.article.text, item.gold, seed=seed)
                for before, after in zip(item.gold, gold, strict=True):
                    assert before["quote"] not in item.article.text or after["quote"] in text


# --- the scorer -----------------------------------------------------------------------


def test_scorer_follows_the_spec_rules() -> None:
    gold = {"a": [GOLD[0], GOLD[6], GOLD[8], _claim("hstech", "high_since", "2021-11", "")]}
    preds: dict[str, list[dict[str, Any]]] = {
        "a": [
            {"entity": "baidu", "metric": "return_pct", "value": 16.1},  # within 1%
            {"entity": "baidu", "metric": "return_pct", "value": 16.0},  # a restatement
            {"entity": "alibaba", "metric": "investment_plan", "value": 5.34e10, "currency": "USD"},
            {"entity": "hstech", "metric": "high_since", "value": "2022-02"},  # 3 months
            {"entity": "hstech", "metric": "return_pct", "value": 3.96},  # 0.06 away: no
        ],
        "b": [{"entity": "baidu", "metric": "return_pct", "value": 1.0}],  # no gold: spurious
    }
    assert score_claims(gold, preds) == Score(tp=3, fp=2, fn=1)
    assert not claims_match({**GOLD[6], "currency": "HKD"}, GOLD[6])


def _noisy(claims: tuple[dict[str, Any], ...], k: int) -> list[dict[str, Any]]:
    """Predictions with known faults: values nudged in and out of tolerance, dropped, repeated."""
    out = []
    for i, c in enumerate(claims):
        c = dict(c)
        if isinstance(c["value"], int | float) and i % 4 == k % 4:
            c["value"] = c["value"] * (1.008 if i % 3 else 1.03)
        if i % 5 == k % 5:
            continue
        out += [c, c] if i % 7 == 0 else [c]
    return out


def test_scorer_agrees_with_the_shared_scorer_on_the_own_corpus() -> None:
    shared = shared_scorer()
    items = load_gold_folder(GOLD_FOLDERS["own_corpus"])
    gold = {i.article.name: list(i.gold) for i in items}
    for k in range(3):
        preds = {i.article.name: _noisy(i.gold, k) for i in items}
        ours, theirs = score_claims(gold, preds), shared.score(gold, preds)
        assert (ours.tp, ours.fp, ours.fn) == (theirs["tp"], theirs["fp"], theirs["fn"])
        assert ours.f1 == pytest.approx(theirs["f1"], abs=1e-12)
        assert ours.fp and ours.fn  # the faults are seen
    theme = builtin_theme()  # and real extractor errors: on text with ticker tags
    gold, preds = {}, {}
    for item in items:
        text, gold[item.article.name] = ticker_tags(item.article.text, item.gold)
        claims = extract_claims(replace(item.article, text=text), theme)
        preds[item.article.name] = [c.to_dict() for c in claims]
    ours, theirs = score_claims(gold, preds), shared.score(gold, preds)
    assert (ours.tp, ours.fp, ours.fn) == (theirs["tp"], theirs["fp"], theirs["fn"])


# --- the suite ------------------------------------------------------------------------

XFAIL: dict[tuple[str, str], str] = {}
"""Perturbations the extractor is known not to survive yet (empty: ticker tags were the last,
fixed by reading the text with its tags removed, ``themelens.news.extract.tags``)."""
CASES = [
    pytest.param(
        folder,
        name,
        id=f"{folder}-{name}",
        marks=[pytest.mark.xfail(strict=True, reason=XFAIL[folder, name])]
        if (folder, name) in XFAIL
        else [],
    )
    for folder in GOLD_FOLDERS
    for name in PERTURBATIONS
]


@pytest.mark.parametrize(("folder", "perturbation"), CASES)
def test_extraction_is_robust_to_the_perturbation(folder: str, perturbation: str) -> None:
    if not GOLD_FOLDERS[folder].is_dir():
        pytest.skip(f"gold folder not there: {GOLD_FOLDERS[folder]}")
    result = measure(folder, perturbation)
    if not result.articles:
        pytest.skip(f"{perturbation} changes no article of {folder}")
    summary = (
        f"{folder}/{perturbation}: {result.articles} articles, {result.claims} claims; F1 "
        f"{result.original.f1:.3f} -> {result.perturbed.f1:.3f} "
        f"(original {tuple(result.original)}, perturbed {tuple(result.perturbed)}, as tp/fp/fn)"
    )
    assert result.perturbed.f1 >= result.original.f1 - TOLERANCE, summary


@pytest.mark.parametrize("name", list(PERTURBATIONS))
def test_every_perturbation_changes_part_of_the_own_corpus(name: str) -> None:
    assert measure("own_corpus", name).articles >= 1
