"""Benchmark plumbing: the sandbox in its own process, lead files, timed child processes.

Nothing here measures pingpost itself; `run.py` and `bench_engine.py` do.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
CONFIGS = HERE / "configs"
SANDBOX_FILE = HERE / "sandbox.yaml"
RESULTS = HERE / "results"
URL_VARIABLE = "PINGPOST_BENCH_URL"  # the configs read the sandbox's base URL from it

FIRST = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken"]
LAST = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen"]
STATES = ["CA", "TX", "FL", "NY", "WA", "NV", "OH", "GA"]


def write_leads(path: Path, count: int, seed: int = 1) -> Path:
    """`count` valid auto_insurance leads, one JSON object a line (deterministic)."""
    rng = random.Random(seed)
    with path.open("w") as out:
        for _ in range(count):
            lead = {
                "FirstName": rng.choice(FIRST),
                "LastName": rng.choice(LAST),
                "Phone": f"({rng.randint(201, 989)}) 555-{rng.randint(0, 9999):04d}",
                "ZipCode": f"{rng.randint(10000, 99999)}",
                "State": rng.choice(STATES),
                "Age": rng.randint(18, 80),
                "Email": f"lead{rng.randint(1, 10**6)}@example.com",
                "Homeowner": rng.random() < 0.5,
            }
            out.write(json.dumps(lead) + "\n")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class SandboxProcess:
    url: str
    process: subprocess.Popen[bytes]

    def cpu_seconds(self) -> float:
        """CPU time the sandbox process has used so far (user + system)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks


def split_cpus() -> tuple[set[int] | None, set[int] | None]:
    """(the buyers' CPUs, the measured client's CPUs): on a machine of 2 cores or more
    the sandbox gets the last core and every client the others, so the buyer farm never
    takes CPU time from the client being measured (nor the baseline's from pingpost's).
    None, None where affinity cannot be set (not Linux) or there is one core."""
    if not hasattr(os, "sched_getaffinity"):
        return None, None
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return None, None
    return {cpus[-1]}, set(cpus[:-1])


@contextmanager
def sandbox_process(
    port: int | None = None, cpus: set[int] | None = None
) -> Iterator[SandboxProcess]:
    """The benchmark buyers in their own process (on `cpus` when given), stopped
    (SIGTERM) on exit."""
    port = port or free_port()
    command = [sys.executable, "-m", "pingpost.sandbox", str(SANDBOX_FILE), "--port", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
    if cpus:
        os.sched_setaffinity(process.pid, cpus)
    try:
        _wait_until_listening(process)
        yield SandboxProcess(f"http://127.0.0.1:{port}", process)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_listening(process: subprocess.Popen[bytes]) -> None:
    assert process.stderr is not None
    deadline = time.monotonic() + 20
    seen = []
    while time.monotonic() < deadline:
        line = process.stderr.readline().decode(errors="replace")
        if not line and process.poll() is not None:
            break
        seen.append(line)
        if "listening on" in line:
            return
    raise RuntimeError("the sandbox did not start:\n" + "".join(seen))


@dataclass
class Timed:
    wall_s: float
    cpu_s: float  # user + system
    max_rss_mb: float
    returncode: int
    stdout: bytes


def child_env(extra: dict[str, str]) -> dict[str, str]:
    """The children run as an installed tool would: with cached bytecode.

    Some shells export PYTHONDONTWRITEBYTECODE, which makes every start recompile
    pingpost's modules (about 130 ms); a normal install never pays that.
    """
    env = {**os.environ, **extra}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def run_timed(
    command: list[str],
    env: dict[str, str],
    stdout_to: Path | None = None,
    cpus: set[int] | None = None,
    cwd: Path = ROOT,
) -> Timed:
    """Run a child to completion (on `cpus` when given); its wall time and its own peak
    RSS (from wait4)."""
    out = stdout_to.open("wb") if stdout_to else None
    started = time.monotonic()
    process = subprocess.Popen(
        command,
        stdout=out or subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd=cwd,
        env=child_env(env),
        preexec_fn=(lambda: os.sched_setaffinity(0, cpus)) if cpus else None,
    )
    captured = b""
    if out is None:
        assert process.stdout is not None
        captured = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.monotonic() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if out is not None:
        out.close()
    cpu = usage.ru_utime + usage.ru_stime
    return Timed(wall, cpu, usage.ru_maxrss / 1024, process.returncode, captured)


@contextmanager
def fresh_configs() -> Iterator[Path]:
    """A copy of the benchmark configs in a new temporary directory, so that the default
    store (`.pingpost/store.db` beside the config directory) starts empty each run."""
    with tempfile.TemporaryDirectory(prefix="pingpost-bench-") as tmp:
        configs = Path(tmp) / "configs"
        shutil.copytree(CONFIGS, configs)
        yield configs


def default_store(configs: Path) -> Path:
    """Where `pingpost deliver -c CONFIGS` keeps its store when nothing says otherwise."""
    return configs.parent / ".pingpost" / "store.db"


def pingpost_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "pingpost", *args]


def baseline_command(leads: Path, url: str, concurrency: int = 50) -> list[str]:
    """The bare aiohttp client (`baseline_aiohttp.py`) on `leads` against the buyers at `url`."""
    script = str(HERE / "baseline_aiohttp.py")
    return [sys.executable, script, str(leads), "--url", url, "--concurrency", str(concurrency)]


def deliver_json(leads: Path, env: dict[str, str], cpus: set[int] | None, *options: str) -> Timed:
    """`pingpost deliver LEADS --json OPTIONS --config DIR` with a fresh copy of the
    benchmark configs (its default store starts empty), its output thrown away."""
    with fresh_configs() as configs:
        command = pingpost_command(
            "deliver", str(leads), "--json", *options, "--config", str(configs)
        )
        return run_timed(command, env, Path(os.devnull), cpus)
