"""The article store: content-hash keys, all-or-nothing writes, claims replaced not duplicated."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from themelens.data.store import PriceStore
from themelens.duckdb_file import DuckDBFile
from themelens.errors import ArticleError, StoreError
from themelens.news.article import Article
from themelens.news.claim import Claim
from themelens.news.store import ARTICLE_COLUMNS, ArticleStore, StoredVerdict

T0 = datetime(2025, 10, 1, 9, 30)


def art(name: str, text: str, **kw: object) -> Article:
    return Article(name=name, text=text, fetched_at=T0, **kw)  # type: ignore[arg-type]


A = art(
    "foundry",
    "A foundry rose 9% on Wednesday.",
    title="Foundry up",
    published=date(2025, 9, 17),
    date_origin="header",
    source="Test Wire",
    origin="/x/foundry.txt",
)
B = art(
    "index", "The index gained 2.5% this week.", published=date(2025, 9, 19), origin="/x/index.txt"
)
C = art("cloud", "Cloud revenue grew 26%.", kind="html", origin="https://e.example/cloud")

CLAIMS = [
    Claim(
        "smic", "return_pct", 9.0, window="1d", date="2025-09-17", quote="rose 9%", start=10, end=17
    ),
    Claim("hstech", "high_since", "2021-11", quote="highest since November 2021"),
    Claim(
        "tencent",
        "bond_issuance",
        9e9,
        currency="CNY",
        value_usd=1.27e9,
        instrument="bond",
        by="tencent",
        listing="HK",
        qualifier="about",
        quote="9 billion yuan",
    ),
]


@pytest.fixture()
def store(db_path: Path) -> ArticleStore:
    return ArticleStore(db_path)


def count(db_path: Path, table: str) -> int:
    with duckdb.connect(str(db_path), read_only=True) as con:
        row = con.execute(f"SELECT count(*) FROM {table}").fetchone()
    assert row is not None
    return int(row[0])


def test_adding_the_same_article_twice_keeps_one_row(store: ArticleStore, db_path: Path) -> None:
    first = store.add_articles([A, B])
    assert first.added == (A.id, B.id) and first.already_present == ()
    again = art("foundry-copy", "A foundry  rose 9%\non Wednesday.")  # same text, other whitespace
    second = store.add_articles([again, C, C])
    assert second.added == (C.id,) and second.already_present == (A.id,)
    assert count(db_path, "articles") == 3
    assert store.get_article(A.id).name == "foundry"  # the first stored copy is kept


def test_round_trip_keeps_every_field(store: ArticleStore) -> None:
    store.add_articles([A, C])
    got = store.get_article(A.id)
    assert got == A
    assert store.get_article(C.id).kind == "html"
    assert [a.name for a in store.articles()] == ["foundry", "cloud"]  # dated first


def test_a_failing_write_leaves_nothing_half_stored(store: ArticleStore, db_path: Path) -> None:
    broken = Article(name=None, text="No name makes the NOT NULL constraint fail.")  # type: ignore[arg-type]
    with pytest.raises(StoreError, match="NOT NULL"):
        store.add_articles([A, B, broken])
    assert count(db_path, "articles") == 0
    assert store.add_articles([A, B]).added == (A.id, B.id)


def test_get_article_by_id_prefix_or_name(store: ArticleStore) -> None:
    store.add_articles([A, B, art("index", "Another article also named index.")])
    assert store.get_article(A.id[:8]).name == "foundry"
    assert store.get_article("foundry").id == A.id
    with pytest.raises(ArticleError, match=r"^nothing: no stored article with this id or name$"):
        store.get_article("nothing")
    with pytest.raises(ArticleError, match=r"^index: matches 2 articles .*; give an id$"):
        store.get_article("index")


def test_replace_claims_never_duplicates_and_round_trips(
    store: ArticleStore, db_path: Path
) -> None:
    store.add_articles([A, B])
    assert store.replace_claims(A.id, CLAIMS, extractor="rules") == 3
    assert store.replace_claims(A.id, CLAIMS, extractor="rules") == 3
    assert count(db_path, "claims") == 3
    got = store.read_claims()
    assert got == [
        Claim(**{**c.__dict__, "article": "foundry", "article_id": A.id})
        for c in CLAIMS  # type: ignore[arg-type]
    ]
    assert got[1].value == "2021-11" and got[0].value == 9.0
    assert got[2].value_usd == 1.27e9 and got[2].by == "tencent" and got[2].listing == "HK"
    # re-extraction with fewer claims replaces, not appends
    store.replace_claims(A.id, CLAIMS[:1], extractor="rules-v2")
    store.replace_claims(B.id, CLAIMS[1:], extractor="rules-v2")
    assert [c.entity for c in store.read_claims([A.id])] == ["smic"]
    assert [c.article for c in store.read_claims()] == ["foundry", "index", "index"]
    assert store.list_articles().set_index("name")["claims"].to_dict() == {"foundry": 1, "index": 2}


def test_replace_claims_is_all_or_nothing(store: ArticleStore) -> None:
    store.add_articles([A])
    store.replace_claims(A.id, CLAIMS, extractor="rules")
    bad = [CLAIMS[0], Claim(entity=None, metric="capex", value=1.0)]  # type: ignore[arg-type]
    with pytest.raises(StoreError):
        store.replace_claims(A.id, bad, extractor="rules")
    assert len(store.read_claims()) == 3  # the old claims are intact
    with pytest.raises(ArticleError, match="no such article in the store"):
        store.replace_claims("f" * 64, CLAIMS, extractor="rules")


def test_verdict_columns_exist_and_start_null(store: ArticleStore, db_path: Path) -> None:
    store.add_articles([A])
    store.replace_claims(A.id, CLAIMS, extractor="rules")
    with duckdb.connect(str(db_path), read_only=True) as con:
        rows = con.execute(
            'SELECT ticker, "asof", computed, verdict, reason, verified_at, extractor FROM claims'
        ).fetchall()
    assert rows == [(None, None, None, None, None, None, "rules")] * 3


def test_list_articles_columns_and_order(store: ArticleStore) -> None:
    assert list(store.list_articles().columns) == [*ARTICLE_COLUMNS, "chars", "claims"]
    store.add_articles([C, B, A])
    frame = store.list_articles()
    assert list(frame["name"]) == ["foundry", "index", "cloud"]
    assert frame.loc[0, "published"] == date(2025, 9, 17)
    assert frame.loc[2, "chars"] == len(C.text)


def test_shares_the_file_with_the_price_cache(db_path: Path) -> None:
    PriceStore(db_path)
    store = ArticleStore(db_path)
    store.add_articles([A])
    assert PriceStore(db_path).coverage().empty
    assert ArticleStore(db_path).get_article("foundry") == A


def test_a_file_that_is_not_duckdb_is_a_store_error(tmp_path: Path) -> None:
    bad = tmp_path / "not.duckdb"
    bad.write_text("hello")
    with pytest.raises(StoreError, match="not a DuckDB database file"):
        ArticleStore(bad)


def test_repeats_within_one_write_keep_the_first_and_its_order(store: ArticleStore) -> None:
    a_copy = art("foundry-copy", A.text)
    result = store.add_articles([A, B, a_copy, C])
    assert result.added == (A.id, B.id, C.id)
    assert store.get_article(A.id).name == "foundry"


def test_claims_and_verdicts_keep_the_keys_that_made_them(store: ArticleStore) -> None:
    store.add_articles([A, B])
    stored = store.replace_claims_many(
        {A.id: CLAIMS, B.id: CLAIMS[:1]}, extractor="rules", key={A.id: "ka", B.id: "kb"}
    )
    assert stored == 4
    asked = {A.id: "ka", B.id: "changed", C.id: "ka"}  # C is not stored at all
    assert store.extracted_under(asked) == {A.id: None}  # extracted, not yet verified
    made = [
        StoredVerdict("0981.HK", date(2025, 9, 17), 9.1234, "supported", "ok", False, 9.1, -1.2,
                      9.5, date(2025, 9, 17)),
        StoredVerdict("3032.HK", None, "2021-11", "contradicted", "later high", True),
        StoredVerdict(None, None, None, "unverifiable", "no source checks bonds"),
    ]  # fmt: skip
    failed = store.record_verdicts_many(
        {A.id: made, B.id: made}, keys={A.id: "evidence-1", B.id: "evidence-1"}
    )
    assert failed == {B.id: "3 verdicts for 1 stored claims"}
    assert store.extracted_under({A.id: "ka", B.id: "kb"}) == {A.id: "evidence-1", B.id: None}
    assert [v for _, v in store.read_verified([A.id])] == made  # read back as made
    assert [v for _, v in store.read_verified([B.id])] == [None]
    store.replace_claims_many({A.id: CLAIMS}, extractor="rules", key="ka2")  # its verdicts go
    assert store.extracted_under({A.id: "ka2"}) == {A.id: None}
    assert [v for _, v in store.read_verified([A.id])] == [None] * 3


def test_a_session_stores_and_reads_a_thousand_articles_on_one_connection(
    store: ArticleStore,
) -> None:
    many = [art(f"a{i:04d}", f"Baidu rose {i}.5% on day {i}.") for i in range(1000)]
    claims = {a.id: CLAIMS[:2] for a in many}
    opened = DuckDBFile.connections_opened()
    with store.session():
        assert len(store.add_articles(many).added) == 1000
        assert store.replace_claims_many(claims, extractor="rules", key="k") == 2000
        assert len(store.extracted_under(dict.fromkeys(claims, "k"))) == 1000
        assert len(store.read_verified(list(claims)[:10])) == 20
        assert store.add_articles(many).already_present == tuple(claims)
    assert DuckDBFile.connections_opened() - opened == 1
    assert store.list_articles()["claims"].sum() == 2000
