"""The watch's live table for the web app: ``/watch`` (a page) and ``/api/watch`` (its JSON).

``watch_router(db_path)`` is a FastAPI ``APIRouter`` the web app includes.
The page is static HTML with a few lines of JavaScript that fetch
``/api/watch`` every few seconds and redraw the tables (new claims with
their first and final verdicts, alerts, feeds), so it follows a running
``themelens watch`` without reloading. Text from articles is put in with
``textContent``, never as HTML. A busy or missing store answers 503 with
``Retry-After``, and the page keeps its last table and says so.
"""

from __future__ import annotations

import json
import math
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from themelens.errors import StoreError
from themelens.watch.clock import utcnow
from themelens.watch.state import WatchStore

__all__ = ["WATCH_PATHS", "watch_router"]

WATCH_PATHS: Final = ("/watch", "/api/watch")


def watch_router(db_path: Path, *, refresh_s: float = 5.0, limit: int = 200) -> APIRouter:
    """``/watch`` and ``/api/watch`` over the watch tables in ``db_path``.

    Parameters
    ----------
    db_path
        The DuckDB file a ``themelens watch`` writes (``Settings.db_path``).
    refresh_s
        How often the page asks for new rows.
    limit
        The most claim rows an answer holds (newest articles first).
    """
    router = APIRouter()
    opened: list[WatchStore] = []

    def store() -> WatchStore:
        if not opened:  # opened on first use: a busy file must not stop the app from starting
            opened.append(WatchStore(db_path, lock_timeout_s=5.0))
        return opened[0]

    @router.get("/api/watch", summary="The watch's claims, verdicts, alerts and feeds")
    def api_watch() -> Response:
        try:
            snap = store().snapshot(limit=limit)
        except StoreError as exc:
            problem = {"error": " ".join(str(exc).split())}
            return Response(_json(problem), 503, {"Retry-After": "5"}, "application/json")
        counts = snap["counts"][0] if snap["counts"] else {}
        alerts = [
            {**json.loads(a["payload"]), "delivered_at": _plain(a["delivered_at"])}
            for a in snap["alerts"]
        ]
        body: dict[str, Any] = {
            "generated_at": _plain(utcnow()),
            "counts": counts,
            "claims": snap["claims"],
            "alerts": alerts,
            "feeds": snap["feeds"],
        }
        return Response(_json(body), media_type="application/json")

    @router.get("/watch", response_class=HTMLResponse, summary="The watch's live table")
    def page() -> HTMLResponse:
        return HTMLResponse(_PAGE.replace("__REFRESH_MS__", str(int(refresh_s * 1000))))

    return router


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds") + ("" if value.tzinfo else "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _json(body: dict[str, Any]) -> bytes:
    return json.dumps(_plain(body), ensure_ascii=False).encode("utf-8")


_PAGE: Final = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>themelens watch</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#222}
table{border-collapse:collapse;width:100%;margin-bottom:1.5rem}
th,td{border-bottom:1px solid #ddd;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f4f4f4}
.supported{color:#176117}.supported_intraday{color:#8a6d00}.misdated{color:#8b1a8b}
.contradicted{color:#b00020;font-weight:600}.unverifiable{color:#777}
#status{color:#555}#status.stale{color:#b00020}
</style></head>
<body>
<h1>themelens watch</h1>
<p id="status">loading&hellip;</p>
<p id="counts"></p>
<h2>Alerts</h2>
<table><thead><tr><th>at (UTC)</th><th>verdict</th><th>claim</th><th>article</th>
<th>reason</th></tr></thead><tbody id="alerts"></tbody></table>
<h2>New claims</h2>
<table><thead><tr><th>arrived (UTC)</th><th>article</th><th>entity</th><th>metric</th>
<th>value</th><th>ticker</th><th>session</th><th>first verdict</th><th>final verdict</th>
<th>reason</th></tr></thead><tbody id="claims"></tbody></table>
<h2>Feeds</h2>
<table><thead><tr><th>feed</th><th>last ok</th><th>polls</th><th>items</th>
<th>failures</th><th>retry at</th><th>last error</th></tr></thead>
<tbody id="feeds"></tbody></table>
<script>
const every = __REFRESH_MS__;
function cell(tr, text, cls) {
  const td = document.createElement("td");
  td.textContent = text == null ? "" : String(text);
  if (cls) td.className = cls;
  tr.appendChild(td);
}
function fill(id, rows, cells) {
  const body = document.getElementById(id);
  const out = document.createDocumentFragment();
  for (const row of rows) { const tr = document.createElement("tr"); cells(tr, row); out.appendChild(tr); }
  body.replaceChildren(out);
}
const hhmm = (t) => t ? t.replace("T", " ").slice(0, 16) : "";
const said = (v, at, tape) => v ? `${v} (${hhmm(at).slice(11)}${tape ? ", " + tape : ""})` : "pending";
async function refresh() {
  const status = document.getElementById("status");
  try {
    const answer = await fetch("/api/watch", {cache: "no-store"});
    const data = await answer.json();
    if (!answer.ok) throw new Error(data.error || answer.status);
    const c = data.counts;
    document.getElementById("counts").textContent =
      `${c.items} items, ${c.claims} claims, ${c.alerts} alerts, ${c.rechecks_pending} awaiting the close`;
    fill("alerts", data.alerts, (tr, a) => {
      cell(tr, hhmm(a.at)); cell(tr, a.verdict, a.verdict);
      cell(tr, `${a.entity} ${a.metric} ${a.value}`); cell(tr, a.article); cell(tr, a.reason);
    });
    fill("claims", data.claims, (tr, r) => {
      cell(tr, hhmm(r.arrived_at)); cell(tr, r.title || r.article); cell(tr, r.entity);
      cell(tr, r.metric); cell(tr, r.value); cell(tr, r.ticker); cell(tr, r.asof);
      cell(tr, said(r.first_verdict, r.first_at, r.first_tape), r.first_verdict);
      cell(tr, said(r.final_verdict, r.final_at, r.final_tape), r.final_verdict);
      cell(tr, r.reason);
    });
    fill("feeds", data.feeds, (tr, f) => {
      cell(tr, f.feed); cell(tr, hhmm(f.last_ok_at)); cell(tr, f.polls); cell(tr, f.items);
      cell(tr, f.failures); cell(tr, hhmm(f.retry_at)); cell(tr, f.last_error);
    });
    status.className = ""; status.textContent = `updated ${hhmm(data.generated_at)} UTC`;
  } catch (err) {
    status.className = "stale"; status.textContent = `not updated (${err.message}); retrying`;
  }
}
refresh();
setInterval(refresh, every);
</script>
</body></html>
"""
