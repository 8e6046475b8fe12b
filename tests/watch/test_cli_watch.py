"""``themelens watch`` as a command: bounded by --cycles, fed by a theme's ``feeds:``, and
stopped by SIGTERM between items, then resumed with nothing twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime
from importlib import resources
from pathlib import Path

import pytest
from feedserver import FeedServer, Item
from typer.testing import CliRunner
from watchkit import DAILY, MINUTES, STORY, query

from themelens.cli import app

AFTER_THE_CLOSE = "2025-11-20T09:00:00"
REPLAY = ["--prices-replay", str(DAILY), "--intraday-replay", str(MINUTES)]


def _theme_with_feeds(tmp_path: Path, *feeds: str) -> Path:
    text = (resources.files("themelens") / "themes" / "china-ai.yaml").read_text(encoding="utf-8")
    path = tmp_path / "watched.yaml"
    path.write_text(text + "\nfeeds:\n" + "".join(f"  - {f}\n" for f in feeds), encoding="utf-8")
    return path


def _served() -> FeedServer:
    server = FeedServer(lambda: datetime(2025, 11, 20, 9, 0))
    for item in STORY:
        server.add(item)
    return server


def test_a_bounded_run_from_the_theme_feeds(tmp_path: Path) -> None:
    with _served() as server:
        theme = _theme_with_feeds(tmp_path, server.url)
        alerts = tmp_path / "alerts.jsonl"
        args = ["watch", "--theme", str(theme), "--db", str(tmp_path / "w.duckdb"),
                "--cycles", "2", "--interval", "60", "--alerts", str(alerts),
                "--clock-start", AFTER_THE_CLOSE, "--clock-speed", "600", *REPLAY]  # fmt: skip
        result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "done after 2 cycles: 3 items, 3 claims" in result.stderr
    lines = [json.loads(line) for line in alerts.read_text(encoding="utf-8").splitlines()]
    assert sorted((a["article"], a["verdict"]) for a in lines) == [
        ("alibaba-slips", "contradicted"),
        ("smics-wednesday", "misdated"),
    ]
    assert "alert: CONTRADICTED: alibaba return_pct -3.0 [9988.HK on 2025-11-20]" in result.stderr


def test_alerts_on_stdout_as_json_lines(tmp_path: Path) -> None:
    with _served() as server:
        args = ["watch", "--feed", server.url, "--db", str(tmp_path / "w.duckdb"),
                "--cycles", "1", "--alerts", "-", "--clock-start", AFTER_THE_CLOSE, *REPLAY]  # fmt: skip
        result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    verdicts = sorted(json.loads(line)["verdict"] for line in result.stdout.splitlines())
    assert verdicts == ["contradicted", "misdated"]


def test_no_feeds_is_one_line_and_exit_1(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["watch", "--db", str(tmp_path / "w.duckdb"), "--cycles", "1"])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "error: no feeds: give --feed URL|FOLDER or list feeds: in the theme file"
    ]


def _wire(n: int) -> Item:
    move = 1.0 + n / 4
    return Item(
        f"Wire {n}",
        f"HONG KONG (wire {n}) - SMIC shares rose {move:.2f}% on Thursday in Hong Kong.",
        datetime(2025, 11, 20, 8, 30),
        f"https://wire.example/{n}",
    )


@pytest.mark.slow
def test_sigterm_stops_between_items_and_a_restart_resumes(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    with FeedServer(lambda: datetime(2025, 11, 20, 9, 0)) as server:
        for n in range(12):
            server.add(_wire(n))
        command = [sys.executable, "-m", "themelens", "watch", "--feed", server.url,
                   "--db", str(db), "--interval", "1", "--clock-start", AFTER_THE_CLOSE, *REPLAY]  # fmt: skip
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ
        )
        try:
            done = _wait_for_items(process, db, at_least=1, seconds=120)
            process.send_signal(signal.SIGTERM)
            _, err = process.communicate(timeout=60)
        finally:
            if process.poll() is None:
                process.kill()
        assert done >= 1
        assert process.returncode == 0, err
        assert "stopped after" in err
        first = query(db, "SELECT count(*) FROM watch_items")[0][0]
        assert 1 <= first <= 12

        again = subprocess.run(
            [*command, "--cycles", "1"], capture_output=True, text=True, env=os.environ, timeout=180
        )
    assert again.returncode == 0, again.stderr
    assert f"{12 - first} items" in again.stderr  # only what the first run had not finished
    assert query(db, "SELECT count(*), count(DISTINCT article_id) FROM watch_items") == [(12, 12)]
    assert query(db, "SELECT count(*) FROM articles") == [(12,)]
    total, distinct = query(
        db, 'SELECT count(*), count(DISTINCT (ticker, "interval", ts)) FROM intraday_bars'
    )[0]
    assert total == distinct == 330


def _wait_for_items(process: subprocess.Popen[str], db: Path, *, at_least: int, seconds: float) -> int:  # fmt: skip
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        if process.poll() is not None:
            raise AssertionError(f"the watch ended early: {process.stderr.read() if process.stderr else ''}")  # fmt: skip
        if db.exists():
            try:
                found = query(db, "SELECT count(*) FROM watch_items")[0][0]
            except Exception:  # the table is not made yet
                found = 0
            if found >= at_least:
                return int(found)
        time.sleep(0.05)
    raise AssertionError(f"no item finished within {seconds:g} s")
