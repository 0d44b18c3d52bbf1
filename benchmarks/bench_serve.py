"""`pingpost serve` under load, beside `pingpost deliver` on the same buyers, in one run.

    .venv/bin/python benchmarks/bench_serve.py [--quick] [--store sqlite|memory|none]
    .venv/bin/python benchmarks/bench_serve.py --soak 600      # 10 minutes, see below

Three processes: the sandbox (benchmarks/sandbox.yaml: 10 buyers at a fixed 20 ms),
`pingpost serve` on benchmarks/configs (plus a source), and the load client
(benchmarks/load_client.py, keep-alive aiohttp). Measured:

1. rising rates   open-loop posts at 50, 75, 112, ... leads/s for a few seconds each:
                  latency percentiles from the scheduled send time, statuses. The
                  sustained rate is the highest whose answers all came back 2xx with p99
                  <= 2 x (slowest buyer + post) = 80 ms; saturation is where the answered
                  rate stops following the offered one.
2. saturation     closed loop, 50 clients back to back (deliver's --concurrency 50),
3. deliver        alternating three times with `pingpost deliver leads.jsonl --json
                  --concurrency 50` on the same buyers and store, start-up excluded (a
                  one-lead run measures it); the best of each; target: serve >= 0.8 x deliver.
4. soak (--soak S) half the saturation rate for S seconds; serve's RSS, open files and
                  sockets sampled every 10 s: RSS flat within 10% after the first minute,
                  no growth in files or sockets.

Writes benchmarks/results/serve-<time>.json and serve-latest.json; prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (
    CONFIGS,
    HERE,
    RESULTS,
    URL_VARIABLE,
    child_env,
    pingpost_command,
    run_timed,
    sandbox_process,
    write_leads,
)

KEY = "bench-source-key-0123456789"
BUYER_MS, POST_MS = 20.0, 20.0  # benchmarks/sandbox.yaml: every buyer answers in 20 ms
BOUND_MS = 2 * (BUYER_MS + POST_MS)
SOURCE = f"kind: source\nname: bench\napi_key: {KEY}\n"


def bench_configs(store: str | None) -> Path:
    """benchmarks/configs plus a source and room for the auctions in flight."""
    target = RESULTS / "serve-configs"
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(CONFIGS, target)
    (target / "source.yaml").write_text(SOURCE)
    settings = (target / "settings.yaml").read_text()
    (target / "settings.yaml").write_text(settings + "serve:\n  max_in_flight: 400\n")
    return target


def store_args(kind: str, name: str) -> list[str]:
    """The store options of one run: a fresh SQLite file each (what both commands use by
    default), the memory store (serve only: deliver has no use for a store it forgets,
    it runs --no-store then), or none (--no-store)."""
    if kind == "none" or (kind == "memory" and name.startswith("deliver")):
        return ["--no-store"]
    if kind == "memory":
        return ["--store", "memory:"]
    path = RESULTS / f"{name}.db"
    for leftover in RESULTS.glob(f"{name}.db*"):
        leftover.unlink()
    return ["--store", f"sqlite:///{path}"]


@contextmanager
def serve_process(configs: Path, sandbox_url: str, store: list[str]) -> Any:
    log = (RESULTS / "serve.log").open("w+")
    command = pingpost_command(
        "serve", "-c", str(configs), "--port", "0", "--log-format", "json", *store
    )
    env = child_env({URL_VARIABLE: sandbox_url})
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log, env=env)
    try:
        yield process, _listening(process, log)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def _listening(process: subprocess.Popen[bytes], log: Any) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        log.seek(0)
        for line in log:
            if '"event":"listening"' in line:
                return str(json.loads(line)["url"])
        if process.poll() is not None:
            break
        time.sleep(0.1)
    log.seek(0)
    raise RuntimeError("serve did not start:\n" + log.read())


def load(url: str, leads: Path, *args: str) -> dict[str, Any]:
    command = [sys.executable, str(HERE / "load_client.py"), url, KEY, str(leads), *args]
    done = subprocess.run(command, capture_output=True, text=True, env=child_env({}), check=True)
    return dict(json.loads(done.stdout))


def rising(url: str, leads: Path, seconds: float, top: float) -> list[dict[str, Any]]:
    """Open-loop steps, 1.5x each, until the answered rate falls behind or latency explodes."""
    steps, rate = [], 50.0
    while rate <= top:
        step = load(url, leads, "open", "--rate", f"{rate:.0f}", "--seconds", str(seconds))
        steps.append(step)
        print(
            f"  {rate:6.0f}/s offered: {step['ok_per_s']:6.1f}/s ok, p50 "
            f"{step['p50_ms']:.0f} ms, p99 {step['p99_ms']:.0f} ms, {step['statuses']}",
            file=sys.stderr,
        )
        # the answers (drained after the last send) fall behind the offered rate
        behind = step["ok_per_s"] < 0.9 * step["offered_per_s"]
        if behind or step["p99_ms"] > 20 * BOUND_MS:
            break
        rate *= 1.5
    return steps


def sustained(steps: list[dict[str, Any]], seconds: float) -> dict[str, Any] | None:
    """The highest step fully answered 2xx with p99 within the bound."""
    good = [
        s
        for s in steps
        if s["ok"] >= 0.99 * s["offered_per_s"] * seconds and s["p99_ms"] <= BOUND_MS
    ]
    return max(good, key=lambda s: s["offered_per_s"], default=None)


def deliver_once(
    configs: Path, sandbox_url: str, leads: Path, store: str, i: int
) -> dict[str, Any]:
    """One `pingpost deliver` batch on the same buyers, and its start-up (a one-lead run)."""
    env = {URL_VARIABLE: sandbox_url}
    one = RESULTS / "serve-one-lead.jsonl"
    one.write_text(leads.open().readline())
    count = sum(1 for _ in leads.open())
    args = ["deliver", str(leads), "--json", "-c", str(configs), "--concurrency", "50"]
    batch = run_timed(
        pingpost_command(*args, *store_args(store, f"deliver-{i}")),
        env,
        stdout_to=RESULTS / "serve-deliver.out",
    )
    if batch.returncode not in (0, 1):
        raise RuntimeError(f"deliver failed with exit code {batch.returncode}")
    single = ["deliver", str(one), "--json", "-c", str(configs)]
    start = run_timed(pingpost_command(*single, *store_args(store, f"deliver-one-{i}")), env)
    return {
        "leads": count,
        "wall_s": batch.wall_s,
        "startup_s": start.wall_s,
        "leads_per_s": count / batch.wall_s,
        "steady_leads_per_s": count / max(batch.wall_s - start.wall_s, 1e-9),
        "cpu_ms_per_lead": (batch.cpu_s - start.cpu_s) / count * 1000,
    }


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def proc_sample(pid: int) -> dict[str, float]:
    status = Path(f"/proc/{pid}/status").read_text()
    rss_kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS"))
    fds = os.listdir(f"/proc/{pid}/fd")
    sockets = 0
    for fd in fds:
        try:
            sockets += os.readlink(f"/proc/{pid}/fd/{fd}").startswith("socket:")
        except OSError:
            continue
    return {"t": time.monotonic(), "rss_mb": rss_kb / 1024, "fds": len(fds), "sockets": sockets}


def soak(url: str, pid: int, leads: Path, rate: float, seconds: float) -> dict[str, Any]:
    """Load at `rate` for `seconds` while sampling the serve process every 10 s."""
    command = [
        sys.executable,
        str(HERE / "load_client.py"),
        url,
        KEY,
        str(leads),
        "open",
        "--rate",
        f"{rate:.0f}",
        "--seconds",
        str(seconds),
    ]
    client = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=child_env({}))
    samples = []
    started = time.monotonic()
    while client.poll() is None:
        samples.append(proc_sample(pid))
        time.sleep(10)
    report = json.loads(client.communicate()[0])
    settled = [s for s in samples if s["t"] - started >= min(60, seconds / 5)] or samples
    first, last = settled[0], settled[-1]
    rss = [s["rss_mb"] for s in settled]
    return {
        "rate": rate,
        "seconds": seconds,
        "load": report,
        "samples": samples,
        "rss_first_mb": first["rss_mb"],
        "rss_last_mb": last["rss_mb"],
        "rss_spread": (max(rss) - min(rss)) / min(rss),
        "fds_first": first["fds"],
        "fds_last": last["fds"],
        "sockets_first": first["sockets"],
        "sockets_last": last["sockets"],
    }


def table(r: dict[str, Any]) -> str:
    rows = [("benchmark", "figure", "target", "ok")]
    s = r.get("sustained")
    rows.append(
        (
            "sustained (p99 <= 80 ms, all 2xx)",
            f"{s['offered_per_s']:.0f} leads/s" if s else "none",
            "",
            "",
        )
    )
    if s:
        rows.append(
            (
                "  latency p50/p90/p99",
                f"{s['p50_ms']:.0f}/{s['p90_ms']:.0f}/{s['p99_ms']:.0f} ms",
                "<= 80",
                True,
            )
        )
    last = r["rising"][-1]
    rows.append(("saturates at (offered)", f"{last['offered_per_s']:.0f} leads/s", "", ""))
    sat = r["saturation"]
    rows.append(("serve, 50 clients closed loop", f"{sat['ok_per_s']:.0f} leads/s", "", ""))
    d = r["deliver"]
    rows.append(
        (
            "deliver --concurrency 50",
            f"{d['steady_leads_per_s']:.0f} leads/s ({d['leads_per_s']:.0f} with start-up)",
            "",
            "",
        )
    )
    rows.append(("ratio serve / deliver", f"{r['ratio']:.2f}", ">= 0.80", r["ratio"] >= 0.8))
    c = r["cpu_ms_per_lead"]
    rows.append(("CPU per lead serve / deliver", f"{c['serve']:.2f} / {c['deliver']:.2f} ms "
                 f"({c['serve'] / c['deliver']:.2f})", "", ""))  # fmt: skip
    if k := r.get("soak"):
        rows.append(
            (
                "soak RSS first/last",
                f"{k['rss_first_mb']:.1f}/{k['rss_last_mb']:.1f} MB (spread {k['rss_spread']:.1%})",
                "<= 10%",
                k["rss_spread"] <= 0.10,
            )
        )
        rows.append(
            (
                "soak fds / sockets",
                f"{k['fds_first']}->{k['fds_last']} / {k['sockets_first']}->{k['sockets_last']}",
                "no growth",
                k["fds_last"] <= k["fds_first"] + 2 and k["sockets_last"] <= k["sockets_first"] + 2,
            )
        )
    widths = [max(len(str(row[i])) for row in rows) for i in range(4)]
    out = []
    for row in rows:
        cells = [("PASS" if c else "FAIL") if isinstance(c, bool) else str(c) for c in row]
        out.append("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short steps (a smoke test)")
    parser.add_argument(
        "--store",
        default="sqlite",
        choices=["sqlite", "memory", "none"],
        help="the store of both serve and deliver (default sqlite)",
    )
    parser.add_argument(
        "--soak",
        type=float,
        default=0,
        metavar="SECONDS",
        help="then soak at half the saturation rate (600 for the full one)",
    )
    parser.add_argument("--top", type=float, default=3000, help="highest offered rate")
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    step_s = 2.0 if args.quick else 5.0
    leads = write_leads(RESULTS / "leads-serve.jsonl", 500 if args.quick else 2000, seed=3)
    configs = bench_configs(args.store)
    results: dict[str, Any] = {
        "stamp": time.strftime("%Y%m%d-%H%M%S"),
        "when": time.strftime("%Y-%m-%dT%H:%M:%S"),
        "store": args.store,
        "cpus": os.cpu_count(),
        "load_average_before": os.getloadavg(),
    }
    with sandbox_process() as sb:
        serve_store = store_args(args.store, "serve")
        with serve_process(configs, sb.url, serve_store) as (process, url):
            load(url, leads, "closed", "--concurrency", "20", "--seconds", "2")  # warm-up
            print("rising rates:", file=sys.stderr)
            results["rising"] = rising(url, leads, step_s, args.top)
            results["sustained"] = sustained(results["rising"], step_s)
            side_by_side(results, process.pid, url, configs, sb.url, leads, args)
            save(results)
            if args.soak:
                rate = results["saturation"]["ok_per_s"] / 2
                results["soak"] = soak(url, process.pid, leads, rate, args.soak)
                save(results)
        results["serve_exit_code"] = process.returncode
    results["load_average_after"] = os.getloadavg()
    print(table(results))
    save(results)
    print(f"\nwritten: {RESULTS / 'serve-latest.json'}", file=sys.stderr)
    return 0


def side_by_side(
    results: dict[str, Any],
    pid: int,
    url: str,
    configs: Path,
    sandbox_url: str,
    leads: Path,
    args: argparse.Namespace,
) -> None:
    """serve's closed loop and a deliver batch, alternating, the best of each: a load spike
    from elsewhere on the machine hits both alike."""
    seconds = "4" if args.quick else "10"
    serve_runs, deliver_runs = [], []
    for i in range(1 if args.quick else 3):
        before = cpu_seconds(pid)
        run = load(url, leads, "closed", "--concurrency", "50", "--seconds", seconds)
        run["cpu_ms_per_lead"] = (cpu_seconds(pid) - before) / max(run["answered"], 1) * 1000
        serve_runs.append(run)
        deliver_runs.append(deliver_once(configs, sandbox_url, leads, args.store, i))
        print(f"  serve {serve_runs[-1]['ok_per_s']:.0f}/s, deliver "
              f"{deliver_runs[-1]['steady_leads_per_s']:.0f}/s", file=sys.stderr)  # fmt: skip
    results["saturation"] = max(serve_runs, key=lambda r: r["ok_per_s"])
    results["deliver"] = max(deliver_runs, key=lambda r: r["steady_leads_per_s"])
    results["side_by_side"] = {"serve": serve_runs, "deliver": deliver_runs}
    results["ratio"] = results["saturation"]["ok_per_s"] / results["deliver"]["steady_leads_per_s"]
    results["cpu_ms_per_lead"] = {
        "serve": min(r["cpu_ms_per_lead"] for r in serve_runs),
        "deliver": min(r["cpu_ms_per_lead"] for r in deliver_runs),
    }


def save(results: dict[str, Any]) -> None:
    """Written after each phase too: a late failure does not lose a 10-minute soak."""
    text = json.dumps(results, indent=2, default=str)
    (RESULTS / f"serve-{results['stamp']}.json").write_text(text)
    (RESULTS / "serve-latest.json").write_text(text)


if __name__ == "__main__":
    sys.exit(main())
