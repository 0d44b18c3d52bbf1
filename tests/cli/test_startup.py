"""What a `pingpost deliver` process spends before its auction (issue 12: "imports on
the deliver path only for what that run uses"): the modules a run of JSON buyers with
`--json` output never needs stay unloaded, and loading the rest runs no collection
of the garbage collector (pingpost/gcpolicy.py)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

# `pingpost` as its console script runs it (pyproject.toml), reporting what the process
# loaded and the collections the garbage collector ran (per generation)
RUN = textwrap.dedent(
    """
    import atexit, gc, json, sys
    before = [s["collections"] for s in gc.get_stats()]  # Python's own start-up's
    def report():
        stats = [s["collections"] - b for s, b in zip(gc.get_stats(), before)]
        print(json.dumps({"modules": sorted(sys.modules), "collections": stats}),
              file=sys.stderr)
    atexit.register(report)
    from pingpost.cli.start import main
    sys.argv = ["pingpost", *sys.argv[1:]]
    main()
    """
)

CONFIG = {
    "lead.yaml": "kind: lead_type\nname: auto\nfields:\n  ZipCode: {type: zip, required: true}\n",
    "acme.yaml": """\
kind: delivery_method
name: acme
lead_type: auto
ping:
  url: http://127.0.0.1:9/ping
  mappings: {zip: ZipCode}
  response: {accept: {path: status, equals: accepted}, bid: price}
post:
  url: http://127.0.0.1:9/post
  mappings: {zip: ZipCode}
  response: {accept: {path: result, equals: success}}
""",
    "acme-main.yaml": "kind: delivery_account\nname: acme-main\nmethod: acme\n",
}

# loaded only by what this run does not do: answers in XML, XML bodies, retries, tables
NOT_NEEDED = ("xmltodict", "xml.etree.ElementTree", "tenacity", "rich.console")


def test_deliver_loads_only_what_its_run_uses_and_collects_no_garbage_while_loading(
    tmp_path: Path,
) -> None:
    for name, text in CONFIG.items():
        (tmp_path / name).write_text(text)
    lead = tmp_path / "lead.json"
    lead.write_text(json.dumps({"ZipCode": "94105"}))
    done = subprocess.run(
        [sys.executable, "-c", RUN, "deliver", str(lead), "-c", str(tmp_path), "--json"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 1, done.stderr  # port 9 refuses: unsold
    assert json.loads(done.stdout)["result"] == "unsold"
    report = json.loads(done.stderr.strip().splitlines()[-1])
    modules = set(report["modules"])
    assert {"aiohttp", "pingpost.auction.engine", "pingpost.store.sqlite"} <= modules
    assert [name for name in NOT_NEEDED if name in modules] == []
    # ~190 young collections before gcpolicy.quiet_startup; after it, the few that the
    # end of the run (the threshold restored) may take
    assert report["collections"][0] < 10, report["collections"]
