"""`pingpost validate`: each broken fixture reported exactly; formats, exit codes, hostile input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pingpost.cli.app import app

CONFIGS = Path(__file__).resolve().parents[2] / "configs"

ROOT = Path(__file__).resolve().parents[2]
BROKEN = ROOT / "tests" / "fixtures" / "broken"

# fixture -> every problem as (line, column, severity, message); {file} is the fixture's path
EXPECTED: dict[str, list[tuple[int, int, str, str]]] = {
    "unknown_key": [
        (
            14,
            3,
            "error",
            "unknown key `timout` in delivery_method `acme` ping; did you mean `timeout`?",
        )
    ],
    "wrong_type": [
        (14, 12, "error", "delivery_method `acme` ping.timeout: expected a number, got `soon`")
    ],
    "missing_key": [(21, 1, "error", "missing key `url` in delivery_method `acme` post")],
    "bad_choice": [
        (
            15,
            17,
            "error",
            "delivery_method `acme` ping.content_type: expected one of json, xml, form, query, "
            "got `jsonn`; did you mean `json`?",
        )
    ],
    "bad_auth_type": [
        (
            15,
            16,
            "error",
            "delivery_method `acme` ping.auth.type: unknown type `oauth`; expected one of none, "
            "basic, bearer, header, query, digest, oauth2; did you mean `oauth2`?",
        )
    ],
    "env_missing": [
        (
            13,
            8,
            "error",
            "environment variable `ACME_HOST_UNSET` is not set (set it, or give a default: "
            "`${ACME_HOST_UNSET:-default}`)",
        )
    ],
    "duplicate_name": [
        (
            33,
            7,
            "error",
            "delivery_account `gold` is defined twice (first at {file}:29:7); names are unique",
        )
    ],
    "dangling_method": [
        (10, 7, "warning", "no delivery account uses delivery_method `acme`: it is never pinged"),
        (
            30,
            9,
            "error",
            "no delivery method named `acme-auto`; did you mean `acme`? (known: acme)",
        ),
    ],
    "dangling_lead_type": [(11, 12, "error", "no lead type named `auto_insurance` (known: auto)")],
    "unknown_lead_field": [
        (
            16,
            10,
            "error",
            "buyer field `zip` reads `ZipCode`, which is not a field of lead type `auto`; "
            "did you mean `Zip`?",
        )
    ],
    "uncaptured": [
        (
            24,
            22,
            "error",
            "buyer field `token` uses the capture `ping_id`, which the ping does not capture "
            "(add it under ping.response.capture)",
        )
    ],
    "template_syntax": [(17, 22, "error", "template error: unexpected '}'")],
    "template_lead_field": [
        (
            17,
            21,
            "error",
            "the template reads `lead.Age`, which is not a field of lead type `auto`",
        )
    ],
    "jmespath": [
        (
            19,
            10,
            "error",
            "invalid JMESPath 'price[': Invalid jmespath expression: Incomplete expression: "
            '"price[" ^',
        )
    ],
    "regex": [
        (
            19,
            18,
            "error",
            "invalid regex 'price=([0-9.]+': missing ), unterminated subpattern at position 6",
        )
    ],
    "min_above_max": [(31, 33, "error", "max_bid 10 is below min_bid 20")],
    "retry_without_key": [
        (
            23,
            28,
            "error",
            "a post retried on timeout may reach the buyer twice and sell the lead twice: add "
            "`idempotency_key: {header: Idempotency-Key}` (a key the buyer honours) or retry "
            "only on connect (guarantee P5)",
        )
    ],
    "bad_format": [
        (
            16,
            31,
            "error",
            "buyer field `zip`: unknown format `zip5`; formats: digits, upper, lower, title, "
            "trim, int, decimal:N, date:<strftime>, yes_no, true_false, one_zero",
        )
    ],
    "example_mismatch": [(31, 40, "error", "example `sold` ping: expected bid 9.05, got 9.50")],
    "body_not_json": [
        (
            25,
            9,
            "error",
            "the post cannot be built for lead type `auto`'s sample and account `gold`: the "
            "rendered json body does not parse: Expecting ',' delimiter: line 1 column 39 "
            "(char 38); nothing was sent",
        )
    ],
    "warnings": [
        (
            14,
            12,
            "warning",
            "ping timeout 3 s is longer than the auction's ping_deadline 1.5 s: the round ends "
            "first, so the ping is cut at 1.5 s",
        ),
        (
            17,
            12,
            "warning",
            "buyer field `email` sends `Email`, a pii field, in the ping; pings should carry the "
            "minimum (send it in the post)",
        ),
        (32, 1, "warning", "delivery_account `gold` is disabled: it is never pinged"),
        (35, 7, "warning", "no delivery account uses delivery_method `unused`: it is never pinged"),
    ],
    # hostile YAML
    "python_tag": [
        (
            4,
            9,
            "error",
            "the tag `!!python/object/apply:os.system` is not allowed: pingpost configs are plain "
            "data (quote the value if it is text)",
        )
    ],
    "alias_bomb": [
        (
            7,
            47,
            "error",
            "aliases expand to more than 100,000 nodes (an alias bomb?); write the values out",
        )
    ],
    "deep_nesting": [(3, 103, "error", "the YAML nests deeper than 100 levels")],
    "non_utf8": [(3, 10, "error", "the file is not valid UTF-8 (byte 0xe9); save it as UTF-8")],
    "empty": [(0, 0, "error", "the file holds no YAML document (expected a `kind`)")],
    "no_kind": [
        (
            2,
            1,
            "error",
            "the document has no `kind`: expected one of lead_type, delivery_method, "
            "delivery_account, settings, source",
        )
    ],
    "unknown_kind": [
        (
            2,
            7,
            "error",
            "unknown kind `delivery_acount`: expected one of lead_type, delivery_method, "
            "delivery_account, settings, source; did you mean `delivery_account`?",
        )
    ],
    "duplicate_key": [(5, 1, "error", "duplicate key `name` (first defined on line 3)")],
    "syntax_error": [
        (4, 9, "error", "invalid YAML: mapping values are not allowed in this context")
    ],
    "tabs": [
        (4, 1, "error", "invalid YAML: a tab character: YAML indents with spaces, never tabs")
    ],
    "not_a_mapping": [(2, 1, "error", "a document must be a mapping with a `kind`, got a list")],
}


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(autouse=True)
def no_config_dir_in_use(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each fixture is a file on its own: a config dir in the working directory (or in
    $PINGPOST_CONFIG) would be loaded with it, as `render` loads a method file."""
    monkeypatch.chdir(tmp_path_factory.mktemp("elsewhere"))
    monkeypatch.delenv("PINGPOST_CONFIG", raising=False)


def test_every_fixture_has_an_expectation() -> None:
    assert sorted(p.stem for p in BROKEN.glob("*.yaml")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_broken_fixture(runner: CliRunner, name: str) -> None:
    path = str(BROKEN / f"{name}.yaml")
    result = runner.invoke(app, ["validate", path, "--format", "json"])
    expected = [
        {
            "file": path,
            "line": ln,
            "column": col,
            "severity": sev,
            "message": msg.replace("{file}", path),
        }
        for ln, col, sev, msg in EXPECTED[name]
    ]
    assert json.loads(result.stdout) == expected
    assert result.exit_code == (0 if name == "warnings" else 1)
    assert "Traceback" not in result.output


def test_text_format_shows_the_line_and_a_caret(runner: CliRunner) -> None:
    path = str(BROKEN / "unknown_key.yaml")
    result = runner.invoke(app, ["validate", path])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{path}:14:3: error: unknown key `timout` in delivery_method `acme` ping; did you mean "
        "`timeout`?",
        "   14 |   timout: 1.0",
        "      |   ^",
        "1 error, 0 warnings in 1 file",
    ]


def test_github_format(runner: CliRunner) -> None:
    path = str(BROKEN / "dangling_method.yaml")
    result = runner.invoke(app, ["validate", path, "--format", "github"])
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"::warning file={path},line=10,col=7,title=pingpost validate::no delivery account uses "
        "delivery_method `acme`: it is never pinged",
        f"::error file={path},line=30,col=9,title=pingpost validate::no delivery method named "
        "`acme-auto`; did you mean `acme`? (known: acme)",
    ]
    assert "1 error, 1 warning in 1 file" in result.stderr


def test_github_annotations_escape_what_they_must() -> None:
    from pingpost.cli.validate_output import github_annotation
    from pingpost.errors import Problem

    problem = Problem("a,b:c.yaml", 3, 4, "100% wrong\nsecond line")
    assert github_annotation(problem) == (
        "::error file=a%2Cb%3Ac.yaml,line=3,col=4,title=pingpost validate::"
        "100%25 wrong%0Asecond line"
    )


def test_warnings_pass_unless_strict(runner: CliRunner) -> None:
    path = str(BROKEN / "warnings.yaml")
    result = runner.invoke(app, ["validate", path])
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1] == "0 errors, 4 warnings in 1 file"
    assert runner.invoke(app, ["validate", path, "--strict"]).exit_code == 1


def test_json_shortcut_and_offline_switch(runner: CliRunner) -> None:
    path = str(BROKEN / "example_mismatch.yaml")
    result = runner.invoke(app, ["validate", path, "--json"])
    assert result.exit_code == 1
    assert len(json.loads(result.stdout)) == 1
    result = runner.invoke(app, ["validate", path, "--no-offline", "--json"])
    assert (result.exit_code, json.loads(result.stdout)) == (0, [])


def test_a_missing_path_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(tmp_path / "nope")])
    assert result.exit_code == 2
    assert result.stderr == f"error: {tmp_path / 'nope'}: no such file or directory\n"


def test_the_default_path_is_the_config_dir(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    configs = tmp_path / "configs"
    configs.mkdir()
    shutil.copy(BROKEN / "unknown_key.yaml", configs / "a.yaml")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PINGPOST_CONFIG", raising=False)
    assert "configs/a.yaml:14:3" in runner.invoke(app, ["validate"]).stdout
    other = tmp_path / "other"
    other.mkdir()
    shutil.copy(BROKEN / "wrong_type.yaml", other / "b.yaml")
    monkeypatch.setenv("PINGPOST_CONFIG", str(other))
    assert f"{other}/b.yaml:14:12" in runner.invoke(app, ["validate"]).stdout
    result = runner.invoke(app, ["validate", "--config", str(configs)])
    assert f"{configs}/a.yaml:14:3" in result.stdout


def test_several_paths_are_one_config(runner: CliRunner, tmp_path: Path) -> None:
    first, second = tmp_path / "types", tmp_path / "rest.yaml"
    first.mkdir()
    text = (BROKEN / "unknown_key.yaml").read_text().replace("  timout: 1.0", "  timeout: 1.0")
    lead_type, rest = text.split("---\n", 1)
    (first / "auto.yaml").write_text(lead_type)
    second.write_text(rest)
    result = runner.invoke(app, ["validate", str(first), str(second)])
    assert result.exit_code == 0
    assert result.stdout.splitlines()[-1] == "0 errors, 0 warnings in 2 files"


def test_secrets_never_appear(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (BROKEN / "wrong_type.yaml").read_text().replace("timeout: soon", "timeout: ${T_SECRET}")
    text = text.replace("  timeout:", "  auth: {type: bearer, token: literal-token-1}\n  timeout:")
    path = tmp_path / "c.yaml"
    path.write_text(text)
    monkeypatch.setenv("T_SECRET", "s3cr3t-value")
    for fmt in ("text", "json", "github"):
        result = runner.invoke(app, ["validate", str(path), "--format", fmt])
        assert result.exit_code == 1
        assert "s3cr3t-value" not in result.output
        assert "literal-token-1" not in result.output
        assert "got `****`" in result.output


@pytest.mark.parametrize("kind", ["10 MB", "10,000 levels"])
def test_huge_hostile_files_are_refused_cleanly(
    runner: CliRunner, tmp_path: Path, kind: str
) -> None:
    path = tmp_path / "hostile.yaml"
    if kind == "10 MB":
        path.write_bytes(b"kind: settings\nx: '" + b"a" * (10 * 1024 * 1024) + b"'\n")
        expected = f"{path}: error: the file is 10.0 MB; config files are limited to 1 MB"
    else:
        path.write_text("kind: settings\nx: " + "[" * 10_000 + "]" * 10_000 + "\n")
        expected = f"{path}:2:1003: error: invalid YAML: the YAML nests too deeply"
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 1
    assert result.stdout.startswith(expected)
    assert "Traceback" not in result.output


def test_a_file_inside_a_config_dir_is_checked_with_its_config(
    runner: CliRunner, tmp_path: Path
) -> None:
    root = tmp_path / "configs"
    shutil.copytree(CONFIGS, root)
    account = root / "accounts" / "acme-legacy.yaml"
    account.write_text(account.read_text() + "priority: -1\n")
    method = root / "methods" / "acme-json.yaml"
    result = runner.invoke(app, ["validate", str(method)])
    # its lead type resolves, and the account's own error is not this file's problem
    assert result.exit_code == 0, result.output
    assert "0 errors, 0 warnings in 1 file" in result.output
    result = runner.invoke(app, ["validate", str(account), "--format", "json"])
    assert result.exit_code == 1
    problems = json.loads(result.stdout)
    assert {p["file"] for p in problems} == {str(account)}
    assert any("priority" in p["message"] for p in problems)


def test_a_lone_file_outside_any_config_dir_is_checked_alone(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no ./configs here, and no $PINGPOST_CONFIG
    monkeypatch.delenv("PINGPOST_CONFIG", raising=False)
    lone = tmp_path / "acme-json.yaml"
    shutil.copy(CONFIGS / "methods" / "acme-json.yaml", lone)
    result = runner.invoke(app, ["validate", str(lone), "--format", "json"])
    assert result.exit_code == 1
    assert "no lead type named `auto_insurance`" in result.stdout


@pytest.mark.parametrize("how", ["--config", "PINGPOST_CONFIG", "./configs"])
def test_a_file_outside_the_config_dir_uses_the_config_lookup_of_render(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str
) -> None:
    """`validate some/method.yaml` checks the file with the config dir in use (its lead
    types and accounts), as `render` and `test-ping` load it."""
    work = tmp_path / "work"
    shutil.copytree(CONFIGS, work / "configs" if how == "./configs" else tmp_path / "cfg")
    method = work / "some" / "method.yaml"
    method.parent.mkdir(parents=True)
    text = (CONFIGS / "methods" / "acme-json.yaml").read_text()
    method.write_text(text.replace("name: acme-json", "name: acme-two"))
    monkeypatch.chdir(work)
    monkeypatch.delenv("PINGPOST_CONFIG", raising=False)
    option: list[str] = []
    if how == "--config":
        option = ["--config", str(tmp_path / "cfg")]
    elif how == "PINGPOST_CONFIG":
        monkeypatch.setenv("PINGPOST_CONFIG", str(tmp_path / "cfg"))
    result = runner.invoke(app, ["validate", "some/method.yaml", *option])
    assert result.exit_code == 0, result.output  # its lead type resolves
    assert "0 errors, 1 warning in 1 file" in result.output  # no account uses it yet
    rendered = runner.invoke(app, ["render", "some/method.yaml", *option])
    assert rendered.exit_code == 0, rendered.output
    broken = text.replace("name: acme-json", "name: acme-two").replace("zip: ZipCode", "zip: Zip")
    method.write_text(broken)
    result = runner.invoke(app, ["validate", "some/method.yaml", *option])
    assert result.exit_code == 1
    assert "buyer field `zip` reads `Zip`, which is not a field" in result.output
    rendered = runner.invoke(app, ["render", "some/method.yaml", *option])
    assert rendered.exit_code == 2
    assert "buyer field `zip` reads `Zip`, which is not a field" in rendered.stderr
