"""An entity's page shows that entity only: its rally rows and charts, its claims, the
comparisons of its figures across articles, its sentiment; and only entities with prices
have a page."""

from __future__ import annotations

import html
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from themelens.pipeline.model import ThemeRun
from themelens.pipeline.stored import RunReader
from themelens.report.web import create_app

Table = dict[str, Any]
"""``{"head": [cell, ...], "rows": [({data attribute: value}, [cell, ...]), ...]}``"""


class _Tables(HTMLParser):
    """Each ``<table id>``: its header cells and its body rows (data attributes, cell texts)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, Table] = {}
        self._table: str | None = None
        self._row: tuple[dict[str, str], list[str]] | None = None
        self._cell: list[str] | None = None
        self._head = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if tag == "table" and "id" in found:
            self._table = found["id"]
            self.tables[self._table] = {"head": [], "rows": []}
        elif self._table is None:
            return
        elif tag == "thead":
            self._head = True
        elif tag == "tr":
            self._row = ({k[5:]: v for k, v in found.items() if k.startswith("data-")}, [])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._table is None:
            return
        table = self.tables[self._table]
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row[1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr" and self._row is not None:
            if self._head:
                table["head"] = self._row[1]
            else:
                table["rows"].append(self._row)
            self._row = None
        elif tag == "thead":
            self._head = False
        elif tag == "table":
            self._table = None


def _tables(page: str) -> dict[str, Table]:
    parser = _Tables()
    parser.feed(page)
    return parser.tables


def _column(table: Table, name: str) -> list[str]:
    at = table["head"].index(name)
    return [cells[at] for _, cells in table["rows"]]


def _figures(page: str) -> dict[str, Any]:
    text = page.split('<script type="application/json" id="figures">')[1].split("</script>")[0]
    figures: dict[str, Any] = json.loads(text)
    return figures


@pytest.fixture(scope="module")
def client(demo_db: Path, demo_context: ThemeRun) -> TestClient:
    reader = RunReader(demo_db, demo_context.theme.name)
    return TestClient(create_app(reader.load, reader.runs))


def test_the_full_pages_hold_other_entities(client: TestClient) -> None:
    """What the entity pages must leave out is there to leave out (else the test below proves
    nothing)."""
    tables = _tables(client.get("/claims").text)
    assert len({attrs["entity"] for attrs, _ in tables["claims"]["rows"]}) >= 5
    assert set(_column(tables["conflicts"], "entity")) >= {"alibaba", "tencent"}
    assert len(set(_column(tables["sentiment"], "entity"))) >= 5


def test_an_entity_page_shows_that_entity_only(client: TestClient) -> None:
    entities = [e for e in client.get("/api/run").json()["entities"] if e["has_prices"]]
    assert len(entities) >= 10
    compared = set()
    for e in entities:
        response = client.get(f"/entity/{e['slug']}")
        assert response.status_code == 200, e
        page = response.text
        title = re.search(r"<h1[^>]*>(.*?)</h1>", page, re.S)
        assert title is not None and html.unescape(title.group(1)).endswith(e["name"])
        tables = _tables(page)
        rally = [t for name, t in tables.items() if name.startswith("rally-")]
        assert [_column(t, "ticker") for t in rally] == [[e["ticker"]]], e["slug"]
        assert "group-table" not in tables  # the theme's group averages are not the entity's
        if "claims" in tables:
            assert {attrs["entity"] for attrs, _ in tables["claims"]["rows"]} == {e["slug"]}
        if "conflicts" in tables:
            assert set(_column(tables["conflicts"], "entity")) == {e["slug"]}
            compared.add(e["slug"])
        if "sentiment" in tables:
            assert set(_column(tables["sentiment"], "entity")) == {e["slug"]}
        traces = {t.get("name") for f in _figures(page).values() for t in f["data"]}
        assert traces <= {e["name"]}, (e["slug"], traces)
        if e["role"] != "benchmark":
            assert traces == {e["name"]}, e["slug"]  # its charts are there
    assert {"alibaba", "tencent"} <= compared  # the demo's conflict and agreement


def test_the_navigation_links_the_entities_with_prices(
    client: TestClient, demo_context: ThemeRun
) -> None:
    priced = {e["slug"] for e in client.get("/api/run").json()["entities"] if e["has_prices"]}
    for path in ("/claims", "/entity/baidu", "/runs"):
        page = client.get(path).text
        linked = set(re.findall(r'href="/entity/([^"?]+)"', page))
        assert linked == priced, path
    assert "ndx" not in priced and "nasdaq-composite" not in priced  # prices, no rally row
    run = demo_context.run_id
    pinned = client.get(f"/entity/baidu?run={run}").text
    assert f'href="/entity/alibaba?run={run}"' in pinned and f'href="/claims?run={run}"' in pinned
    unpinned = re.findall(r'href="(/entity/[^"]*)"', client.get("/entity/baidu").text)
    assert unpinned and not any("?run=" in h for h in unpinned)


def test_the_claims_page_filters_claims_and_comparisons(client: TestClient) -> None:
    tables = _tables(client.get("/claims?entity=alibaba&verdict=contradicted").text)
    rows = tables["claims"]["rows"]
    assert rows and {(a["entity"], a["verdict"]) for a, _ in rows} == {("alibaba", "contradicted")}
    assert set(_column(tables["conflicts"], "entity")) == {"alibaba"}
