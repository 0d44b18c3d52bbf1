"""`pingpost serve` under load, beside `pingpost deliver` on the same buyers, in one run.

    .venv/bin/python benchmarks/bench_serve.py [--quick] [--store sqlite|memory|none]
    .venv/bin/python benchmarks/bench_serve.py --soak 600      # 10 minutes, see below
    .venv/bin/python benchmarks/bench_serve.py --soak 120 --soak-rate 40 --sample-every 5
                                                  # the soak alone, a quick look

Three processes: the sandbox (benchmarks/sandbox.yaml: 10 buyers at a fixed 20 ms),
`pingpost serve` on benchmarks/configs (plus a source), and the load client
(benchmarks/load_client.py, keep-alive aiohttp). Measured:

1. rising rates   open-loop posts at 10, 15, 22, ... leads/s (--start) for a few seconds each:
                  latency percentiles from the scheduled send time, statuses. The
                  sustained rate is the highest whose answers all came back 2xx with p99
                  <= 2 x (slowest buyer + post) = 80 ms; saturation is where the answered
                  rate stops following the offered one.
2. saturation     closed loop, 50 clients back to back (deliver's --concurrency 50),
3. deliver        alternating three times with `pingpost deliver leads.jsonl --json
                  --concurrency 50` on the same buyers and store, start-up excluded (a
                  one-lead run measures it); the best of each; target: serve >= 0.8 x deliver.
4. soak (--soak S) half the median saturation (or --soak-rate) for S seconds; serve's RSS,
                  descriptors (sockets by peer: the load client's, the buyers'; files),
                  threads and auctions in flight sampled every 10 s, printed as they come
                  and minute by minute at the end. After the first minute: RSS within 10%;
                  no growth of descriptors, judged by their floor (see `verdict`: the
                  pools follow the load, a leak raises the lowest count).

Writes benchmarks/results/serve-<time>.json and serve-latest.json; prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

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


def rising(url: str, leads: Path, seconds: float, top: float, start: float) -> list[dict[str, Any]]:
    """Open-loop steps, 1.5x each, until the answered rate falls behind or latency explodes."""
    steps, rate = [], start
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


TCP_STATES = {"01": "established", "06": "time_wait", "08": "close_wait", "0A": "listen"}


def tcp_sockets(pid: int) -> dict[int, tuple[int, int, str]]:
    """Socket inode -> (local port, remote port, state) of the process's network namespace."""
    table = {}
    for name in ("tcp", "tcp6"):
        try:
            lines = Path(f"/proc/{pid}/net/{name}").read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            f = line.split()
            local, remote = int(f[1].rsplit(":", 1)[1], 16), int(f[2].rsplit(":", 1)[1], 16)
            table[int(f[9])] = (local, remote, TCP_STATES.get(f[3], f[3]))
    return table


def proc_sample(pid: int, serve_port: int = 0, buyers_port: int = 0) -> dict[str, Any]:
    """RSS and every open descriptor of `pid`, the sockets by peer: `clients` (accepted on
    serve's port: the load client's keep-alive connections), `buyers` (to the sandbox:
    the transport's pools), `other_sockets` (the listener, unix sockets, anything else),
    `close_wait` (connections the peer closed and serve did not: a leak's signature);
    `files` is the rest (the store's files, pipes, the event loop's epoll and eventfd)."""
    status = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    rss_kb, threads = int(status["VmRSS"].split()[0]), int(status["Threads"])
    fds = os.listdir(f"/proc/{pid}/fd")
    tcp = tcp_sockets(pid)
    count = {"clients": 0, "buyers": 0, "other_sockets": 0, "close_wait": 0, "files": 0}
    for fd in fds:
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if not target.startswith("socket:["):
            count["files"] += 1
            continue
        local, remote, state = tcp.get(int(target[8:-1]), (0, 0, "unix"))
        count["close_wait"] += state == "close_wait"
        if local == serve_port and state != "listen":
            count["clients"] += 1
        elif remote == buyers_port and buyers_port:
            count["buyers"] += 1
        else:
            count["other_sockets"] += 1
    sockets = count["clients"] + count["buyers"] + count["other_sockets"]
    # the descriptors still open when read (under churn some close while they are listed)
    return {"t": time.monotonic(), "rss_mb": rss_kb / 1024, "threads": threads,
            "fds": sockets + count["files"], "sockets": sockets, **count}  # fmt: skip


def soak_rate(results: dict[str, Any]) -> float:
    """Half the saturation throughput, the median of the closed-loop runs: their best
    (the table's figure) may be a quiet moment of a shared machine, and a soak beyond
    what the machine gives most of the time measures its backlog, not the service."""
    runs = [run["ok_per_s"] for run in results["side_by_side"]["serve"]]
    return float(statistics.median(runs)) / 2


def in_flight(url: str) -> float | None:
    """serve's own gauge of the auctions running (its backlog), from /metrics."""
    try:
        with urllib.request.urlopen(f"{url}/metrics", timeout=5) as answer:
            text = answer.read().decode()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("pingpost_auctions_in_flight "):
            return float(line.split()[1])
    return None


def soak(
    url: str, pid: int, buyers_url: str, leads: Path, rate: float, seconds: float, every: float
) -> dict[str, Any]:
    """Load at `rate` for `seconds` while sampling the serve process every `every` s."""
    command = [sys.executable, str(HERE / "load_client.py"), url, KEY, str(leads), "open",
               "--rate", f"{rate:.0f}", "--seconds", str(seconds)]  # fmt: skip
    ports = (urlsplit(url).port or 0, urlsplit(buyers_url).port or 0)
    client = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=child_env({}))
    samples = []
    started = time.monotonic()
    print(f"soak at {rate:.0f} leads/s for {seconds:.0f} s:", file=sys.stderr)
    while client.poll() is None:
        sample = {**proc_sample(pid, *ports), "in_flight": in_flight(url)}
        sample["at_s"] = round(sample["t"] - started, 1)
        samples.append(sample)
        print("  " + sample_line(sample), file=sys.stderr)
        time.sleep(max(0.0, started + len(samples) * every - time.monotonic()))
    report = json.loads(client.communicate()[0])
    return {"rate": rate, "seconds": seconds, "load": report, "samples": samples,
            **verdict(samples, seconds)}  # fmt: skip


def verdict(samples: list[dict[str, Any]], seconds: float) -> dict[str, Any]:
    """What the soak says about leaks, from the samples after the warm-up.

    Memory: the RSS's spread (max - min over min). Descriptors: the connection pools
    follow the load (the transport keeps the connections its recent auctions needed,
    the client its own: a burst of 30 auctions at once needs 30 per buyer, and they
    idle out 15-30 s later), so one sample against another measures the machine's
    hiccups, not a leak. A leak never gives back what it took: it raises the *floor*.
    So the lowest count of the last window is compared with the lowest of the first
    (windows of 2 minutes, a third of a shorter soak); files (the store's, pipes, the
    event loop's) follow no load and must not grow at all."""
    after = settled(samples, seconds)
    span = after[-1]["at_s"] - after[0]["at_s"]
    window = min(120.0, span / 3)
    early = [s for s in after if s["at_s"] <= after[0]["at_s"] + window]
    late = [s for s in after if s["at_s"] >= after[-1]["at_s"] - window]
    rss = [s["rss_mb"] for s in after]
    found: dict[str, Any] = {
        "settled_from_s": after[0]["at_s"],
        "window_s": window,
        "rss_first_mb": after[0]["rss_mb"],
        "rss_last_mb": after[-1]["rss_mb"],
        "rss_spread": (max(rss) - min(rss)) / min(rss),
        "close_wait_max": max(s["close_wait"] for s in after),
    }
    for k in GROWTH:
        found[f"{k}_floor_first"] = min(s[k] for s in early)
        found[f"{k}_floor_last"] = min(s[k] for s in late)
        found[f"{k}_max"] = max(s[k] for s in after)
        found[f"{k}_first"], found[f"{k}_last"] = after[0][k], after[-1][k]
    return found


# what a leak would raise: every descriptor, the sockets by peer, the other files
GROWTH = ("fds", "sockets", "clients", "buyers", "files")


def no_growth(k: dict[str, Any]) -> bool:
    """The floors did not rise (a few descriptors of slack: a connection being replaced
    as a sample is taken), the files did not grow, no connection left half-closed."""
    floors = all(k[f"{n}_floor_last"] <= k[f"{n}_floor_first"] + 5 for n in GROWTH)
    return floors and k["files_last"] <= k["files_first"] + 2 and k["close_wait_max"] <= 5


def settled(samples: list[dict[str, Any]], seconds: float) -> list[dict[str, Any]]:
    """The samples after the warm-up: the first minute (a fifth of a shorter soak)."""
    return [s for s in samples if s["at_s"] >= min(60, seconds / 5)] or samples


def minutes(samples: list[dict[str, Any]]) -> str:
    """The soak minute by minute: each count's lowest-highest, and the auctions in flight."""
    lines = ["minute  fds        clients  buyers     files  in flight  RSS MB"]
    by: dict[int, list[dict[str, Any]]] = {}
    for s in samples:
        by.setdefault(int(s["at_s"] // 60), []).append(s)
    for minute, group in sorted(by.items()):
        fds, clients, buyers, files, flight, rss = (
            _span(group, key)
            for key in ("fds", "clients", "buyers", "files", "in_flight", "rss_mb")
        )
        lines.append(f"{minute:6d}  {fds:9s}  {clients:7s}  {buyers:9s}  {files:5s}  "
                     f"{flight:9s}  {rss}")  # fmt: skip
    return "\n".join(lines)


def _span(samples: list[dict[str, Any]], key: str) -> str:
    values = [s[key] for s in samples if s.get(key) is not None]
    return f"{min(values):.0f}-{max(values):.0f}" if values else "?"


def sample_line(s: dict[str, Any]) -> str:
    flight = "?" if s.get("in_flight") is None else f"{s['in_flight']:.0f}"
    return (f"{s['at_s']:6.0f} s  RSS {s['rss_mb']:6.1f} MB  fds {s['fds']:4d}: clients "
            f"{s['clients']:3d}, buyers {s['buyers']:4d}, other sockets {s['other_sockets']}, "
            f"files {s['files']}, close_wait {s['close_wait']}  threads {s['threads']}  "
            f"in flight {flight}")  # fmt: skip


def table(r: dict[str, Any]) -> str:
    rows: list[tuple[str, str, str, object]] = [("benchmark", "figure", "target", "ok")]
    if "rising" in r:
        rows += measured_rows(r)
    if k := r.get("soak"):
        rows.append(("soak at", f"{k['rate']:.0f} leads/s for {k['seconds']:.0f} s, "
                     f"p50/p99 {k['load']['p50_ms']:.0f}/{k['load']['p99_ms']:.0f} ms, "
                     f"statuses {k['load']['statuses']}", "", ""))  # fmt: skip
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
                f"soak fds, lowest of first/last {k['window_s']:.0f} s",
                f"{k['fds_floor_first']}->{k['fds_floor_last']} (highest {k['fds_max']}; "
                f"sockets {k['sockets_floor_first']}->{k['sockets_floor_last']}, files "
                f"{k['files_first']}->{k['files_last']}, close_wait <= {k['close_wait_max']})",
                "no growth",
                no_growth(k),
            )
        )
    widths = [max(len(str(row[i])) for row in rows) for i in range(4)]
    out = []
    for row in rows:
        cells = [("PASS" if c else "FAIL") if isinstance(c, bool) else str(c) for c in row]
        out.append("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip())
    return "\n".join(out)


def measured_rows(r: dict[str, Any]) -> list[tuple[str, str, str, object]]:
    rows: list[tuple[str, str, str, object]] = []
    s = r.get("sustained")
    low = r["rising"][0]
    none = (f"none (at {low['offered_per_s']:.0f}/s: p50/p99 {low['p50_ms']:.0f}/"
            f"{low['p99_ms']:.0f} ms)")  # fmt: skip
    rows.append(
        (
            f"sustained (p99 <= {BOUND_MS:.0f} ms, all 2xx)",
            f"{s['offered_per_s']:.0f} leads/s" if s else none,
            "",
            "",
        )
    )
    if s:
        rows.append(
            (
                "  latency p50/p90/p99",
                f"{s['p50_ms']:.0f}/{s['p90_ms']:.0f}/{s['p99_ms']:.0f} ms",
                f"<= {BOUND_MS:.0f}",
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
    if "ratio_pairs" in r:
        pairs = ", ".join(f"{x:.2f}" for x in r["ratio_pairs"])
        rows.append(("  run by run (median)", f"{pairs} ({r['ratio_median']:.2f})", "", ""))
    c = r["cpu_ms_per_lead"]
    rows.append(("CPU per lead serve / deliver", f"{c['serve']:.2f} / {c['deliver']:.2f} ms "
                 f"({c['serve'] / c['deliver']:.2f})", "", ""))  # fmt: skip
    return rows


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
    parser.add_argument(
        "--soak-rate",
        type=float,
        metavar="LEADS_PER_S",
        help="soak at this rate, skipping the measurements before it (a quick look at the "
        "descriptors; needs --soak)",
    )
    parser.add_argument(
        "--sample-every", type=float, default=10.0, metavar="SECONDS", help="soak sampling"
    )
    parser.add_argument("--start", type=float, default=10, help="first offered rate")
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
            if not args.soak_rate:
                print("rising rates:", file=sys.stderr)
                results["rising"] = rising(url, leads, step_s, args.top, args.start)
                results["sustained"] = sustained(results["rising"], step_s)
                side_by_side(results, process.pid, url, configs, sb.url, leads, args)
                save(results)
            if args.soak:
                rate = args.soak_rate or soak_rate(results)
                results["soak"] = soak(
                    url, process.pid, sb.url, leads, rate, args.soak, args.sample_every
                )
                save(results)
        results["serve_exit_code"] = process.returncode
    results["load_average_after"] = os.getloadavg()
    print(table(results))
    if "soak" in results:
        print("\n" + minutes(results["soak"]["samples"]))
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
    # each serve run against the deliver run right after it: the same minutes of the machine
    pairs = [
        s["ok_per_s"] / d["steady_leads_per_s"]
        for s, d in zip(serve_runs, deliver_runs, strict=True)
    ]
    results["ratio_pairs"] = pairs
    results["ratio_median"] = statistics.median(pairs)
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
