"""Transport overhead: `HttpTransport.send` against bare aiohttp, same exchanges.

    .venv/bin/python benchmarks/bench_transport.py                 # throughput, CPU, deadline
    .venv/bin/python benchmarks/bench_transport.py --latency-ms 20 # auction-like buyers
    .venv/bin/python benchmarks/bench_transport.py --callgrind     # instructions per exchange

The buyer is a minimal keep-alive HTTP/1.1 server on asyncio.Protocol in its own
process (so it does not share the client's core). Three clients make the same
POSTs (10 buyers, `--concurrency` in flight): bare aiohttp with its defaults, bare
aiohttp tuned like pingpost's session (no cookie jar, parsed URLs reused), and
`HttpTransport.send`. Rounds alternate; the best throughput and the median client
CPU per request are reported. Then the deadline: `--hangs` sends to a buyer that
never answers, deadline 0.3 s, and how late each one returned.

Wall-clock figures move with whatever else the machine runs; `--callgrind` counts
the client's instructions per exchange instead (valgrind must be installed), which
does not.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp

from pingpost.exchange import RenderedRequest
from pingpost.transport import HttpTransport, SendOptions

BODY = b'{"status":"accepted","price":"12.50","ping_id":"p-1"}'
REQUEST_BODY = b'{"zip":"90210","state":"CA","age":41,"homeowner":"Y","vertical":"auto"}'
HEADERS = (("Content-Type", "application/json"), ("Authorization", "Bearer t0k3n"))
BUYERS = 10


# ------------------------------------------------------------------ the buyer process


class _Buyer(asyncio.Protocol):
    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.buffer = b""
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            head = self.buffer[:end].lower()
            length = 0
            if (at := head.find(b"content-length:")) >= 0:
                length = int(head[at + 15 :].split(b"\r\n", 1)[0])
            if len(self.buffer) < end + 4 + length:
                return
            self.buffer = self.buffer[end + 4 + length :]
            if b"/hang" in head.split(b"\r\n", 1)[0]:
                continue
            if self.delay:
                asyncio.get_running_loop().call_later(self.delay, self._answer)
            else:
                self._answer()

    def _answer(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                b"Content-Length: %d\r\n\r\n%s" % (len(BODY), BODY)
            )


def _serve(port_out: multiprocessing.connection.Connection, delay: float) -> None:
    async def main() -> None:
        loop = asyncio.get_running_loop()
        server = await loop.create_server(lambda: _Buyer(delay), "127.0.0.1", 0, backlog=1024)
        port_out.send(server.sockets[0].getsockname()[1])
        await asyncio.Event().wait()

    asyncio.run(main())


# ------------------------------------------------------------------ the clients


async def _bare(url: str, requests: int, concurrency: int) -> Round:
    connector = aiohttp.TCPConnector(limit=0, limit_per_host=0)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def one(i: int) -> None:
            async with session.post(
                f"{url}/b{i % BUYERS}", data=REQUEST_BODY, headers=HEADERS
            ) as r:
                await r.read()
                assert r.status == 200

        return await _drive(one, requests, concurrency)


async def _tuned(url: str, requests: int, concurrency: int) -> Round:
    """Bare aiohttp with what HttpTransport also does: no cookie jar, parsed URLs cached."""
    from yarl import URL

    connector = aiohttp.TCPConnector(limit=0, limit_per_host=0)
    urls = [URL(f"{url}/b{i}") for i in range(BUYERS)]
    async with aiohttp.ClientSession(
        connector=connector, cookie_jar=aiohttp.DummyCookieJar()
    ) as session:

        async def one(i: int) -> None:
            async with session.post(urls[i % BUYERS], data=REQUEST_BODY, headers=HEADERS) as r:
                await r.read()
                assert r.status == 200

        return await _drive(one, requests, concurrency)


async def _pingpost(url: str, requests: int, concurrency: int) -> Round:
    async with HttpTransport(max_connections_per_pool=concurrency) as transport:
        rendered = [
            RenderedRequest("POST", f"{url}/b{i}", HEADERS, REQUEST_BODY) for i in range(BUYERS)
        ]

        async def one(i: int) -> None:
            options = SendOptions(time.monotonic() + 5, 65536, pool=f"b{i % BUYERS}")
            response = await transport.send(rendered[i % BUYERS], options)
            assert response.status == 200, response.failure

        return await _drive(one, requests, concurrency)


Round = tuple[float, float]  # (requests per second, client CPU µs per request)


async def _drive(one: Callable[[int], Awaitable[None]], requests: int, concurrency: int) -> Round:
    """`requests` calls of `one`, `concurrency` at a time.

    CPU time is this process's only (the buyer runs in another), so it shows the
    client's cost even when other work on the machine slows the wall clock."""
    counter = iter(range(requests))

    async def worker() -> None:
        for i in counter:
            await one(i)

    began, cpu = time.perf_counter(), time.process_time()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    wall, cpu = time.perf_counter() - began, time.process_time() - cpu
    return requests / wall, cpu / requests * 1e6


async def _deadline_lateness(url: str, sends: int, seconds: float) -> list[float]:
    """How late (ms) each send to a never-answering buyer returned after its deadline."""
    async with HttpTransport(max_connections_per_pool=sends) as transport:

        async def one() -> float:
            options = SendOptions(time.monotonic() + seconds, 65536)
            response = await transport.send(
                RenderedRequest("POST", f"{url}/hang", HEADERS), options
            )
            assert response.failure is not None and response.failure.kind == "timeout"
            return (time.monotonic() - options.deadline) * 1000

        return list(await asyncio.gather(*(one() for _ in range(sends))))


# ------------------------------------------------------------------ main

CLIENTS = {"bare": _bare, "tuned": _tuned, "pingpost": _pingpost}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--latency-ms", type=float, default=0.0, help="buyer think time")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--hangs", type=int, default=100)
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--callgrind",
        action="store_true",
        help="count CPU instructions per exchange under valgrind (slow, but immune to load)",
    )
    parser.add_argument("--client", choices=CLIENTS, help=argparse.SUPPRESS)  # internal
    parser.add_argument("--url", help=argparse.SUPPRESS)  # internal
    args = parser.parse_args()
    if args.client:  # one client run, for --callgrind
        asyncio.run(CLIENTS[args.client](args.url, args.requests, args.concurrency))
        return

    receive, send = multiprocessing.Pipe(duplex=False)
    buyer = multiprocessing.Process(target=_serve, args=(send, args.latency_ms / 1000), daemon=True)
    buyer.start()
    url = f"http://127.0.0.1:{receive.recv()}"
    try:
        report = _callgrind(url) if args.callgrind else asyncio.run(_measure(url, args))
    finally:
        buyer.terminate()
    if args.json:
        print(json.dumps(report, indent=2))
    elif args.callgrind:
        _print_callgrind(report)
    else:
        _print_measure(report, args)


def _callgrind(url: str) -> dict[str, object]:
    """Instructions per exchange: runs of 100 and 1,100 sequential exchanges, differenced."""
    counts: dict[str, float] = {}
    for name in CLIENTS:
        runs = [_instructions(url, name, n) for n in (100, 1100)]
        counts[name] = (runs[1] - runs[0]) / 1000
    return {
        "instructions_per_exchange": counts,
        "ratio": {
            "bare": counts["bare"] / counts["pingpost"],
            "tuned": counts["tuned"] / counts["pingpost"],
        },
        "overhead_instructions": counts["pingpost"] - counts["tuned"],
    }


def _instructions(url: str, client: str, requests: int) -> int:
    command = [
        "valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
        sys.executable, __file__, "--client", client, "--url", url,
        "--requests", str(requests), "--concurrency", "1",
    ]  # fmt: skip
    env = {**os.environ, "PYTHONMALLOC": "malloc"}
    run = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    found = re.search(r"Collected : (\d+)", run.stderr)
    assert found, run.stderr[-2000:]
    return int(found[1])


def _print_callgrind(report: dict[str, Any]) -> None:
    counts = report["instructions_per_exchange"]
    print("CPU instructions per exchange (valgrind callgrind, sequential, client only)")
    for label, key in (("bare aiohttp, defaults", "bare"), ("bare aiohttp, tuned", "tuned"),
                       ("HttpTransport.send", "pingpost")):  # fmt: skip
        print(f"  {label:34}{counts[key] / 1000:>8.1f} k")
    print(
        f"  bare/pingpost {report['ratio']['bare']:.3f}, tuned/pingpost "
        f"{report['ratio']['tuned']:.3f} ({report['overhead_instructions'] / 1000:+.1f} k/exchange)"
    )


def _print_measure(report: dict[str, Any], args: argparse.Namespace) -> None:
    print(
        f"{args.requests} exchanges, {BUYERS} buyers, concurrency {args.concurrency}, "
        f"buyer latency {args.latency_ms:g} ms, best of {args.rounds} rounds"
    )
    rps, cpu = report["best_rps"], report["median_cpu_us"]
    rows = [("bare aiohttp, defaults", "bare"), ("bare aiohttp, tuned", "tuned"),
            ("HttpTransport.send", "pingpost")]  # fmt: skip
    print(f"  {'':34}{'best req/s':>11}{'CPU µs/req':>12}")
    for label, key in rows:
        print(f"  {label:34}{rps[key]:>11.0f}{cpu[key]:>12.1f}")
    print(
        f"  pingpost / tuned: throughput {report['rps_ratio']['tuned']:.3f}, "
        f"CPU {report['cpu_ratio']['tuned']:.3f} ({report['overhead_cpu_us']:+.1f} µs/req)"
    )
    print(
        f"  pingpost / defaults: throughput {report['rps_ratio']['bare']:.3f}, "
        f"CPU {report['cpu_ratio']['bare']:.3f}"
    )
    late = report["deadline_late_ms"]
    print(
        f"deadline 0.3 s x {args.hangs} hanging sends: returned late by "
        f"p50 {late['p50']:.1f} ms, p99 {late['p99']:.1f} ms, max {late['max']:.1f} ms"
    )


async def _measure(url: str, args: argparse.Namespace) -> dict[str, object]:
    await _bare(url, 2000, args.concurrency)  # warm up both paths
    await _pingpost(url, 2000, args.concurrency)
    await _tuned(url, 2000, args.concurrency)
    rounds: dict[str, list[Round]] = {"bare": [], "tuned": [], "pingpost": []}
    for _ in range(args.rounds):  # interleaved, so drifting machine load hits all three
        rounds["bare"].append(await _bare(url, args.requests, args.concurrency))
        rounds["tuned"].append(await _tuned(url, args.requests, args.concurrency))
        rounds["pingpost"].append(await _pingpost(url, args.requests, args.concurrency))
    late = sorted(await _deadline_lateness(url, args.hangs, 0.3))
    rps = {name: max(r[0] for r in runs) for name, runs in rounds.items()}
    cpu = {name: statistics.median(r[1] for r in runs) for name, runs in rounds.items()}
    return {
        "best_rps": rps,
        "median_cpu_us": cpu,
        "rps_ratio": {
            "bare": rps["pingpost"] / rps["bare"],
            "tuned": rps["pingpost"] / rps["tuned"],
        },
        "cpu_ratio": {
            "bare": cpu["bare"] / cpu["pingpost"],
            "tuned": cpu["tuned"] / cpu["pingpost"],
        },
        "overhead_cpu_us": cpu["pingpost"] - cpu["tuned"],
        "rounds": rounds,
        "deadline_late_ms": {
            "p50": statistics.median(late),
            "p99": late[max(0, int(len(late) * 0.99) - 1)],
            "max": late[-1],
        },
    }


if __name__ == "__main__":
    main()
