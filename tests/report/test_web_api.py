"""The JSON API: documented in docs/api.md route for route, and each answer is the run's own
result as the result object writes it."""

from __future__ import annotations

import json
import math
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from themelens.pipeline.model import ThemeRun
from themelens.pipeline.stored import RunReader
from themelens.report.web import create_app
from themelens.report.web._api import json_bytes, plain

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"


@pytest.fixture(scope="module")
def app(demo_db: Path, demo_context: ThemeRun) -> Any:
    reader = RunReader(demo_db, demo_context.theme.name)
    return create_app(reader.load, reader.runs)


@pytest.fixture(scope="module")
def client(app: Any) -> TestClient:
    return TestClient(app)


def _documented() -> dict[str, str]:
    """Each documented path → the text of its section."""
    text = DOC.read_text(encoding="utf-8")
    parts = re.split(r"^### GET (\S+)\s*$", text, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def _api_routes(app: Any) -> dict[str, APIRoute]:
    return {r.path: r for r in app.routes if isinstance(r, APIRoute) and r.path.startswith("/api")}


def _strict(text: str) -> Any:
    """JSON as the standard has it: NaN or Infinity in a body is an error."""

    def refuse(token: str) -> None:
        raise AssertionError(f"{token} in a JSON body")

    return json.loads(text, parse_constant=refuse)


def test_every_api_route_is_documented_and_every_documented_path_exists(app: Any) -> None:
    documented, routes = _documented(), _api_routes(app)
    assert set(routes) - set(documented) == set(), "routes missing from docs/api.md"
    assert set(documented) - set(routes) == set(), "docs/api.md names paths the app lacks"
    for path, route in routes.items():
        section = documented[path]
        for param in route.dependant.query_params:
            assert f"`{param.alias}`" in section, f"{path}: docs/api.md misses `{param.alias}`"
        assert "Status:" in section and "```json" in section, path


def test_every_documented_path_answers_the_demo_run(
    client: TestClient, demo_context: ThemeRun
) -> None:
    for path in _documented():
        response = client.get(path)
        assert response.status_code == 200, (path, response.text[:300])
        assert response.headers["content-type"] == "application/json"
        body = _strict(response.text)
        assert body, path
        if path != "/api/runs":
            assert response.headers["x-themelens-run"] == demo_context.run_id, path
            pinned = client.get(path, params={"run": demo_context.run_id})
            assert pinned.status_code == 200 and pinned.content == response.content, path


def _same(value: object) -> Any:
    """``value`` as a client reads it back from the app."""
    return json.loads(json_bytes(value))


def test_the_answers_are_the_results_own_json(client: TestClient, demo_context: ThemeRun) -> None:
    ctx = demo_context
    assert ctx.verify and ctx.events and ctx.basket and ctx.reconcile and ctx.fundamentals
    assert client.get("/api/claims").json() == _same(ctx.verify.to_records())
    assert client.get("/api/events").json() == _same(ctx.events.to_dict())
    assert client.get("/api/basket").json() == _same(ctx.basket.to_dict())
    assert client.get("/api/sources").json() == _same(ctx.reconcile.to_dict())
    fundamentals = client.get("/api/fundamentals").json()
    assert ctx.fundamentals.montecarlo is not None
    assert fundamentals["montecarlo"] == _same(ctx.fundamentals.montecarlo.to_dict())
    run = client.get("/api/run").json()
    assert run["run_id"] == ctx.run_id and run["synthetic"] is True
    assert run["theme"]["name"] == ctx.theme.name and all(run["available"].values())
    assert ctx.run_id in {r["id"] for r in client.get("/api/runs").json()}
    provenance = client.get("/api/provenance").json()
    assert [a["name"] for a in provenance["articles"]] == [a.name for a in ctx.articles]


def test_rally_rows_carry_their_entity_and_filter_on_it(
    client: TestClient, demo_context: ThemeRun
) -> None:
    assert demo_context.rally is not None
    everything = client.get("/api/rally").json()
    assert [r["ticker"] for r in everything["rows"]] == list(demo_context.rally.rows["ticker"])
    baidu = client.get("/api/rally", params={"entity": "baidu"}).json()
    assert [(r["ticker"], r["entity"], r["role"]) for r in baidu["rows"]] == [
        ("9888.HK", "baidu", "leader")
    ]
    assert baidu["groups"] == everything["groups"] and len(baidu["groups"]) == 3


def test_filters_narrow_claims_and_comparisons(client: TestClient) -> None:
    claims = client.get("/api/claims", params={"verdict": "contradicted", "entity": "alibaba"})
    rows = claims.json()
    assert rows and {(r["verdict"], r["entity"]) for r in rows} == {("contradicted", "alibaba")}
    conflicts = client.get("/api/sources", params={"label": "conflict"}).json()
    assert conflicts["groups"] and {g["label"] for g in conflicts["groups"]} == {"conflict"}
    assert conflicts["counts"]["single"] == 0  # the counts are of what passed the filter
    alibaba = client.get("/api/sources", params={"entity": "alibaba"}).json()
    assert alibaba["groups"] and {g["entity"] for g in alibaba["groups"]} == {"alibaba"}
    sentiment = client.get("/api/sentiment", params={"entity": "baidu"}).json()
    assert [s["entity"] for s in sentiment] == ["baidu"]


def test_the_headline_is_the_pages_sentences(client: TestClient) -> None:
    headline = client.get("/api/headline").json()
    page = client.get("/").text
    items = re.search(r'<ul class="headline">(.*?)</ul>', page, re.S)
    assert items is not None
    assert len(headline["sentences"]) == items.group(1).count("<li>") >= 2
    assert headline["sentences"][0].startswith("Hang Seng TECH Index")
    assert all("<" not in s for s in headline["sentences"])


def test_a_result_the_run_lacks_is_404_saying_so(demo_context: ThemeRun) -> None:
    bare = replace(demo_context, events=None, basket=None)
    client = TestClient(create_app(lambda run=None: bare))
    for path, words in (("/api/events", "no event study"), ("/api/basket", "no basket")):
        response = client.get(path)
        assert response.status_code == 404 and words in response.json()["error"], path
    assert client.get("/api/run").json()["available"]["events"] is False


def test_json_has_no_nan_and_no_numpy() -> None:
    value = {
        "nan": float("nan"),
        "inf": np.float64("inf"),
        "n": np.int64(3),
        "x": np.float32(0.5),
        "day": pd.Timestamp("2025-09-17"),
        "at": pd.Timestamp("2025-09-17 08:30:05"),
        "nat": pd.NaT,
        "rows": (1.0, math.nan),
        "flag": np.bool_(True),
    }
    assert plain(value) == {
        "nan": None, "inf": None, "n": 3, "x": 0.5, "day": "2025-09-17",
        "at": "2025-09-17T08:30:05", "nat": None, "rows": [1.0, None], "flag": True,
    }  # fmt: skip
    assert _strict(json_bytes(value).decode()) == plain(value)
