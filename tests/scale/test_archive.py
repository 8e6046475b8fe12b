"""The archive stages in this process (``workers=0``): the same answers as the single-process
path, resumable, incremental, and a bad shard named rather than fatal."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from scale_corpus import single_process, write_corpus

from themelens.scale import (
    Archive,
    add_articles,
    archive_status,
    extract_archive,
    read_articles,
    read_claims,
    read_verified,
    register_views,
    verify_archive,
)
from themelens.scale.shards import check_shard, shard_key, write_shard
from themelens.scale.views import query
from themelens.theme import Theme


def _run_all(archive: Archive, folder: Path, theme: Theme, prices: pd.DataFrame, size: int = 8):  # type: ignore[no-untyped-def]
    added = add_articles(archive, [str(folder)], client=None, partition_size=size)
    extracted = extract_archive(archive, theme, client=None)
    verified = verify_archive(archive, theme, prices, client=None)
    return added, extracted, verified


def test_archive_gives_the_single_process_answers(
    tmp_path: Path, corpus: Path, theme: Theme, demo_prices: pd.DataFrame
) -> None:
    archive = Archive.open(tmp_path / "archive")
    db = tmp_path / "store.duckdb"
    added, extracted, verified = _run_all(archive, corpus, theme, demo_prices)
    assert added.rows == 40 and added.written == 6  # 41 inputs in partitions of 8
    assert [str(f) for f in added.failures()] == [f"{corpus / 'zz-empty.txt'}: empty file"]
    assert extracted.shards_written == verified.shards_written > 5  # shards split by month
    register_views(archive, db)

    articles, claims, rows = single_process(corpus, theme, demo_prices)
    got = read_articles(db)
    assert [a.article.id for a in got] == [a.id for a in articles]
    assert [(a.article.name, a.article.published, a.article.text) for a in got] == [
        (a.name, a.published, a.text) for a in articles
    ]
    assert read_claims(db) == claims  # the same claims in the same order
    assert len(claims) > 100
    assert [v.to_dict() for v in read_verified(db)] == [r.to_dict() for r in rows]
    verdicts = {r.verdict for r in rows}
    assert {"contradicted", "unverifiable"} <= verdicts  # the comparison covers real verdicts


def test_a_rerun_resumes_and_new_inputs_are_read_alone(
    tmp_path: Path, corpus: Path, theme: Theme, demo_prices: pd.DataFrame
) -> None:
    archive = Archive.open(tmp_path / "archive")
    first = _run_all(archive, corpus, theme, demo_prices)
    again = _run_all(archive, corpus, theme, demo_prices)
    assert [r.written for r in again] == [0, 0, 0]
    assert again[1].skipped == first[1].shards_written == again[2].skipped
    assert again[0].notes == ("41 inputs already in the archive (not read again)",)

    write_corpus(corpus, 5, start=100)  # five new files beside the old ones
    more = add_articles(archive, [str(corpus)], client=None, partition_size=8)
    assert more.rows == 5 and more.written == 1
    extracted = extract_archive(archive, theme, client=None)
    assert extracted.skipped == first[1].shards_written and extracted.written >= 1

    db = tmp_path / "store.duckdb"
    register_views(archive, db)
    articles, claims, _ = single_process(corpus, theme, demo_prices)
    assert sorted(a.article.id for a in read_articles(db)) == sorted(a.id for a in articles)
    key = lambda c: (c.article_id, c.start, c.metric, c.entity)  # noqa: E731
    assert sorted(read_claims(db), key=key) == sorted(claims, key=key)


def test_a_changed_theme_re_extracts_and_old_verdicts_are_hidden(
    tmp_path: Path, corpus: Path, theme: Theme, demo_prices: pd.DataFrame
) -> None:
    archive = Archive.open(tmp_path / "archive")
    db = tmp_path / "store.duckdb"
    _run_all(archive, corpus, theme, demo_prices)
    other = theme.model_copy(update={"name": f"{theme.name} (desk copy)"})
    status = archive_status(archive, db, theme=other)
    assert status.to_extract == status.stale == status.shards["articles"] > 0
    again = extract_archive(archive, other, client=None)
    assert again.skipped == 0 and again.shards_written == status.shards["articles"]
    status = archive_status(archive, db, theme=other)
    assert status.shards["verdicts"] == 0 and status.to_verify == status.shards["claims"]
    assert int(status.months["verdicts"].sum()) == 0  # verdicts of old claims are not shown


def test_a_parquet_table_of_articles_is_an_input(
    tmp_path: Path, corpus: Path, theme: Theme
) -> None:
    texts = [p.read_text(encoding="utf-8") for p in sorted(corpus.glob("a*.txt"))[:12]]
    table = pa.table(
        {
            "text": [*texts, "   "],
            "name": [f"row{i}" for i in range(13)],
            "published": [pd.Timestamp("2025-09-01").date()] * 13,
        }
    )
    path = tmp_path / "feed.parquet"
    pq.write_table(table, path, row_group_size=5)  # three row groups, three items
    archive = Archive.open(tmp_path / "archive")
    added = add_articles(archive, [str(path)], client=None, partition_size=5)
    assert added.written == 3 and added.rows == 12
    assert [str(f) for f in added.failures()] == [f"{path} row 12: empty: no text"]
    db = tmp_path / "store.duckdb"
    register_views(archive, db)
    rows = query(db, "SELECT name, month FROM archive_articles ORDER BY seq, sub")
    assert [r["name"] for r in rows] == [f"row{i}" for i in range(12)]
    assert {r["month"] for r in rows} == {"2025-09"}


def test_a_corrupt_shard_is_named_and_the_rest_goes_on(
    tmp_path: Path, corpus: Path, theme: Theme, demo_prices: pd.DataFrame
) -> None:
    archive = Archive.open(tmp_path / "archive")
    add_articles(archive, [str(corpus)], client=None, partition_size=8)
    shards, _ = archive.article_shards()
    bad = archive.path("articles", shards[1])
    bad.write_bytes(bad.read_bytes()[:100])  # truncated: the footer is gone
    assert check_shard(bad) is not None

    extracted = extract_archive(archive, theme, client=None)
    assert extracted.written == len(shards) - 1
    [failed] = [o for o in extracted.outcomes if o.status == "failed"]
    assert failed.label == shards[1].relative("articles")
    assert failed.reason.startswith(
        f"{shards[1].relative('articles')}: not a readable Parquet file"
    )

    claims = archive.path("claims", shards[3])
    claims.write_bytes(b"not parquet at all")
    verified = verify_archive(archive, theme, demo_prices, client=None)
    assert verified.shards_written == len(shards) - 2  # the bad shard's batch went on
    assert [(f.item, f.reason[:27]) for f in verified.failures()] == [
        (shards[3].relative("claims"), "not a readable Parquet file")
    ]

    db = tmp_path / "store.duckdb"
    status = archive_status(archive, db, theme=theme)
    assert [p.item for p in status.problems] == [
        shards[1].relative("articles"),
        shards[3].relative("claims"),
    ]
    assert status.shards["articles"] == len(shards) - 1  # left out of the views, not fatal
    assert int(status.months["articles"].sum()) > 0


def test_shards_are_written_whole_with_their_key(tmp_path: Path) -> None:
    path = tmp_path / "t" / "x.parquet"
    assert write_shard(pa.table({"a": [1, 2, 3]}), path, key="k1") == 3
    assert shard_key(path) == "k1" and check_shard(path) is None
    write_shard(pa.table({"a": [4]}), path, key="k2")  # replaced whole
    assert shard_key(path) == "k2" and pq.read_table(path).num_rows == 1
    assert [p.name for p in path.parent.iterdir()] == ["x.parquet"]  # no temporary left
    taken = tmp_path / "t" / "y.parquet"
    taken.mkdir()  # the final name is a folder: the rename fails after the file was written
    with pytest.raises(OSError):
        write_shard(pa.table({"a": [1]}), taken, key="k3")
    assert sorted(p.name for p in path.parent.iterdir()) == ["x.parquet", "y.parquet"]
    assert not list(taken.iterdir())  # the temporary file is gone too
