"""A theme run end to end: load the market, check the news, run the analytics, keep the run.

``run.run_theme`` produces the typed ``model.ThemeRun`` the report renders;
``news`` is the news half (ingest, extract, verify, reconcile, sentiment);
``steps`` the analytics after the market figures (events, fundamentals,
basket) and their cache; ``runs`` keeps each run in the store and ``stored``
reads one back for ``themelens serve``.
"""
