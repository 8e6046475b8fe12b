"""Benchmark: ``themelens serve`` under 20 concurrent clients, per route, and its memory.

Serves a store built by the demo report (built here first when missing):

    themelens report --demo --asof 2025-09-26 --db /tmp/web_bench/demo.duckdb \
        --out /tmp/web_bench/r.html

The server runs as a subprocess (``python -m themelens serve``, uvicorn, one
worker) on a free loopback port. For each route, ``--clients`` asyncio tasks
share one ``httpx.AsyncClient`` (keep-alive) and send requests back to back
for ``--seconds``; the script prints requests per second, p50 and p99 latency
and the server's resident memory (``VmRSS`` from ``/proc``) after the route.
Then ``--memory-requests`` more requests, cycling over the routes, show
whether memory keeps growing. The client shares the machine's cores with
the server, so figures are lower bounds on what the server alone could do.

Run: .venv/bin/python bench/bench_web.py [--db PATH] [--seconds 10] [--clients 20]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from _machine import cpu_model  # bench/_machine.py: run as bench/<script>.py

DEFAULT_DB = Path("/tmp/web_bench/demo.duckdb")
ROUTES = ("/", "/claims", "/entity/baidu", "/api/claims")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mb(pid: int) -> float:
    """Resident memory of process ``pid`` in MB (Linux ``/proc``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def build_store(db: Path) -> None:
    """The demo report's store, as the brief's command builds it."""
    out = db.with_name("r.html")
    cmd = [sys.executable, "-m", "themelens", "report", "--demo", "--asof", "2025-09-26",
           "--db", str(db), "--out", str(out)]  # fmt: skip
    subprocess.run(cmd, check=True, capture_output=True)


async def _hammer(url: str, *, clients: int, seconds: float) -> tuple[list[float], int, int]:
    """Latencies (s) of successful requests, the error count and the non-200 count."""
    latencies: list[float] = []
    errors = bad = 0
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:
        stop = time.perf_counter() + seconds

        async def worker() -> None:
            nonlocal errors, bad
            while time.perf_counter() < stop:
                t0 = time.perf_counter()
                try:
                    r = await client.get(url)
                except httpx.HTTPError:
                    errors += 1
                    continue
                if r.status_code != 200:
                    bad += 1
                latencies.append(time.perf_counter() - t0)

        await asyncio.gather(*(worker() for _ in range(clients)))
    return latencies, errors, bad


async def _cycle(base: str, n: int, *, clients: int) -> int:
    """``n`` requests cycling over the routes, ``clients`` at a time; returns the failures."""
    failed = 0
    async with httpx.AsyncClient(timeout=120) as client:
        sem = asyncio.Semaphore(clients)

        async def one(i: int) -> None:
            nonlocal failed
            async with sem:
                try:
                    r = await client.get(base + ROUTES[i % len(ROUTES)])
                    failed += r.status_code != 200
                except httpx.HTTPError:
                    failed += 1

        await asyncio.gather(*(one(i) for i in range(n)))
    return failed


def _wait(proc: subprocess.Popen[str], base: str, log: Path) -> None:
    """Until the server answers (first answer loads the run), or exit saying why not."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"serve exited:\n{log.read_text()}")
        try:
            httpx.get(base + "/api/claims", timeout=60)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    sys.exit("serve did not answer within 60 s")


def _pct(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=DEFAULT_DB)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--memory-requests", type=int, default=2600)
    parser.add_argument("--routes", nargs="*", default=list(ROUTES))
    args = parser.parse_args()
    print(f"machine: {platform.platform()}; {cpu_model()}; {os.cpu_count()} CPUs; "
          f"python {platform.python_version()}")  # fmt: skip
    if not args.db.exists():
        args.db.parent.mkdir(parents=True, exist_ok=True)
        build_store(args.db)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "themelens", "serve", "--db", str(args.db), "--port", str(port)]
    # the server's log goes to a file: a pipe nobody reads fills up and stalls the server
    log = args.db.with_name(f"serve-{port}.log")
    with log.open("w") as sink:
        proc = subprocess.Popen(cmd, stdout=sink, stderr=subprocess.STDOUT, text=True)
    _wait(proc, base, log)
    try:
        print(f"server pid {proc.pid}: {rss_mb(proc.pid):.0f} MB after start")
        print(f"{'route':<16}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'RSS MB':>8}")
        for route in args.routes:
            httpx.get(base + route, timeout=300)  # warm: first render, caches
            lat, errors, bad = asyncio.run(
                _hammer(base + route, clients=args.clients, seconds=args.seconds)
            )
            lat.sort()
            print(
                f"{route:<16}{len(lat) / args.seconds:>8.1f}{_pct(lat, 0.5) * 1000:>9.0f}"
                f"{_pct(lat, 0.99) * 1000:>9.0f}{errors + bad:>8}{rss_mb(proc.pid):>8.0f}"
            )
        if args.memory_requests:
            before = rss_mb(proc.pid)
            t0 = time.perf_counter()
            failed = asyncio.run(_cycle(base, args.memory_requests, clients=args.clients))
            took = time.perf_counter() - t0
            print(
                f"memory: {before:.0f} MB -> {rss_mb(proc.pid):.0f} MB over "
                f"{args.memory_requests} more requests cycling the routes ({took:.0f} s, "
                f"{failed} failed)"
            )
        errors = log.read_text().count("Traceback")
        print(f"server log: {log} ({errors} tracebacks)")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    main()
