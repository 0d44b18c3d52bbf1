"""Crash points for the crash tests: Python imports this module at start-up only when
tests/crash/hook is on PYTHONPATH (tests/crash/market.py puts it there for the
`pingpost deliver` processes it runs). pingpost itself has no hook and pays nothing.

`PINGPOST_CRASH=STAGE:N[:exit]` ends the process (SIGKILL, or `os._exit(137)` with
`:exit`) at the Nth time the batch reaches STAGE:

    before_pings    an auction is about to start its ping round
    during_pings    a ping has left and its answer is not in
    after_intent    a post intent is durable, its post not yet sent
    post_in_flight  the buyer has the post (the sandbox's ledger shows it), no answer yet
    after_answer    the post's answer is in, its outcome not yet written (on its own, or
                    with the result that carries it)
    after_result    the auction's result is durable (not yet printed)
"""

from __future__ import annotations

import os

_SPEC = os.environ.get("PINGPOST_CRASH")


def _install(spec: str) -> None:
    import asyncio
    import json
    import signal
    import sys
    import urllib.request
    from typing import Any

    from pingpost.auction import engine
    from pingpost.store.postgres.store import PostgresStore
    from pingpost.store.sqlite.store import SqliteStore
    from pingpost.transport.http import HttpTransport

    stage, n, *how = spec.split(":")
    nth = int(n)
    seen = {"count": 0}

    def reached() -> bool:
        seen["count"] += 1
        return seen["count"] == nth

    def die() -> None:
        sys.stderr.write(f"crash point {stage} #{nth}: killed\n")
        sys.stderr.flush()
        if how == ["exit"]:
            os._exit(137)
        os.kill(os.getpid(), signal.SIGKILL)

    def sandbox_has(body: bytes) -> bool:
        base = os.environ["PINGPOST_SANDBOX_URL"]
        with urllib.request.urlopen(f"{base}/_sandbox/ledger?phase=post", timeout=2) as answer:
            entries = json.load(answer)["entries"]
        return any(e.get("body") == body.decode() for e in entries)

    async def arrived(body: bytes) -> None:
        for _ in range(200):
            if await asyncio.to_thread(sandbox_has, body):
                return
            await asyncio.sleep(0.005)

    if stage == "before_pings":
        rounds = engine.run_rounds

        async def run_rounds(*args: Any, **kw: Any) -> Any:
            if reached():
                die()
            return await rounds(*args, **kw)

        engine.run_rounds = run_rounds  # type: ignore[assignment]

    elif stage in ("during_pings", "post_in_flight"):
        phase = "ping" if stage == "during_pings" else "post"
        send = HttpTransport.send

        async def send_then_die(self: Any, request: Any, options: Any) -> Any:
            if options.phase != phase or not reached():
                return await send(self, request, options)
            task = asyncio.ensure_future(send(self, request, options))
            if phase == "post":
                await arrived(request.body)  # the buyer has it; its answer is on the way
            else:
                await asyncio.sleep(0.005)
            die()
            return await task

        HttpTransport.send = send_then_die  # type: ignore[method-assign]

    else:
        methods = {
            "after_intent": ["post_intent"],
            "after_answer": ["post_outcome", "finish"],
            "after_result": ["finish"],
        }[stage]

        def wrap(method: str, original: Any) -> Any:
            async def wrapped(self: Any, *args: Any) -> Any:
                if stage == "after_answer":  # before an outcome's write, alone or in a result
                    if (method == "post_outcome" or args[0].outcomes) and reached():
                        die()
                    return await original(self, *args)
                done = await original(self, *args)
                if reached():
                    die()
                return done

            return wrapped

        for store in (SqliteStore, PostgresStore):
            for method in methods:
                setattr(store, method, wrap(method, getattr(store, method)))


if _SPEC:
    _install(_SPEC)
