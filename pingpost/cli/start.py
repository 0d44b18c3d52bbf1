"""The `pingpost` command's entry point (console script and `python -m pingpost`).

The garbage collector is quieted before anything else loads (pingpost/gcpolicy.py):
the Typer app and its imports alone ran ~35 collections, a tenth of their time.
"""

from __future__ import annotations


def main() -> None:
    from pingpost.gcpolicy import quiet_startup

    quiet_startup()
    from pingpost.cli.app import main as run

    run()
