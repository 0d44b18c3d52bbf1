"""`python -m pingpost.sandbox [FILE] [--port N] [--seed N] [--no-ledger]`.

The same command as `pingpost sandbox`, for running the sandbox as its own process.
"""

import sys

from pingpost.cli.app import app

app(args=["sandbox", *sys.argv[1:]], prog_name="python -m pingpost.sandbox")
