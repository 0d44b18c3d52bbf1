"""How fast `pingpost validate` and `pingpost --help` are.

    .venv/bin/python benchmarks/bench_validate.py [--runs 5] [--methods 200] [--accounts 500]
                                                  [--profile] [--keep DIR]

Generates a config of 200 delivery methods and 500 delivery accounts (realistic
shapes: ping and post mappings with formats and templates, response rules,
captures, two examples per method, filters and pricing per account) in a temp
dir, then times the CLI as a user runs it (a child process each time, start-up
included) and prints the median. Targets: validate < 2 s, --help < 0.3 s.
`--profile` also profiles one in-process validation and prints the top functions.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

LEAD_TYPE = """\
kind: lead_type
name: auto_insurance
fields:
  FirstName: {type: string, required: true, pii: true}
  LastName: {type: string, required: true, pii: true}
  Email: {type: email, pii: true}
  Phone: {type: phone, required: true, pii: true}
  ZipCode: {type: zip, required: true}
  State: {type: state, required: true}
  Age: {type: integer, min: 18, max: 120}
  Homeowner: {type: boolean}
  Coverage: {type: enum, values: [liability, full]}
  BirthDate: {type: date}
sample:
  FirstName: Ada
  LastName: Lovelace
  Email: ada@example.com
  Phone: (555) 210-0199
  ZipCode: "90210"
  State: CA
  Age: 36
  Homeowner: true
  Coverage: full
  BirthDate: 1988-12-10
"""

METHOD = """\
kind: delivery_method
name: buyer-{i}
description: generated buyer {i}
lead_type: auto_insurance
ping:
  url: ${{BENCH_URL:-https://buyer-{i}.example}}/v2/ping
  test_url: https://sandbox.buyer-{i}.example/v2/ping
  content_type: {content_type}
  timeout: 1.0
  headers: {{X-Api-Version: "2"}}
  auth: {{type: bearer, token: "${{BUYER_{i}_TOKEN:-token-{i}-replace-me}}"}}
  mappings:
    zip: ZipCode
    state: State
    age: {{field: Age, required: false}}
    homeowner: {{field: Homeowner, format: yes_no, required: false}}
    coverage: {{field: Coverage, map: {{liability: L, full: F}}, required: false}}
    vertical: {{value: auto}}
    source: {{value: "{{{{ account.vars.source_id }}}}"}}
    age_band: {{template: "{{{{ ((lead.Age or 0) // 10) * 10 }}}}"}}
  response:
    accept: {{path: status, equals: accepted}}
    reject: {{any: [{{contains: "blocked"}}, {{status: [403, 429]}}]}}
    bid: {{path: price}}
    reason: {{path: message}}
    capture:
      ping_id: ping_id
  retry: {{attempts: 2, backoff: 0.05, on: [connect]}}
post:
  url: ${{BENCH_URL:-https://buyer-{i}.example}}/v2/post/{{{{ ping.ping_id }}}}
  content_type: {content_type}
  timeout: 5
  auth: {{type: bearer, token: "${{BUYER_{i}_TOKEN:-token-{i}-replace-me}}"}}
  include_ping_mappings: true
  mappings:
    ping_id: {{capture: ping_id}}
    first_name: FirstName
    last_name: {{field: LastName, format: upper}}
    phone: {{field: Phone, format: digits}}
    email: {{field: Email, required: false}}
    birth: {{field: BirthDate, format: "date:%m/%d/%Y", required: false}}
  response:
    accept: {{path: result, equals: success}}
    price: {{path: price}}
    reason: {{path: error}}
examples:
  - name: accepted ping, then sold
    ping:
      response: {{status: 200, body: '{{"status":"accepted","price":"12.50","ping_id":"p-{i}"}}'}}
      expect: {{outcome: accepted, bid: "12.50", capture: {{ping_id: p-{i}}}}}
    post:
      response: {{status: 200, body: '{{"result":"success","price":"12.00"}}'}}
      expect: {{outcome: accepted, price: "12.00"}}
  - name: rejected ping
    ping:
      response: {{status: 200, body: '{{"status":"rejected","message":"no coverage"}}'}}
      expect: {{outcome: rejected, reason: no coverage}}
"""

ACCOUNT = """\
kind: delivery_account
name: account-{j}
method: buyer-{i}
vars: {{source_id: "{j}"}}
priority: {priority}
pricing: {{min_bid: 5.00, max_bid: 250.00}}
filters:
  - {{field: State, in: [CA, TX, FL, NY]}}
  - {{field: Age, gte: 21}}
"""

SETTINGS = "kind: settings\nauction: {ping_deadline: 1.5, max_posts: 3}\n"


def generate(root: Path, methods: int, accounts: int) -> Path:
    (root / "methods").mkdir(parents=True)
    (root / "accounts").mkdir()
    (root / "lead_types").mkdir()
    (root / "lead_types" / "auto.yaml").write_text(LEAD_TYPE)
    (root / "pingpost.yaml").write_text(SETTINGS)
    for i in range(methods):
        content_type = "json" if i % 4 else "xml"
        text = METHOD.format(i=i, content_type=content_type)
        (root / "methods" / f"buyer-{i}.yaml").write_text(text)
    for j in range(accounts):
        text = ACCOUNT.format(j=j, i=j % methods, priority=j % 3)
        (root / "accounts" / f"account-{j}.yaml").write_text(text)
    return root


@dataclass
class Timing:
    wall: list[float]  # seconds, each run
    cpu: list[float]  # user + system seconds of the child, each run (steadier on a busy box)
    result: subprocess.CompletedProcess[str]

    def line(self, what: str, target: float) -> str:
        runs = ", ".join(f"{t:.2f}" for t in self.wall)
        return (
            f"{what}: median {statistics.median(self.wall):.3f} s wall, "
            f"{statistics.median(self.cpu):.3f} s cpu over {len(self.wall)} runs "
            f"(wall: {runs}); target < {target} s"
        )


def timed(command: list[str], runs: int) -> Timing:
    wall: list[float] = []
    cpu: list[float] = []
    result: subprocess.CompletedProcess[str] | None = None
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        wall.append(time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    assert result is not None
    return Timing(wall, cpu, result)


def profile(config: Path) -> None:
    from pingpost.config.loader import validate_config

    profiler = cProfile.Profile()
    profiler.enable()
    validate_config([config])
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--methods", type=int, default=200)
    parser.add_argument("--accounts", type=int, default=500)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--keep", type=Path, help="write the generated config here and keep it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        config = generate(args.keep or Path(tmp) / "configs", args.methods, args.accounts)
        cli = [sys.executable, "-m", "pingpost"]
        validate = timed([*cli, "validate", str(config)], args.runs)
        result = validate.result
        summary = result.stdout.strip().splitlines()[-1] if result.stdout else result.stderr
        print(f"config: {args.methods} methods, {args.accounts} accounts -> {summary}")
        print(validate.line("pingpost validate", 2))
        if result.returncode != 0:
            print(f"  (exit {result.returncode}: {result.stdout[-500:]}{result.stderr[-500:]})")
        print(timed([*cli, "--help"], max(args.runs, 10)).line("pingpost --help  ", 0.3))
        if args.profile:
            profile(config)


if __name__ == "__main__":
    main()
