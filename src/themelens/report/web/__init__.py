"""``themelens serve``: the report's views as a local web app (FastAPI).

Pages: ``/`` (the full report of a stored run, every section as ``themelens
report`` wrote it; ``?run=ID`` picks one, default the newest), ``/runs`` (the
stored runs), ``/entity/{slug}`` (one entity with prices in the run: its rally
rows and charts, its claims, the comparisons of its figures across articles),
``/claims?verdict=&entity=`` (the claims table, filtered on the server; the
page's selects filter in the browser too). ``/api/...`` has every section's
result as JSON (``docs/api.md``). The app renders the ``ThemeRun`` that
``load_context`` supplies, so it reads results and never computes them.

Modules: ``_app`` (``create_app``), ``_served`` (reading runs, building an
answer once per run id, a busy store), ``_pages`` and ``_api`` (the routes),
``_scope`` (query values checked, a run narrowed to an entity or a filter),
``_nav`` (navigation, the runs table, a page without a run), ``_problem`` and
``_errors`` (every error as a page or as JSON), ``_cache``, ``_hosts``.

Why it looks the way it does
----------------------------
- A stored run never changes, so an answer built from run ``ID`` is kept
  (``Pages``: the pages of the last few runs, a bounded number each) and sent
  again as bytes; a new run gets a new id, so storing one retires the old
  pages without any invalidation step. Rendering a full report builds every
  chart, so pages render one at a time (the GIL serialises them anyway) and
  twenty clients asking for the same page render it once. Only answers whose
  query values were checked are kept, so random queries cannot fill memory.
- plotly.js (1.2 MB) is served once at ``/assets/`` with a long cache
  lifetime instead of inlined into every page.
- The store can be busy (another process writing it) or gone: an answer built
  before is served again with a notice, anything else is a 503 with
  ``Retry-After``. Every error, an unknown path included, is a page with the
  app's navigation (or ``{"error": ...}`` under ``/api/``) and a one-line
  message; a traceback never reaches the client.
- A query value is checked against its vocabulary (a verdict, a comparison
  label, an entity of the run, a run id's form) and a bad one is a 400 that
  names the parameter, the value and what it may be: a typo must not look
  like an empty result.
- ``allowed_hosts`` turns away requests whose ``Host`` header names another
  host (400), so a web page elsewhere cannot read the local store through
  DNS rebinding.
"""

from __future__ import annotations

from themelens.report.web._app import create_app
from themelens.report.web._hosts import allowed_hosts

__all__ = ["allowed_hosts", "create_app"]
