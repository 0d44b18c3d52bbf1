"""Real buyers on 127.0.0.1 for tests that run pingpost in a process of its own.

An aiohttp.web server in a thread plays `names` buyers: `/<name>/ping` answers
`accepted` with the buyer's price after `ping_delay`, `/<name>/post` answers
`success` after `post_delay`. A ping whose zip is in `hang_zips` is answered only
after `hang` seconds. The ledger records each post on arrival (its lead id, from
the `lead_ref` the config maps), and when it was answered: what a buyer knows it
bought, whatever happened to the process that sent it.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

LEAD_TYPE = """\
kind: lead_type
name: auto
fields:
  ZipCode: {type: zip, required: true}
  FirstName: {type: string, pii: true}
"""
METHOD = """\
kind: delivery_method
name: {name}
lead_type: auto
ping:
  url: {url}/{name}/ping
  mappings: {{zip: ZipCode}}
  response: {{accept: {{path: status, equals: accepted}}, bid: price}}
post:
  url: {url}/{name}/post
  mappings: {{lead_ref: {{value: "{{{{ lead_id }}}}"}}, name: FirstName}}
  response: {{accept: {{path: result, equals: success}}}}
"""
ACCOUNT = "kind: delivery_account\nname: {name}-main\nmethod: {name}\n"
SETTINGS = "kind: settings\nauction: {{ping_deadline: {deadline}, post_timeout: 5}}\n"


@dataclass
class Post:
    buyer: str
    lead_id: str
    arrived: float
    answered: float | None = None


@dataclass
class Buyers:
    names: tuple[str, ...] = ("gold", "silver", "bronze")
    ping_delay: float = 0.05
    post_delay: float = 0.4
    hang_zips: frozenset[str] = frozenset()
    hang: float = 30.0
    url: str = ""
    posts: list[Post] = field(default_factory=list)
    first_ping: threading.Event = field(default_factory=threading.Event)
    first_post: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def price(self, name: str) -> str:
        return f"{10 + 2 * (len(self.names) - self.names.index(name))}.00"

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/{name}/ping", self._ping)
        app.router.add_post("/{name}/post", self._post)
        return app

    async def _ping(self, request: web.Request) -> web.Response:
        self.first_ping.set()
        body = await request.json()
        delay = self.hang if body.get("zip") in self.hang_zips else self.ping_delay
        await asyncio.sleep(delay)
        name = request.match_info["name"]
        return web.json_response({"status": "accepted", "price": self.price(name)})

    async def _post(self, request: web.Request) -> web.Response:
        body = await request.json()
        post = Post(request.match_info["name"], body["lead_ref"], time.monotonic())
        with self.lock:
            self.posts.append(post)
        self.first_post.set()
        await asyncio.sleep(self.post_delay)
        post.answered = time.monotonic()
        return web.json_response({"result": "success"})

    def write_config(self, root: Path, *, deadline: float = 2.0) -> Path:
        root.mkdir(parents=True, exist_ok=True)
        (root / "auto.yaml").write_text(LEAD_TYPE)
        (root / "pingpost.yaml").write_text(SETTINGS.format(deadline=deadline))
        for name in self.names:
            (root / f"{name}.yaml").write_text(METHOD.format(name=name, url=self.url))
            (root / f"{name}-account.yaml").write_text(ACCOUNT.format(name=name))
        return root

    def busy_at(self, when: float, *, first: bool, leads: int) -> bool:
        """Whether a `deliver` of `leads` leads was surely still at work at `when` (a
        `time.monotonic()`), as the buyers saw it. A post answered after `when` (or not
        at all) was sent or awaited after it: a post is cut off only on a second signal,
        in answer to it. Before any signal (`first`), the command runs until every lead's
        post is answered (all these buyers accept). False: it may have finished by then."""
        with self.lock:
            posts = list(self.posts)
        if any(p.answered is None or p.answered > when for p in posts):
            return True
        answered = sum(p.answered is not None and p.answered <= when for p in posts)
        return first and answered < leads

    def bought(self) -> dict[str, str]:
        """lead id -> the buyer that received its post (at most one post a lead here)."""
        with self.lock:
            return {post.lead_id: post.buyer for post in self.posts}


@contextmanager
def running(buyers: Buyers) -> Iterator[Buyers]:
    """Serve `buyers` on a free loopback port in a thread until the block ends."""
    loop = asyncio.new_event_loop()
    started = threading.Event()
    runner = web.AppRunner(buyers.app(), access_log=None)

    async def start() -> None:
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        buyers.url = f"http://127.0.0.1:{port}"
        started.set()

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(start())
        loop.run_forever()
        loop.run_until_complete(runner.cleanup())
        loop.close()

    thread = threading.Thread(target=serve, name="test-buyers", daemon=True)
    thread.start()
    assert started.wait(10), "the buyers did not start"
    try:
        yield buyers
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


def leads_file(path: Path, zips: list[str]) -> Path:
    # each lead its own (a name apiece): the same lead twice in a batch is sold once (W3)
    names = (f"Zed{'abcdefghij'[i % 10]}{'abcdefghij'[i // 10 % 10]}" for i in range(len(zips)))
    lines = (json.dumps({"ZipCode": z, "FirstName": n}) for z, n in zip(zips, names, strict=True))
    path.write_text("".join(line + "\n" for line in lines))
    return path
