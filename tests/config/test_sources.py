"""`kind: source` documents and `serve` settings: loaded, checked at the line, keys masked."""

from __future__ import annotations

from pathlib import Path

from pingpost.config.loader import validate_config

from .helpers import check, found

SOURCE = """\
kind: source
name: web-form
api_key: "${WEBFORM_KEY}"
lead_types: [auto]
rate_limit: 50/s
"""
ENV = {"WEBFORM_KEY": "wf-key-0123456789abcdef"}


def test_a_source_loads_with_its_key_from_the_environment(tmp_path: Path) -> None:
    report = check(tmp_path, {"sources/web.yaml": SOURCE}, env=ENV)
    assert report.errors == [] and report.config is not None
    source = report.config.lead_sources["web-form"]
    assert source.api_key == ENV["WEBFORM_KEY"]
    assert source.lead_types == ("auto",)
    assert source.per_second() == 50.0
    assert source.enabled is True
    assert ENV["WEBFORM_KEY"] in report.config.secrets


def test_rates_per_minute_and_hour(tmp_path: Path) -> None:
    text = (
        SOURCE.replace("50/s", "600/m")
        + "---\n"
        + SOURCE.replace("web-form", "b").replace("50/s", "7200/h").replace("WEBFORM_KEY", "B_KEY")
    )
    report = check(tmp_path, {"sources/web.yaml": text}, env={**ENV, "B_KEY": "b-key-0123456789"})
    assert report.config is not None
    assert report.config.lead_sources["web-form"].per_second() == 10.0
    assert report.config.lead_sources["b"].per_second() == 2.0


def test_a_bad_rate_is_located_and_says_how_to_write_one(tmp_path: Path) -> None:
    report = check(tmp_path, {"sources/web.yaml": SOURCE.replace("50/s", "50 per second")}, env=ENV)
    (problem,) = found(report)
    assert problem[:3] == ("web.yaml", 5, 13)
    assert "`50 per second` is not a rate" in problem[3] and "`50/s`" in problem[3]


def test_an_unknown_lead_type_is_located(tmp_path: Path) -> None:
    report = check(
        tmp_path, {"sources/web.yaml": SOURCE.replace("[auto]", "[auto, autoo]")}, env=ENV
    )
    assert found(report) == [
        ("web.yaml", 4, 20, "no lead type named `autoo`; did you mean `auto`? (known: auto)")
    ]


def test_a_missing_key_variable_is_an_error_naming_it(tmp_path: Path) -> None:
    report = check(tmp_path, {"sources/web.yaml": SOURCE}, env={})
    (problem,) = found(report)
    assert problem[1:3] == (3, 10)
    assert "environment variable `WEBFORM_KEY` is not set" in problem[3]


def test_two_sources_with_one_key_are_refused_without_showing_it(tmp_path: Path) -> None:
    second = SOURCE.replace("web-form", "affiliate")
    report = check(tmp_path, {"sources/web.yaml": SOURCE + "---\n" + second}, env=ENV)
    (problem,) = found(report)
    assert problem[:3] == ("web.yaml", 9, 10)
    assert "source `affiliate` has the same api_key as source `web-form`" in problem[3]
    assert ENV["WEBFORM_KEY"] not in problem[3]


def test_a_key_written_in_the_config_is_a_warning_and_masked(tmp_path: Path) -> None:
    literal = SOURCE.replace('"${WEBFORM_KEY}"', "literal-key-0123456789")
    report = check(tmp_path, {"sources/web.yaml": literal}, env={})
    assert report.errors == []
    (warning,) = found(report, "warning")
    assert warning[:3] == ("web.yaml", 3, 10)
    assert "api_key is written in the config" in warning[3]
    assert report.config is not None and "literal-key-0123456789" in report.config.secrets


def test_a_disabled_source_is_a_warning(tmp_path: Path) -> None:
    report = check(tmp_path, {"sources/web.yaml": SOURCE + "enabled: false\n"}, env=ENV)
    assert report.errors == []
    assert [w[3] for w in found(report, "warning")] == [
        "source `web-form` is disabled: its key is refused"
    ]


def test_unknown_keys_of_a_source_are_located(tmp_path: Path) -> None:
    report = check(tmp_path, {"sources/web.yaml": SOURCE + "ratelimit: 5/s\n"}, env=ENV)
    (problem,) = found(report)
    assert problem[:3] == ("web.yaml", 6, 1)
    assert "ratelimit" in problem[3]


def test_serve_settings_and_the_admin_key_is_masked(tmp_path: Path) -> None:
    settings = "kind: settings\nserve: {max_in_flight: 8, admin_key: admin-key-0123456789}\n"
    report = check(tmp_path, {"pingpost.yaml": settings})
    assert report.config is not None
    assert report.config.settings.serve.max_in_flight == 8
    assert "admin-key-0123456789" in report.config.secrets


def test_max_in_flight_must_be_positive(tmp_path: Path) -> None:
    report = check(tmp_path, {"pingpost.yaml": "kind: settings\nserve: {max_in_flight: 0}\n"})
    (problem,) = found(report)
    assert problem[:3] == ("pingpost.yaml", 2, 24)
    assert "must be at least 1, got `0`" in problem[3]


def test_no_sources_is_fine_for_validate(tmp_path: Path) -> None:
    report = check(tmp_path)
    assert report.config is not None and report.config.lead_sources == {}


def test_the_shipped_configs_declare_a_source() -> None:
    root = Path(__file__).resolve().parents[2] / "configs"
    report = validate_config([root], env={})
    assert report.errors == []
    assert report.config is not None and "web-form" in report.config.lead_sources
