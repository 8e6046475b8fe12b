"""Fuzzing the web app: any query string, path segment or Host header gets an answer, never a 500.

Every route of ``themelens serve`` is called through FastAPI's TestClient on
an app built as ``serve`` builds it (a ``RunReader`` over a real stored
demo run), with random strings for every query parameter, random entity
slugs, raw (possibly malformed) query strings and random Host headers. A 500
or a traceback in a body is a bug; 400 (a foreign host), 404 (no such
entity or run) and 422 (a parameter FastAPI rejects) are answers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from themelens.cli.report import demo_articles
from themelens.config import resolve_settings
from themelens.pipeline.run import run_theme
from themelens.pipeline.stored import RunReader
from themelens.report.web import allowed_hosts, create_app
from themelens.theme import load_theme

FAST = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
BASE = "http://127.0.0.1:8000"
ROUTES = ("/", "/runs", "/claims", "/api/claims", "/entity/baidu")
PARAMS = ("run", "verdict", "entity")
ANSWERS = {200, 400, 404, 405, 422}

TEXT = st.text(st.characters(exclude_categories=["Cs"]), max_size=60) | st.sampled_from(
    ["", " ", "supported", "baidu", "<!--<script>", "</script>", "%00", "\x00", "../..", "'; --",
     "a" * 5000, "ffffffffffff", "null", "NaN", "🙂", "\u2028", "?run=", "&entity="]
)  # fmt: skip
RAW_QUERY = st.text(st.sampled_from("run=verdict&entity;%0fF+#?/\\x00é<>'\" "), max_size=80)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> TestClient:
    """The app on a stored demo run with the demo articles (claims of every verdict)."""
    db: Path = tmp_path_factory.mktemp("fuzz-web") / "s.duckdb"
    settings_ = resolve_settings(db=db, demo=True)
    theme = load_theme()
    run_theme(settings_, theme, articles=demo_articles())
    reader = RunReader(db, theme.name)
    app = create_app(reader.load, reader.runs, hosts=allowed_hosts("127.0.0.1", 8000))
    return TestClient(app, base_url=BASE, raise_server_exceptions=False)


def _check(response: Any) -> None:  # the TestClient's response (httpx or httpx2)
    where = f"{response.request.method} {response.request.url}"
    assert response.status_code in ANSWERS, f"{where}: {response.status_code} {response.text[:500]}"
    assert "Traceback" not in response.text, where
    assert 'File "' not in response.text, where


@FAST
@given(
    route=st.sampled_from(ROUTES),
    params=st.dictionaries(st.sampled_from(PARAMS) | TEXT, TEXT, max_size=4),
)
def test_any_query_parameters(client: TestClient, route: str, params: dict[str, str]) -> None:
    _check(client.get(route, params=params))


@FAST
@given(slug=TEXT, params=st.dictionaries(st.sampled_from(PARAMS), TEXT, max_size=3))
def test_any_entity_slug(client: TestClient, slug: str, params: dict[str, str]) -> None:
    _check(client.get(f"/entity/{quote(slug, safe='')}", params=params))


@FAST
@given(route=st.sampled_from(ROUTES), raw=RAW_QUERY)
def test_any_raw_query_string(client: TestClient, route: str, raw: str) -> None:
    _check(client.get(f"{route}?{raw}"))


@FAST
@given(host=st.text(st.characters(min_codepoint=33, max_codepoint=126), max_size=40))
def test_any_host_header(client: TestClient, host: str) -> None:
    response = client.get("/api/claims", headers={"host": host})
    _check(response)
    assert (response.status_code == 200) == (host.lower() in allowed_hosts("127.0.0.1", 8000))
