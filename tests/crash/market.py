"""A market for the crash tests: sandbox buyers on 127.0.0.1, configs on disk that speak to
them, a leads file, and real `pingpost deliver` processes (killed at a crash point, or by
the test) with what the buyers and the store say afterwards.

Three json_status buyers, tried in bid order: alpha (20.00) rejects 30% of its posts,
beta (15.00) too and declares an idempotency key, gamma (10.00) buys every post, so
every lead is sold once its auction runs to the end. The lead type's `id_field` is
`Ref`: the source's own id is the auction id, and the sandbox's ledger counts posts
per `ref` (`lead_field`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from pingpost.cli.app import app
from pingpost.sandbox import Sandbox

HOOK = Path(__file__).with_name("hook")
BUYERS = {"alpha": (20, 0.3), "beta": (15, 0.3), "gamma": (10, 0.0)}

SETTINGS = """\
kind: settings
auction: {ping_deadline: 2.0, post_timeout: 3, max_posts: 3, in_doubt: hold}
"""
LEAD_TYPE = """\
kind: lead_type
name: crashy
id_field: Ref
fields:
  Ref: {type: string, required: true}
  State: {type: state, required: true}
  Phone: {type: phone, pii: true}
"""
METHOD = """\
kind: delivery_method
name: {name}
lead_type: crashy
ping:
  url: ${{PINGPOST_SANDBOX_URL}}/{name}/ping
  auth: {{type: bearer, token: "${{CRASH_TOKEN:-canary-secret-4f9e1d}}"}}
  mappings: {{ref: Ref, state: State}}
  response:
    accept: {{path: status, equals: success}}
    bid: price
    reason: message
    capture: {{token: pingToken}}
post:
  url: ${{PINGPOST_SANDBOX_URL}}/{name}/post
  auth: {{type: bearer, token: "${{CRASH_TOKEN:-canary-secret-4f9e1d}}"}}
  mappings: {{pingToken: {{capture: token}}, ref: Ref, state: State, phone: Phone}}
  response: {{accept: {{path: status, equals: success}}, reason: message}}
"""
ACCOUNT = "kind: delivery_account\nname: {name}-main\nmethod: {name}\n"


def sandbox_spec(latency_ms: tuple[int, int] = (20, 40), seed: int = 3) -> dict[str, Any]:
    return {
        "seed": seed,
        "buyers": [
            {
                "name": name,
                "style": "json_status",
                "ping_path": f"/{name}/ping",
                "post_path": f"/{name}/post",
                "bid": [bid, bid],
                "latency_ms": list(latency_ms),
                "lead_field": "ref",
                "faults": {"post_reject": reject},
                "fault_phase": "post",
            }
            for name, (bid, reject) in BUYERS.items()
        ],
    }


def write_configs(root: Path) -> Path:
    configs = root / "configs"
    for sub in ("accounts", "methods", "lead_types"):
        (configs / sub).mkdir(parents=True, exist_ok=True)
    (configs / "pingpost.yaml").write_text(SETTINGS)
    (configs / "lead_types" / "crashy.yaml").write_text(LEAD_TYPE)
    for name in BUYERS:
        text = METHOD.format(name=name)
        if name == "beta":
            text = text.replace("post:\n", "post:\n  idempotency_key: {header: Idempotency-Key}\n")
        (configs / "methods" / f"{name}.yaml").write_text(text)
        (configs / "accounts" / f"{name}.yaml").write_text(ACCOUNT.format(name=name))
    return configs


def write_leads(path: Path, count: int, prefix: str = "R") -> Path:
    lines = [
        json.dumps({"Ref": f"{prefix}{i}", "State": "CA", "Phone": f"415555{i:04d}"})
        for i in range(1, count + 1)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


@dataclass
class Run:
    code: int
    out: str
    err: str

    @property
    def documents(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.out.splitlines() if line.startswith("{")]


@dataclass
class Market:
    sandbox: Sandbox
    configs: Path
    store: str

    def env(self, crash: str | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("PINGPOST_CRASH", "PYTHONPATH")}
        env |= {"PINGPOST_SANDBOX_URL": self.sandbox.url, "NO_COLOR": "1"}
        if crash is not None:
            env |= {"PINGPOST_CRASH": crash, "PYTHONPATH": str(HOOK)}
        return env

    def command(self, *args: str) -> list[str]:
        pingpost = Path(sys.executable).with_name("pingpost")
        return [str(pingpost), *args, "-c", str(self.configs), "--store", self.store]

    def pingpost(self, *args: str, crash: str | None = None, timeout: float = 60) -> Run:
        proc = subprocess.run(
            self.command(*args), capture_output=True, text=True, env=self.env(crash),
            timeout=timeout,
        )  # fmt: skip
        return Run(proc.returncode, proc.stdout, proc.stderr)

    def start(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen(
            self.command(*args), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=self.env(),
        )  # fmt: skip

    def cli(self, *args: str) -> Run:
        """A pingpost command run in this process (the log's commands: quicker than a
        process of their own, the same code)."""
        argv = [*args, "-c", str(self.configs), "--store", self.store]
        env = {"PINGPOST_SANDBOX_URL": self.sandbox.url, "NO_COLOR": "1"}
        result = CliRunner().invoke(app, argv, env=env)
        return Run(result.exit_code, result.stdout, result.stderr)

    def logged(self) -> dict[str, dict[str, Any]]:
        """Every auction in the log, by auction id."""
        run = self.cli("log", "--json", "--limit", "100000")
        assert run.code in (0, 1), run.err
        return {doc["auction_id"]: doc for doc in run.documents}

    def open_auctions(self) -> dict[str, dict[str, Any]]:
        """What `pingpost recover` lists, by auction id."""
        run = self.cli("recover", "--json")
        assert run.code in (0, 1), run.err
        return {doc["auction_id"]: doc for doc in json.loads(run.out)["open"]}


def base_ref(auction_id: str) -> str:
    """The lead's own id (`R7`) of an auction id (`R7`, or `R7~2` when it ran again)."""
    return auction_id.split("~", 1)[0]


def check_the_buyers_ledger(market: Market) -> dict[str, dict[str, int]]:
    """No lead bought twice, none posted twice to a buyer (but after a definitive
    rejection: a lead whose auction was interrupted with nothing open is auctioned
    again, W3); every lead a buyer bought is sold to it in the log, or listed by
    `pingpost recover` with a post to it open. Returns the ledger's post counts."""
    counts = market.sandbox.post_counts()
    bought: dict[str, str] = {}
    earlier: dict[tuple[str, str], str | None] = {}
    for entry in sorted(market.sandbox.ledger(phase="post"), key=lambda e: e["seq"]):
        lead, buyer, outcome = entry["lead"], entry["buyer"], entry.get("outcome")
        before = earlier.get((lead, buyer), "none")
        assert before in ("none", "rejected"), f"{lead} posted twice to {buyer}: {counts[lead]}"
        earlier[(lead, buyer)] = outcome
        if outcome == "accepted":
            assert lead not in bought, f"{lead} bought twice: by {bought[lead]} and {buyer}"
            bought[lead] = buyer
    logged = market.logged()
    open_ = market.open_auctions()
    sold = {base_ref(a): doc["sold_to"] for a, doc in logged.items() if doc["result"] == "sold"}
    listed: dict[str, set[str]] = {}
    for auction_id, doc in open_.items():
        # a post still open, or a sale recorded whose auction's result the crash cut off
        accounts = {post["account"] for post in doc["posts"]} | set(doc["sold_to"])
        listed.setdefault(base_ref(auction_id), set()).update(accounts)
    for ref, buyer in bought.items():
        account = f"{buyer}-main"
        assert sold.get(ref) == account or account in listed.get(ref, set()), (
            f"{ref} bought by {buyer}: not sold to it in the log ({sold.get(ref)}) "
            f"nor open in recover ({listed.get(ref)})"
        )
    for ref, account in sold.items():
        assert bought.get(ref) == account.removesuffix("-main"), f"{ref} sold to {account}"
    return counts


def settle_as_the_buyers_say(market: Market) -> None:
    """Resolve every open auction as the buyer's ledger says (what an operator learns by
    asking the buyer); close those whose posts were all answered (nothing to ask)."""
    bought = {
        e["lead"]: e["buyer"]
        for e in market.sandbox.ledger(phase="post")
        if e.get("outcome") == "accepted"
    }
    for auction_id, doc in market.open_auctions().items():
        if not doc["posts"]:  # killed between its last answer and its result
            run = market.cli("recover", "--resolve", auction_id)
            assert run.code == 0 and "every post was answered" in run.out, run.out + run.err
        for account in sorted({post["account"] for post in doc["posts"]}):
            buyer = account.removesuffix("-main")
            verdict = "sold" if bought.get(base_ref(auction_id)) == buyer else "unsold"
            args: Sequence[str] = ("--resolve", auction_id, "--as", verdict, "--account", account)
            run = market.cli("recover", *args)
            assert run.code == 0, run.out + run.err


def settle_and_finish(market: Market, deliver: tuple[str, ...], leads: int) -> None:
    """Settle what `recover` lists as the buyers say; then a rerun posts nothing more."""
    settle_as_the_buyers_say(market)
    assert market.open_auctions() == {}  # nothing left to recover
    posts_before = market.sandbox.post_counts()
    final = market.pingpost(*deliver)
    assert market.sandbox.post_counts() == posts_before  # nothing more was posted
    assert {doc["result"] for doc in final.documents} == {"skipped"}, final.out
    assert len(final.documents) == leads
    check_the_buyers_ledger(market)
    bought = {e["lead"] for e in market.sandbox.ledger(phase="post") if e["outcome"] == "accepted"}
    sold = {base_ref(doc["lead_id"]) for doc in final.documents if "(sold to" in doc["reason"]}
    assert sold == bought  # every lead a buyer has is sold in the log, and no other
    assert final.code == (0 if len(sold) == leads else 1)
