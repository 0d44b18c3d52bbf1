"""How many requests per second the sandbox serves (it must not be a benchmark's bottleneck).

The sandbox runs in its own process (`python -m pingpost.sandbox FILE --port N`),
pinned to CPU 0 when the machine has more than one; the load generator runs in
another process on the other CPUs: `wrk` when installed (`apt-get install wrk`),
else a keep-alive asyncio client (`--client python`). Every request is a JSON ping
to one of 10 buyers in turn (6 styles, accept rules, tokens issued).

Scenarios:
  instant       latency 0, ledger off: the server's raw capacity
  instant+ledger latency 0, ledger on (what tests and the demo run)
  latency20     latency 20 ms (the auction benchmark's buyers), many connections

    python benchmarks/bench_sandbox.py [--seconds 5] [--connections 64] [--client wrk|python]

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


def start_sandbox(spec_file: Path, pin: int | None) -> tuple[subprocess.Popen[str], int]:
    command = [sys.executable, "-m", "pingpost.sandbox", str(spec_file), "--port", "0", "--json"]
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
        raise SystemExit(f"sandbox did not start: {line!r}")
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
    spec_file: Path, server_cpu: int | None, load: Any, seconds: float
) -> dict[str, Any]:
    """Start a sandbox, load it, and add its CPU use to the load generator's figures."""
    process, port = start_sandbox(spec_file, server_cpu)
    try:
        cpu_before = cpu_seconds(process.pid)
        figures: dict[str, Any] = load(port)
        used = cpu_seconds(process.pid) - cpu_before
    finally:
        process.terminate()
        process.wait(timeout=10)
    # requests per CPU-second of the sandbox: a capacity figure robust to other load
    figures["rps_per_cpu"] = figures["rps"] * seconds / used if used > 0 else 0.0
    figures["cpu_share"] = used / seconds
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument(
        "--client", choices=["wrk", "python"], default="wrk" if shutil.which("wrk") else "python"
    )
    args = parser.parse_args()
    cpus = sorted(os.sched_getaffinity(0))
    server_cpu = cpus[0] if len(cpus) > 1 else None
    client_cpus = set(cpus[1:]) if len(cpus) > 1 else set(cpus)
    scenarios = [
        ("instant", 0, False, args.connections),
        ("instant+ledger", 0, True, args.connections),
        ("latency20", 20, False, max(args.connections, 256)),
    ]
    load = run_wrk if args.client == "wrk" else run_python
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, latency, ledger, connections in scenarios:
            spec_file = Path(tmp) / f"{name}.yaml"
            spec_file.write_text(spec_yaml(latency, ledger))
            figures = run_scenario(
                spec_file,
                server_cpu,
                lambda port, c=connections: load(port, args.seconds, c, client_cpus),
                args.seconds,
            )
            results.append(
                {
                    "scenario": name,
                    "latency_ms": latency,
                    "ledger": ledger,
                    "connections": connections,
                    "client": args.client,
                    **figures,
                }
            )
            print(
                f"{name:<16} {figures['rps']:>8,.0f} req/s  {figures['rps_per_cpu']:>8,.0f} "
                f"req/CPU-s  server CPU {figures['cpu_share']:4.0%}  p99 {figures['p99']:<8} "
                f"({connections} connections, {args.client}) {figures['errors']}",
                flush=True,
            )
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "sandbox.json").write_text(
        json.dumps(
            {
                "cpus": len(cpus),
                "server_cpu": server_cpu,
                "seconds": args.seconds,
                "results": results,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
