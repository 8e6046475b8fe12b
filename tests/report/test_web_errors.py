"""Every error of the web app is a page with the app's navigation, or ``{"error"}`` under /api/.

The app is built as ``serve`` builds it, over the stored demo run (a
``RunReader`` on the store the demo run wrote); a loader that fails stands
in only where the failure itself is the subject (a bug, a busy store).
"""

from __future__ import annotations

import html
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from themelens.errors import StoreError
from themelens.news.reconcile import LABELS
from themelens.pipeline.model import ThemeRun
from themelens.pipeline.run import market_figures
from themelens.pipeline.stored import RunReader
from themelens.report.web import create_app
from themelens.verify import VERDICTS

SITE_LINKS = ('href="/"', 'href="/claims"', 'href="/runs"')


@pytest.fixture(scope="module")
def client(demo_db: Path, demo_context: ThemeRun) -> TestClient:
    reader = RunReader(demo_db, demo_context.theme.name)
    return TestClient(create_app(reader.load, reader.runs), raise_server_exceptions=False)


def _message(page: str) -> str:
    found = re.search(r'id="error-message">(.*?)</p>', page, re.S)
    assert found is not None, page[:500]
    return html.unescape(found.group(1))


def _is_page(response: Any, status: int) -> str:
    """The one-line message of an HTML error page that has the app's navigation."""
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"].startswith("text/html")
    for link in SITE_LINKS:
        assert link in response.text
    assert "Traceback" not in response.text and 'File "' not in response.text
    return _message(response.text)


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [
        ("/nope", 404, ["/nope", "no such page"]),
        ("/entity/nope", 404, ["'nope'", "no entity"]),
        ("/entity/ndx", 404, ["Nasdaq-100", "no rally figures"]),
        ("/entity/china-ai-datacenters", 404, ["no listing", "no prices"]),
        ("/?run=ffffffffffff", 404, ["ffffffffffff", "no stored run"]),
        ("/entity/baidu?run=ffffffffffff", 404, ["ffffffffffff"]),
        ("/?run=nope", 400, ["run", "'nope'", "12 hex digits"]),
        ("/claims?verdict=bogus", 400, ["verdict", "'bogus'", *VERDICTS]),
        ("/claims?entity=nobody", 400, ["entity", "'nobody'", "baidu", "alibaba"]),
    ],
)
def test_an_html_error_is_a_page_with_navigation(
    client: TestClient, path: str, status: int, words: list[str]
) -> None:
    response = client.get(path)
    message = _is_page(response, status)
    assert all(w in message for w in words), message
    assert 'href="/entity/baidu"' in response.text  # the entities of the run, as on every page


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [
        ("/api/nope", 404, ["/api/nope"]),
        ("/api/claims?verdict=bogus", 400, ["verdict", "'bogus'", *VERDICTS]),
        ("/api/claims?entity=nobody", 400, ["entity", "'nobody'", "baidu"]),
        ("/api/sources?label=nope", 400, ["label", "'nope'", *LABELS]),
        ("/api/rally?run=nope", 400, ["run", "'nope'"]),
        ("/api/events?run=ffffffffffff", 404, ["ffffffffffff"]),
    ],
)
def test_an_api_error_is_json_with_the_same_status(
    client: TestClient, path: str, status: int, words: list[str]
) -> None:
    response = client.get(path)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert list(body) == ["error"] and all(w in body["error"] for w in words), body


def test_a_well_formed_filter_still_answers(client: TestClient) -> None:
    # the checks turn away bad values, not good ones
    assert client.get("/claims?verdict=misdated&entity=baidu").status_code == 200
    assert client.get("/claims?verdict=&entity=").status_code == 200  # "all", as the selects send
    assert client.get("/api/claims?entity=china-ai-datacenters").json()  # named by an article only
    assert client.get("/api/claims?unknown=1").status_code == 200


def test_a_method_other_than_get_is_405(client: TestClient) -> None:
    assert "only GET" in _is_page(client.post("/"), 405)
    response = client.delete("/api/claims")
    assert response.status_code == 405 and "only GET" in response.json()["error"]


def test_an_entity_without_prices_is_404_saying_so(demo_context: ThemeRun) -> None:
    """NAURA is in the theme (``roles`` lists it) but its prices did not come."""
    prices = demo_context.prices[demo_context.prices["ticker"] != "002371.SZ"]
    market = market_figures(demo_context.theme, prices, demo_context.asof)
    assert "002371.SZ" in market.roles and market.rally is not None
    assert "002371.SZ" not in set(market.rally.rows["ticker"])
    lost = "No prices for NAURA Technology (002371.SZ): no price file for this ticker"
    ctx = replace(
        demo_context,
        prices=prices,
        rally=market.rally,
        roles=market.roles,
        groups=market.groups,
        missing=(*demo_context.missing, lost),
    )
    client = TestClient(create_app(lambda run=None: ctx))
    response = client.get("/entity/naura")
    message = _is_page(response, 404)
    assert message.startswith("NAURA Technology (naura) has no prices in this run")
    assert "no price file" in message
    assert 'href="/entity/naura' not in response.text and 'href="/entity/smic' in response.text
    assert client.get("/entity/smic").status_code == 200
    naura = [e for e in client.get("/api/run").json()["entities"] if e["slug"] == "naura"]
    assert naura == [
        {"slug": "naura", "name": "NAURA Technology", "role": "supply-chain",
         "ticker": "002371.SZ", "has_prices": False}
    ]  # fmt: skip
    assert client.get("/api/rally?entity=naura").json()["rows"] == []


def test_a_bug_is_a_500_page_without_a_traceback(demo_context: ThemeRun) -> None:
    calls = {"n": 0}

    def load(run: str | None = None) -> ThemeRun:
        calls["n"] += 1
        if calls["n"] > 1:
            raise ValueError("secret detail at /home/someone/store")
        return demo_context

    client = TestClient(create_app(load), raise_server_exceptions=False)
    assert client.get("/api/run").status_code == 200
    page = client.get("/claims")
    message = _is_page(page, 500)
    assert "ValueError" in message and "secret detail" not in page.text
    assert 'href="/entity/baidu"' in page.text  # the run read before gives the navigation
    api = client.get("/api/headline")
    assert api.status_code == 500 and "ValueError" in api.json()["error"]
    assert "secret" not in api.text


def test_a_busy_store_before_any_run_was_read_is_a_503_page(
    tmp_path: Path, demo_context: ThemeRun
) -> None:
    def load(run: str | None = None) -> ThemeRun:
        raise StoreError("locked by another process", path=tmp_path / "s.duckdb")

    client = TestClient(create_app(load), raise_server_exceptions=False)
    page = client.get("/entity/baidu")
    assert "locked by another process" in _is_page(page, 503)
    assert page.headers["retry-after"] == "5" and "/entity/" not in page.text
    api = client.get("/api/claims")
    assert api.status_code == 503 and api.headers["retry-after"] == "5"
    assert "locked" in api.json()["error"]
    # with no run to show, still the app's page: the same style sheet and script as the others
    other = TestClient(create_app(lambda run=None: demo_context)).get("/nope").text
    for start, end in (("<style>", "</style>"), ("<script>", "</script>")):
        ours, theirs = (p.split(start, 1)[1].split(end, 1)[0] for p in (page.text, other))
        assert ours == theirs and len(ours) > 200, start


def test_serve_answers_an_unknown_path_with_a_page(served: str) -> None:
    page = httpx.get(served + "/nope")
    assert "/nope" in _is_page(page, 404)
    api = httpx.get(served + "/api/nope")
    assert api.status_code == 404 and api.json()["error"].startswith("/api/nope")
