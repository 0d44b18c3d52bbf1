"""The cores of the commands that try a method without an auction: data in, data out.

    inputs.py   the method (name or file), the lead, the account; errors masked
    preview.py  `render`: the exact request a method sends
    check.py    `test-ping`/`test-post`: one real exchange with a buyer
    offline.py  `validate`'s behaviour checks: every method rendered, every example run

They sit above config, render, responses and the transport, and below the
trace and the CLI, which print what they return. Nothing here prints or exits,
and no message names a command-line option: the CLI adds those. The modules
are imported one by one (`pingpost.commands.preview`), so that a command loads
only the core it runs.
"""
