"""Offline behaviour checks: every method rendered with the sample, every example run."""

from __future__ import annotations

from pathlib import Path

from tests.config.helpers import ACCOUNT, LEAD_TYPE, METHOD, check, found

M, A, L = "methods/acme.yaml", "accounts/gold.yaml", "lead_types/auto.yaml"


def with_method(tmp_path: Path, old: str, new: str, **files: str):  # type: ignore[no-untyped-def]
    assert old in METHOD, old
    return check(tmp_path, {M: METHOD.replace(old, new, 1), **files})


def test_a_body_that_does_not_parse_is_reported_at_the_body(tmp_path: Path) -> None:
    report = with_method(
        tmp_path,
        "    email: {field: Email, required: false}\n",
        "    email: {field: Email, required: false}\n  body: '{\"lead\": {{ fields }}'\n",
    )
    [(file, line, column, message)] = found(report)
    assert (file, line, column) == ("acme.yaml", 20, 9)
    assert message.startswith(
        "the post cannot be built for lead type `auto`'s sample and account `gold`: "
    )
    assert "json" in message.lower()


def test_a_format_the_sample_cannot_take(tmp_path: Path) -> None:
    report = with_method(tmp_path, "zip: Zip", "zip: {field: State, format: int}")
    [(file, line, column, message)] = found(report)
    assert (file, line, column) == ("acme.yaml", 8, 5)  # the buyer field `zip`
    assert message.startswith("the ping cannot be built for lead type `auto`'s sample")
    assert "format `int` for buyer field `zip`" in message


def test_a_template_reading_a_field_the_sample_lacks(tmp_path: Path) -> None:
    lead_type = LEAD_TYPE.replace(" Age: 30,", "")
    report = with_method(
        tmp_path,
        "  timeout: 1.0",
        '  timeout: 1.0\n  headers: {X-Age: "{{ lead.Age }}"}',
        **{L: lead_type},
    )
    [(_, line, column, message)] = found(report)
    assert (line, column) == (7, 20)  # the header's value
    assert "lead.Age" in message


def test_every_distinct_account_is_rendered(tmp_path: Path) -> None:
    method = METHOD.replace(
        "  timeout: 1.0", '  timeout: 1.0\n  headers: {X-Source: "{{ account.vars.source }}"}'
    )
    silver = ACCOUNT.replace("name: gold", "name: silver").replace('"s-1"', '"s-1\\nX-Evil: 1"')
    report = check(tmp_path, {M: method, "accounts/silver.yaml": silver})
    [(_, line, column, message)] = found(report)
    assert (line, column) == (7, 23)  # the header's value
    assert message.startswith(
        "the ping cannot be built for lead type `auto`'s sample and account `silver`: "
    )


def test_an_unused_method_renders_with_placeholder_vars(tmp_path: Path) -> None:
    report = check(tmp_path, {A: ACCOUNT.replace("method: acme", "method: acme\nenabled: false")})
    assert [p.severity for p in report.problems] == ["warning"]
    report = check(tmp_path, {A: "kind: settings\n"})  # no account at all
    assert found(report) == [
        ("acme.yaml", 2, 7, "no delivery account uses delivery_method `acme`: it is never pinged")
    ]


def test_examples_that_disagree_with_the_rules(tmp_path: Path) -> None:
    method = METHOD.replace(
        'expect: {outcome: accepted, bid: "12.50", capture: {token: t-1}}',
        'expect: {outcome: accepted, bid: "12.5", capture: {token: t-2}}',
    ).replace(
        "expect: {outcome: accepted}",
        "expect: {outcome: rejected, reason: sold out, price: 3}",
    )
    assert found(check(tmp_path, {M: method})) == [
        (
            "acme.yaml",
            26,
            65,
            "example `sold` ping: expected capture token `t-2`, got `t-1`",
        ),
        (
            "acme.yaml",
            29,
            25,
            "example `sold` post: expected outcome rejected, got accepted "
            '(accept: path status equals "ok")',
        ),
        ("acme.yaml", 29, 43, "example `sold` post: expected reason `sold out`, got none"),
        ("acme.yaml", 29, 60, "example `sold` post: expected price 3, got none"),
    ]


def test_a_rejection_example_with_status_rules(tmp_path: Path) -> None:
    method = METHOD.replace(
        "    bid: price\n", "    bid: price\n    reason: message\n    status: {404: reject}\n"
    ) + (
        "  - name: no buyer\n"
        "    ping:\n"
        '      response: {status: 404, body: \'{"message": "no buyer"}\'}\n'
        "      expect: {outcome: rejected, reason: no buyer}\n"
        "  - name: bad bid\n"
        "    ping:\n"
        '      response: {body: \'{"status": "ok", "price": "-1"}\'}\n'
        "      expect: {outcome: accepted}\n"
    )
    [(_, line, column, message)] = found(check(tmp_path, {M: method}))
    assert (line, column) == (39, 25)
    assert message.startswith("example `bad bid` ping: expected outcome accepted, got error (")
    assert "invalid bid" in message


def test_a_ping_mapping_the_post_includes_is_reported_once(tmp_path: Path) -> None:
    report = with_method(
        tmp_path,
        "  url: https://acme.example/post\n",
        "  url: https://acme.example/post\n  include_ping_mappings: true\n",
    )
    assert report.errors == []
    method = METHOD.replace("zip: Zip", "zip: {field: State, format: int}").replace(
        "  url: https://acme.example/post\n",
        "  url: https://acme.example/post\n  include_ping_mappings: true\n",
    )
    [(file, line, column, message)] = found(check(tmp_path, {M: method}))
    assert (file, line, column) == ("acme.yaml", 8, 5)
    assert message.startswith("the ping cannot be built")


def test_a_failing_post_mapping_is_located_at_its_buyer_field(tmp_path: Path) -> None:
    report = with_method(
        tmp_path,
        "    email: {field: Email, required: false}\n",
        "    email: {value: x, map: {y: z}, strict_map: true}\n",
    )
    [(file, line, column, message)] = found(report)
    assert (file, line, column) == ("acme.yaml", 19, 5)
    assert "buyer field `email`" in message


def test_the_library_validates_as_the_command_does(tmp_path: Path) -> None:
    import pingpost

    broken = METHOD.replace(
        "    email: {field: Email, required: false}\n",
        "    email: {field: Email, required: false}\n  body: '{\"lead\": {{ fields }}'\n",
    )
    check(tmp_path, {M: broken}, behaviour=False)  # writes the files
    report = pingpost.validate_config([tmp_path], env={})
    assert any("cannot be built" in p.message for p in report.errors)
    assert not pingpost.validate_config([tmp_path], offline=False, env={}).errors
