"""`deliver` writes to the store every command shares: by default `.pingpost/store.db`
beside the config directory (else --store, $PINGPOST_STORE, settings `store:`), so that
`pingpost log` shows what it did and a rerun of the same lead is skipped (W3)."""

from __future__ import annotations

import json

import pytest

from pingpost.cli.app import app


@pytest.fixture
def acme(buyer_setup):
    setup = buyer_setup("acme")
    setup.answer("acme", "ping", {"status": "accepted", "price": "12.50", "ping_id": "a-1"})
    setup.answer("acme", "post", {"result": "success"})
    return setup


def test_deliver_logs_to_the_default_store_and_skips_a_rerun(runner, acme, monkeypatch):
    monkeypatch.delenv("PINGPOST_STORE", raising=False)
    lead = str(acme.lead_file())
    first = runner.invoke(app, ["deliver", lead, "-c", str(acme.dir), "--json"])
    assert first.exit_code == 0, first.output
    auction_id = json.loads(first.stdout)["lead_id"]
    assert (acme.dir.parent / ".pingpost" / "store.db").is_file()
    logged = runner.invoke(app, ["log", "-c", str(acme.dir), "--json"])
    assert logged.exit_code == 0, logged.output
    (row,) = [json.loads(line) for line in logged.stdout.splitlines()]
    assert (row["auction_id"], row["result"], row["sold_to"]) == (auction_id, "sold", "acme-main")
    again = runner.invoke(app, ["deliver", lead, "-c", str(acme.dir)])
    assert again.exit_code == 0, again.output
    assert (
        again.stdout.rstrip()
        .splitlines()[-1]
        .startswith(f"SKIPPED: delivered before in auction {auction_id} (sold to acme-main)")
    )
    assert len(acme.requests("acme", "post")) == 1  # never sold twice


def test_deliver_uses_the_store_named_by_the_option_the_variable_or_the_settings(
    runner, acme, tmp_path, monkeypatch
):
    lead = str(acme.lead_file())
    named = tmp_path / "named.db"
    monkeypatch.setenv("PINGPOST_STORE", f"sqlite:///{tmp_path / 'env.db'}")
    result = runner.invoke(app, ["deliver", lead, "-c", str(acme.dir), "--store",
                                 f"sqlite:///{named}"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert named.is_file() and not (tmp_path / "env.db").exists()
    assert runner.invoke(app, ["deliver", lead, "-c", str(acme.dir)]).exit_code == 0
    assert (tmp_path / "env.db").is_file()
    monkeypatch.delenv("PINGPOST_STORE")
    settings = acme.dir / "pingpost.yaml"
    settings.write_text(f"kind: settings\nstore: sqlite:///{tmp_path / 'settings.db'}\n")
    assert runner.invoke(app, ["deliver", lead, "-c", str(acme.dir)]).exit_code == 0
    assert (tmp_path / "settings.db").is_file()
    assert not (acme.dir.parent / ".pingpost").exists()


def test_an_unreachable_store_stops_deliver_before_any_ping(runner, acme):
    result = runner.invoke(app, ["deliver", str(acme.lead_file()), "-c", str(acme.dir),
                                 "--store", "postgresql://nobody@127.0.0.1:9/leads"])  # fmt: skip
    assert result.exit_code == 2
    assert "store unavailable: postgresql://nobody@127.0.0.1:9/leads" in result.stderr
    assert "--no-store runs without one" in result.stderr
    assert acme.requests("acme", "ping") == []


def test_no_store_writes_nothing(runner, acme):
    lead = str(acme.lead_file())
    for _ in range(2):  # no store: no W3, each run is an auction
        result = runner.invoke(app, ["deliver", lead, "-c", str(acme.dir), "--no-store"])
        assert result.exit_code == 0 and "SOLD to acme-main" in result.stdout
    assert not (acme.dir.parent / ".pingpost").exists()
    assert len(acme.requests("acme", "post")) == 2
