"""Simulated buyers on loopback: one aiohttp.web server playing every buyer of a sandbox file.

    from pingpost.sandbox import load_sandbox_spec, start_sandbox

    spec = load_sandbox_spec()                # the default buyers (default.yaml), or a path
    with start_sandbox(spec, port=0) as sb:   # background thread, its own event loop
        sb.url                                # "http://127.0.0.1:54321"
        sb.ledger(buyer="acme", phase="post") # what the buyers received
        sb.post_counts()                      # {lead: {buyer: posts received}}
        sb.reset()                            # forget ledger, tokens and cap counts

    await serve_sandbox(spec, port=8765)      # foreground, until cancelled (the CLI)

See docs/sandbox.md for the file format, the styles and the fault modes.
"""

from __future__ import annotations

from pingpost.sandbox.loader import default_spec_path, load_sandbox_spec, parse_sandbox_spec
from pingpost.sandbox.server import Sandbox, run_sandbox, serve_sandbox, start_sandbox
from pingpost.sandbox.spec import BuyerSpec, SandboxSpec

__all__ = [
    "BuyerSpec",
    "Sandbox",
    "SandboxSpec",
    "default_spec_path",
    "load_sandbox_spec",
    "parse_sandbox_spec",
    "run_sandbox",
    "serve_sandbox",
    "start_sandbox",
]
