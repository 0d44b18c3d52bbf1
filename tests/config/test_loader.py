"""load_config / validate_config: discovery, documents, secrets, errors and warnings."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from pingpost.config import load_config, validate_config
from pingpost.config.models import Settings
from pingpost.errors import ConfigError, UsageError

from .helpers import ACCOUNT, BASE, METHOD, check, found, write_config

ROOT = Path(__file__).resolve().parents[2]


def test_the_base_config_loads_into_typed_models(tmp_path: Path) -> None:
    config = load_config(write_config(tmp_path, BASE))
    assert set(config.lead_types) == {"auto"}
    assert config.methods["acme"].ping.timeout == 1.0
    assert config.accounts["gold"].vars == {"source": "s-1"}
    assert config.settings == Settings()  # no settings file: defaults
    assert config.warnings == ()
    assert config.sources[("delivery_method", "acme")].line == 1
    assert config.sources[("delivery_method", "acme")].file.endswith("methods/acme.yaml")


def test_load_config_raises_with_every_error(tmp_path: Path) -> None:
    broken = {
        "methods/acme.yaml": METHOD.replace("timeout: 1.0", "timout: 1.0"),
        "accounts/gold.yaml": ACCOUNT.replace("method: acme", "method: acmee"),
    }
    with pytest.raises(ConfigError) as caught:
        load_config(write_config(tmp_path, {**BASE, **broken}))
    text = str(caught.value)
    assert "accounts/gold.yaml:3:9: no delivery method named `acmee`" in text
    assert "methods/acme.yaml:6:3: unknown key `timout`" in text
    assert len([p for p in caught.value.problems if p.severity == "error"]) == 2


def test_warnings_do_not_stop_loading(tmp_path: Path) -> None:
    account = ACCOUNT + "enabled: false\n"
    config = load_config(write_config(tmp_path, {**BASE, "accounts/gold.yaml": account}))
    assert [w.message for w in config.warnings] == [
        "delivery_account `gold` is disabled: it is never pinged"
    ]


def test_a_single_file_loads(tmp_path: Path) -> None:
    path = tmp_path / "all.yaml"
    path.write_text("\n---\n".join(BASE.values()))
    assert set(load_config(path).methods) == {"acme"}


def test_discovery_is_recursive_and_skips_hidden_entries(tmp_path: Path) -> None:
    write_config(tmp_path, BASE)
    (tmp_path / "deep" / "er").mkdir(parents=True)
    (tmp_path / "deep" / "er" / "s.yml").write_text("kind: settings\nauction: {max_posts: 2}\n")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "x.yaml").write_text("not: a config\n")
    (tmp_path / ".x.yaml").write_text("not: a config\n")
    (tmp_path / "notes.txt").write_text("not yaml\n")
    report = validate_config([tmp_path], env={})
    assert report.problems == []
    assert len(report.files) == 4
    assert report.config is not None
    assert report.config.settings.auction.max_posts == 2


def test_a_missing_path_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="nope: no such file or directory"):
        validate_config([tmp_path / "nope"])


def test_an_empty_directory_is_a_problem(tmp_path: Path) -> None:
    report = validate_config([tmp_path], env={})
    assert [p.message for p in report.problems] == ["no config files (*.yaml, *.yml) found"]
    assert report.config is None


def test_environment_values_are_secrets_but_used_defaults_are_not(tmp_path: Path) -> None:
    method = METHOD.replace(
        "url: https://acme.example/ping",
        "url: ${BASE_URL:-https://acme.example}/ping\n  auth: {type: bearer, token: '${TOKEN}'}",
    ).replace(
        "url: https://acme.example/post",
        "url: https://acme.example/post\n  auth: {type: bearer, token: '${TOKEN}'}",
    )
    report = check(tmp_path, {"methods/acme.yaml": method}, env={"TOKEN": "tok-123456"})
    assert report.problems == []
    assert report.config is not None
    assert report.secrets == {"tok-123456"}
    assert report.config.methods["acme"].ping.url == "https://acme.example/ping"
    env = {"TOKEN": "tok-123456", "BASE_URL": "https://b.example"}
    report = check(tmp_path, {"methods/acme.yaml": method}, env=env)
    assert report.secrets == {"tok-123456", "https://b.example"}


def test_literal_auth_values_are_secrets(tmp_path: Path) -> None:
    method = METHOD.replace(
        "  timeout: 1.0",
        "  timeout: 1.0\n  auth: {type: basic, username: user, password: hunter22}",
    ).replace(
        "  url: https://acme.example/post",
        "  url: https://acme.example/post\n  auth: {type: header, name: X-Key, value: k-999}",
    )
    config = load_config(write_config(tmp_path, {**BASE, "methods/acme.yaml": method}))
    assert config.secrets == {"hunter22", "k-999"}


def test_a_missing_variable_is_named_and_no_value_is_shown(tmp_path: Path) -> None:
    method = METHOD.replace("https://acme.example/ping", "https://${HOST}/ping?k=${KEY}")
    report = check(tmp_path, {"methods/acme.yaml": method}, env={"KEY": "very-secret-key"})
    assert found(report) == [
        (
            "acme.yaml",
            5,
            8,
            "environment variable `HOST` is not set (set it, or give a default: "
            "`${HOST:-default}`)",
        )
    ]


def test_secrets_are_masked_in_messages(tmp_path: Path) -> None:
    method = METHOD.replace("timeout: 1.0", "timeout: ${TIMEOUT}")
    report = check(tmp_path, {"methods/acme.yaml": method}, env={"TIMEOUT": "soon-ish"})
    [problem] = report.problems
    assert "soon-ish" not in problem.message
    assert problem.message.endswith("expected a number, got `****`")
    assert report.source_line(problem) == "  timeout: ${TIMEOUT}"


def test_duplicate_names_and_settings(tmp_path: Path) -> None:
    report = check(
        tmp_path,
        {
            "accounts/zz-again.yaml": ACCOUNT,
            "a.yaml": "kind: settings\n---\nkind: settings\nauction: {max_posts: 2}\n",
        },
    )
    assert found(report) == [
        (
            "a.yaml",
            3,
            7,
            f"a second settings document (the first is at {tmp_path}/a.yaml:1:1); keep one",
        ),
        (
            "zz-again.yaml",
            2,
            7,
            "delivery_account `gold` is defined twice (first at "
            f"{tmp_path}/accounts/gold.yaml:2:7); names are unique",
        ),
    ]


def test_money_is_decimal(tmp_path: Path) -> None:
    account = ACCOUNT + "pricing: {min_bid: 5.10, max_bid: '250.00', fixed_price: 3}\n"
    config = load_config(write_config(tmp_path, {**BASE, "accounts/gold.yaml": account}))
    pricing = config.accounts["gold"].pricing
    assert (pricing.min_bid, pricing.max_bid) == (Decimal("5.10"), Decimal("250.00"))


@pytest.mark.parametrize("directory", ["configs", "examples/buyer-styles"])
def test_the_shipped_configs_are_clean(directory: str) -> None:
    if not (ROOT / directory).is_dir():
        pytest.skip(f"{directory} is not there yet")
    report = validate_config([ROOT / directory], env={})
    assert [p for p in report.problems if p.severity == "error"] == []


# An unknown key is reported, and the rest of its document is still checked (README:
# every problem at once).


def test_an_unknown_key_does_not_hide_the_other_problems_of_its_document(tmp_path: Path) -> None:
    method = METHOD.replace("timeout: 1.0", "timout: 1.0").replace("zip: Zip", "zip: Zipp")
    report = check(tmp_path, {"methods/acme.yaml": method})
    assert [m for _, _, _, m in found(report, "error")] == [
        "unknown key `timout` in delivery_method `acme` ping; did you mean `timeout`?",
        "buyer field `zip` reads `Zipp`, which is not a field of lead type `auto`; "
        "did you mean `Zip`?",
    ]
    assert report.config is None


def test_an_unknown_key_does_not_stop_the_examples_from_running(tmp_path: Path) -> None:
    method = METHOD.replace("timeout: 1.0", "timout: 1.0").replace('bid: "12.50"', 'bid: "13"')
    report = check(tmp_path, {"methods/acme.yaml": method})
    messages = [m for _, _, _, m in found(report, "error")]
    assert messages[0].startswith("unknown key `timout`")
    assert messages[1:] == ["example `sold` ping: expected bid 13, got 12.50"]


def test_unknown_keys_anywhere_leave_the_references_checked(tmp_path: Path) -> None:
    method = METHOD.replace(
        "accept: {path: status, equals: ok}\n    bid",
        "accept: {path: status, equals: ok, flavour: x}\n    bid",
    )
    account = (
        ACCOUNT.replace("method: acme", "method: acme\nnotes: hi")
        + "filters:\n  - {field: Nope, in: [CA]}\n"
    )
    report = check(tmp_path, {"methods/acme.yaml": method, "accounts/gold.yaml": account})
    messages = [message for _, _, _, message in found(report, "error")]
    assert any("unknown key `flavour`" in m for m in messages), messages
    assert any("unknown key `notes`" in m for m in messages), messages
    assert any("`Nope`" in m and "filter" in m for m in messages), messages


def test_a_typo_of_a_required_key_is_reported_once_without_noise(tmp_path: Path) -> None:
    method = METHOD.replace("  url: https://acme.example/ping", "  urll: https://acme.example/ping")
    report = check(tmp_path, {"methods/acme.yaml": method})
    assert [m for _, _, _, m in found(report, "error")] == [
        "unknown key `urll` in delivery_method `acme` ping; did you mean `url`?"
    ]
