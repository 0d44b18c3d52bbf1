"""The sandbox benchmark's baseline: aiohttp.web's low-level server with no buyers behind it.

It reads each request's body and answers one fixed json_status ping acceptance,
with the same server options as the sandbox (pingpost/sandbox/web.py). What the
sandbox costs beyond it is the buyers' work: routing, decoding, rules, dice,
tokens, the ledger. `bench_sandbox.py` runs both the same way and divides.

    python benchmarks/bare_aiohttp_server.py [--port 0]   # stderr: "listening on http://..."

Stops on SIGTERM or Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from aiohttp import web

BODY = b'{"status": "success", "pingToken": "yKXjxQ3UPE55qDxGFCSTugtTe41zvbXX", "price": "21.59"}'
HEADERS = {"Content-Type": "application/json; charset=utf-8", "Server": "bare"}


async def handler(request: web.BaseRequest) -> web.Response:
    await request.read()
    return web.Response(body=BODY, headers=HEADERS)


async def serve(port: int) -> None:
    server = web.Server(handler, handler_cancellation=True, access_log=None)
    runner = web.ServerRunner(server, shutdown_timeout=1.0)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port, backlog=2048).start()
    print(f"listening on http://127.0.0.1:{runner.addresses[0][1]}", file=sys.stderr, flush=True)
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set)
    await stop.wait()
    await runner.cleanup()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    asyncio.run(serve(parser.parse_args().port))
