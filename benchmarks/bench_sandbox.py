"""How many requests per second the sandbox serves (it must not be a benchmark's bottleneck).

The sandbox runs in its own process (`python -m pingpost.sandbox FILE --port N`),
pinned to CPU 0 when the machine has more than one; the load generator runs in
another process on the other CPUs: `wrk` when installed (`apt-get install wrk`),
else a keep-alive asyncio client (`--client python`). Every request is a JSON ping
to one of 10 buyers in turn (6 styles, accept rules, tokens issued).

Scenarios:
  bare aiohttp   the baseline: aiohttp.web's low-level server with no buyers behind it
                 (bare_aiohttp_server.py, a fixed answer), run the same way
  instant        latency 0, ledger off: the sandbox's raw capacity
  instant+ledger latency 0, ledger on (what tests and the demo run)
  latency20      latency 20 ms (the auction benchmark's buyers), many connections

Each round runs every scenario once; the best round of each counts (`--rounds`, default
3), since a shared machine only ever makes a run slower. `req/CPU-s` (requests per
CPU-second of the server) is the capacity figure; the instant scenarios are also given
as a ratio to bare aiohttp measured in the same run.

`--callgrind` counts the server's CPU instructions per request instead (valgrind must be
installed): bare aiohttp vs the instant sandbox, immune to other load, slow (~3 minutes).

    python benchmarks/bench_sandbox.py [--seconds 5] [--rounds 3] [--connections 64]
                                       [--client wrk|python] [--callgrind]

Prints a table and writes benchmarks/results/sandbox.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
STYLES = ["json_flag", "json_status", "xml", "form_loose", "text", "not_found_404"]
BODY = '{"state": "CA", "zip": "90210", "age": 33, "first_name": "Ann", "email": "a@example.com"}'


def spec_yaml(latency_ms: int, ledger: bool) -> str:
    lines = ["seed: 1", f"ledger: {'true' if ledger else 'false'}", "buyers:"]
    for i in range(10):
        lines += [
            f"  - name: b{i}",
            f"    style: {STYLES[i % len(STYLES)]}",
            f"    ping_path: /b{i}/ping",
            f"    post_path: /b{i}/post",
            "    accepts: [{field: state, in: [CA, TX, NY]}, {field: age, gte: 21}]",
            "    bid: [5, 25]",
            f"    latency_ms: [{latency_ms}, {latency_ms}]",
            "    token_ttl: 30",
        ]
    return "\n".join(lines) + "\n"


def pin_to(cpus: set[int]) -> Callable[[], None]:
    """A preexec_fn that runs the child on these CPUs only."""
    return lambda: os.sched_setaffinity(0, cpus)


def sandbox_command(spec_file: Path) -> list[str]:
    return [sys.executable, "-m", "pingpost.sandbox", str(spec_file), "--port", "0", "--json"]


BARE_COMMAND = [sys.executable, str(HERE / "bare_aiohttp_server.py"), "--port", "0"]


def start_server(command: list[str], pin: int | None) -> tuple[subprocess.Popen[str], int]:
    """Start a server process and wait for its `listening on http://127.0.0.1:PORT` line."""
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=pin_to({pin}) if pin is not None else None,
    )
    assert process.stderr is not None
    line = process.stderr.readline()
    match = re.search(r"listening on http://127\.0\.0\.1:(\d+)", line)
    if not match:
        process.kill()
        raise SystemExit(f"server did not start: {line!r}")
    return process, int(match.group(1))


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# --------------------------------------------------------------------------- load: wrk

WRK_SCRIPT = """
local body = '%s'
local i = 0
request = function()
  i = i + 1
  local path = "/b" .. (i %% 10) .. "/ping"
  return wrk.format("POST", path, {["Content-Type"] = "application/json"}, body)
end
"""


def run_wrk(port: int, seconds: float, connections: int, cpus: set[int]) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT % BODY)
    threads = max(1, len(cpus))
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{int(seconds)}s", "--latency"]
    command += ["-s", script.name, f"http://127.0.0.1:{port}/"]
    out = subprocess.run(
        command,
        capture_output=True,
        text=True,
        check=True,
        preexec_fn=pin_to(cpus),
    ).stdout
    os.unlink(script.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+\w+)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)|Socket errors: (.*)", out)
    return {
        "rps": rps,
        "p99": p99.group(1) if p99 else "?",
        "errors": errors.group(0) if errors else "",
    }


# --------------------------------------------------------------------------- load: python


async def _client_worker(port: int, stop_at: float, counts: list[int]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    i = 0
    try:
        while time.monotonic() < stop_at:
            i += 1
            body = BODY.encode()
            writer.write(
                f"POST /b{i % 10}/ping HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n\r\n".encode()
                + body
            )
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"Content-Length: (\d+)", head).group(1))  # type: ignore[union-attr]
            await reader.readexactly(length)
            counts[0] += 1
    finally:
        writer.close()


def _client_process(port: int, seconds: float, connections: int) -> int:
    counts = [0]

    async def main() -> None:
        stop_at = time.monotonic() + seconds
        await asyncio.gather(*(_client_worker(port, stop_at, counts) for _ in range(connections)))

    asyncio.run(main())
    return counts[0]


def run_python(port: int, seconds: float, connections: int, cpus: set[int]) -> dict[str, Any]:
    procs = []
    per = max(1, connections // len(cpus))
    for cpu in cpus:
        here = str(Path(__file__).parent)
        code = (
            f"import sys; sys.path.insert(0, {here!r}); import bench_sandbox as b; "
            f"print(b._client_process({port}, {seconds}, {per}))"
        )
        procs.append(
            subprocess.Popen(
                [sys.executable, "-c", code],
                stdout=subprocess.PIPE,
                text=True,
                preexec_fn=pin_to({cpu}),
            )
        )
    total = sum(int(p.communicate()[0]) for p in procs)
    return {"rps": total / seconds, "p99": "-", "errors": ""}


# --------------------------------------------------------------------------- main


def run_scenario(
    command: list[str], server_cpu: int | None, load: Any, seconds: float
) -> dict[str, Any]:
    """Start a server, load it, and add its CPU use to the load generator's figures."""
    process, port = start_server(command, server_cpu)
    try:
        cpu_before = cpu_seconds(process.pid)
        figures: dict[str, Any] = load(port)
        used = cpu_seconds(process.pid) - cpu_before
    finally:
        process.terminate()
        process.wait(timeout=10)
    # requests per CPU-second of the server: a capacity figure robust to other load
    figures["rps_per_cpu"] = figures["rps"] * seconds / used if used > 0 else 0.0
    figures["cpu_share"] = used / seconds
    return figures


# --------------------------------------------------------------------------- callgrind


async def _fixed_load(port: int, requests: int, connections: int = 16) -> None:
    """Exactly `requests` pings over keep-alive connections (the python client, counted)."""
    sent = [0]

    async def worker() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        body = BODY.encode()
        while sent[0] < requests:
            sent[0] += 1
            writer.write(
                f"POST /b{sent[0] % 10}/ping HTTP/1.1\r\nHost: x\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
                + body
            )
            head = await reader.readuntil(b"\r\n\r\n")
            length = re.search(rb"Content-Length: (\d+)", head, re.IGNORECASE)
            await reader.readexactly(int(length.group(1)))  # type: ignore[union-attr]
        writer.close()

    await asyncio.gather(*(worker() for _ in range(connections)))


def _instructions(command: list[str], requests: int) -> int:
    """CPU instructions a server process executes from start to exit, serving `requests`."""
    valgrind = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
    process = subprocess.Popen(
        valgrind + command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONMALLOC": "malloc"},  # what valgrind can follow
    )
    assert process.stderr is not None
    lines = []
    while "listening on" not in (line := process.stderr.readline()):
        lines.append(line)
        if not line and process.poll() is not None:
            raise SystemExit("server did not start under valgrind:\n" + "".join(lines))
    port = int(line.rsplit(":", 1)[1])
    asyncio.run(_fixed_load(port, requests))
    process.terminate()
    err = process.communicate(timeout=120)[1]
    return int(re.search(r"Collected : (\d+)", err).group(1))  # type: ignore[union-attr]


def callgrind(spec_file: Path) -> dict[str, Any]:
    """Instructions per request, from runs of 300 and 1,300 requests (start-up cancels out)."""
    counts = {}
    for name, command in (("bare aiohttp", BARE_COMMAND), ("instant", sandbox_command(spec_file))):
        low, high = (_instructions(command, n) for n in (300, 1300))
        counts[name] = (high - low) / 1000
        print(f"{name:<16} {counts[name] / 1000:8.1f} k instructions/request", flush=True)
    ratio = counts["bare aiohttp"] / counts["instant"]
    print(f"bare aiohttp / sandbox: {ratio:.2f}")
    return {"instructions_per_request": counts, "ratio": ratio}


# --------------------------------------------------------------------------- main


SCENARIOS = [  # name, latency ms, ledger; None: the bare aiohttp baseline
    ("bare aiohttp", None, False),
    ("instant", 0, False),
    ("instant+ledger", 0, True),
    ("latency20", 20, False),
]


def measure(args: argparse.Namespace, tmp: Path) -> list[dict[str, Any]]:
    cpus = sorted(os.sched_getaffinity(0))
    server_cpu = cpus[0] if len(cpus) > 1 else None
    client_cpus = set(cpus[1:]) if len(cpus) > 1 else set(cpus)
    load = run_wrk if args.client == "wrk" else run_python
    best: dict[str, dict[str, Any]] = {}
    for round_ in range(1, args.rounds + 1):
        for name, latency, ledger in SCENARIOS:
            connections = args.connections if latency in (None, 0) else max(args.connections, 256)
            command = BARE_COMMAND
            if latency is not None:
                spec_file = tmp / f"{name}.yaml"
                spec_file.write_text(spec_yaml(latency, ledger))
                command = sandbox_command(spec_file)
            figures = run_scenario(
                command,
                server_cpu,
                lambda port, c=connections: load(port, args.seconds, c, client_cpus),
                args.seconds,
            )
            figures.update(scenario=name, latency_ms=latency, ledger=ledger, round=round_)
            figures.update(connections=connections, client=args.client)
            if name not in best or figures["rps_per_cpu"] > best[name]["rps_per_cpu"]:
                best[name] = figures
            print(f"round {round_}  {_line(figures)}", flush=True)
    bare = best["bare aiohttp"]["rps_per_cpu"]
    for figures in best.values():
        if figures["latency_ms"] == 0:
            figures["ratio_to_bare"] = figures["rps_per_cpu"] / bare
    print("\nbest of each:")
    for figures in best.values():
        ratio = f"  {figures['ratio_to_bare']:.2f} of bare" if "ratio_to_bare" in figures else ""
        print(f"  {_line(figures)}{ratio}")
    return list(best.values())


def _line(figures: dict[str, Any]) -> str:
    return (
        f"{figures['scenario']:<16} {figures['rps']:>8,.0f} req/s  {figures['rps_per_cpu']:>8,.0f} "
        f"req/CPU-s  server CPU {figures['cpu_share']:4.0%}  p99 {figures['p99']:<8} "
        f"({figures['connections']} connections, {figures['client']}) {figures['errors']}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument(
        "--client", choices=["wrk", "python"], default="wrk" if shutil.which("wrk") else "python"
    )
    parser.add_argument("--callgrind", action="store_true", help="instructions per request")
    args = parser.parse_args()
    report: dict[str, Any] = {"cpus": len(os.sched_getaffinity(0)), "seconds": args.seconds}
    with tempfile.TemporaryDirectory() as tmp:
        if args.callgrind:
            spec_file = Path(tmp) / "instant.yaml"
            spec_file.write_text(spec_yaml(0, False))
            report["callgrind"] = callgrind(spec_file)
        else:
            report["results"] = measure(args, Path(tmp))
    out = HERE / "results"
    out.mkdir(exist_ok=True)
    name = "sandbox-callgrind.json" if args.callgrind else "sandbox.json"
    (out / name).write_text(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
