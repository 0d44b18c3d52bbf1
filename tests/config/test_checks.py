"""Cross checks: each one reported at the node at fault, with a message that says what to do."""

from __future__ import annotations

from pathlib import Path

import pytest

from .helpers import ACCOUNT, LEAD_TYPE, METHOD, check, found

M, A, L = "methods/acme.yaml", "accounts/gold.yaml", "lead_types/auto.yaml"
BASES = {M: METHOD, A: ACCOUNT, L: LEAD_TYPE}


def problems(tmp_path: Path, file: str, old: str, new: str) -> list[tuple[str, int, int, str]]:
    assert old in BASES[file], old
    report = check(tmp_path, {file: BASES[file].replace(old, new, 1)})
    return found(report)


CASES = {
    "unknown lead type": (
        M,
        "lead_type: auto",
        "lead_type: autoo",
        [("acme.yaml", 3, 12, "no lead type named `autoo`; did you mean `auto`? (known: auto)")],
    ),
    "mapping field not in the lead type": (
        M,
        "zip: Zip",
        "zip: Zipp",
        [
            (
                "acme.yaml",
                8,
                10,
                "buyer field `zip` reads `Zipp`, which is not a field of lead type `auto`; did you "
                "mean `Zip`?",
            )
        ],
    ),
    "pii in a ping": (
        M,
        "zip: Zip",
        "zip: Zip\n    mail: {field: Email}",
        [
            (
                "acme.yaml",
                9,
                19,
                "buyer field `mail` sends `Email`, a pii field, in the ping; pings should carry "
                "the minimum (send it in the post)",
            )
        ],
    ),
    "capture in a ping": (
        M,
        "zip: Zip",
        "zip: {capture: token}",
        [
            (
                "acme.yaml",
                8,
                20,
                "buyer field `zip`: a ping has no captures (`capture` is for post mappings)",
            )
        ],
    ),
    "post capture the ping does not capture": (
        M,
        "token: {capture: token}",
        "token: {capture: tokn}",
        [
            (
                "acme.yaml",
                18,
                22,
                "buyer field `token` uses the capture `tokn`, which the ping does not capture "
                "(add it under ping.response.capture); did you mean `token`?",
            )
        ],
    ),
    "post url template reads an uncaptured value": (
        M,
        "url: https://acme.example/post",
        'url: "https://acme.example/{{ ping.id }}/post"',
        [
            (
                "acme.yaml",
                16,
                8,
                "the template uses `ping.id`, which the ping does not capture (add it under "
                "ping.response.capture)",
            )
        ],
    ),
    "ping template reads ping": (
        M,
        'source: {value: "{{ account.vars.source }}"}',
        'source: {value: "{{ ping.token }}"}',
        [("acme.yaml", 9, 21, "`ping` (the ping's captures) exists only in post templates")],
    ),
    "fields outside a body": (
        M,
        'source: {value: "{{ account.vars.source }}"}',
        'source: {template: "{{ fields }}"}',
        [
            (
                "acme.yaml",
                9,
                24,
                "`fields` (the mapped buyer fields) exists only in `body` templates",
            )
        ],
    ),
    "unknown name in a template": (
        M,
        'source: {value: "{{ account.vars.source }}"}',
        'source: {value: "{{ leed.Zip }}"}',
        [
            (
                "acme.yaml",
                9,
                21,
                "the template uses `leed`, which is not defined; it may use account, lead, "
                "lead_id, test; did you mean `lead`?",
            )
        ],
    ),
    "template reads an unknown lead field": (
        M,
        'source: {value: "{{ account.vars.source }}"}',
        "source: {template: \"{{ lead['Zipcode'] }}\"}",
        [
            (
                "acme.yaml",
                9,
                24,
                "the template reads `lead.Zipcode`, which is not a field of lead type `auto`; "
                "did you mean `Zip`?",
            )
        ],
    ),
    "template syntax error in a literal block": (
        M,
        "    email: {field: Email, required: false}\n",
        '    email: {field: Email, required: false}\n  body: |\n    {"a": {{ fields }},\n'
        '     "b": {{ lead.Zip }\n    }\n',
        [("acme.yaml", 22, 5, "template error: unexpected '}'")],
    ),
    "unknown filter": (
        M,
        'source: {value: "{{ account.vars.source }}"}',
        'source: {value: "{{ account.vars.source | shout }}"}',
        [("acme.yaml", 9, 21, "template error: No filter named 'shout'.")],
    ),
    "jmespath that does not compile": (
        M,
        "bid: price",
        "bid: 'price[0'",
        [
            (
                "acme.yaml",
                12,
                10,
                "invalid JMESPath 'price[0': Invalid jmespath expression: Incomplete "
                'expression: "price[0" ^',
            )
        ],
    ),
    "regexes deep in conditions": (
        M,
        "accept: {path: status, equals: ok}\n    bid",
        "accept: {any: [{regex: '('}, {not: {path: a, matches: '['}}]}\n    bid",
        [
            (
                "acme.yaml",
                11,
                28,
                "invalid regex '(': missing ), unterminated subpattern at position 0",
            ),
            ("acme.yaml", 11, 59, "invalid regex '[': unterminated character set at position 0"),
        ],
    ),
    "status code out of range": (
        M,
        "accept: {path: status, equals: ok}\n    bid",
        "accept: {path: status, equals: ok}\n    status: {600: reject}\n    bid",
        [("acme.yaml", 12, 14, "`600` is not an HTTP status code")],
    ),
    "unknown format": (
        M,
        "zip: Zip",
        "zip: {field: Zip, format: digitz}",
        [
            (
                "acme.yaml",
                8,
                31,
                "buyer field `zip`: unknown format `digitz`; formats: digits, upper, lower, "
                "title, trim, int, decimal:N, date:<strftime>, yes_no, true_false, one_zero",
            )
        ],
    ),
    "strict_map without map": (
        M,
        "zip: Zip",
        "zip: {field: Zip, strict_map: true}",
        [("acme.yaml", 8, 35, "`strict_map` does nothing without a `map`")],
    ),
    "post retried on timeout without an idempotency key (P5)": (
        M,
        "  url: https://acme.example/post",
        "  url: https://acme.example/post\n  retry: {attempts: 2, on: [connect, timeout, 5xx]}",
        [
            (
                "acme.yaml",
                17,
                28,
                "a post retried on timeout, 5xx may reach the buyer twice and sell the lead "
                "twice: add `idempotency_key: {header: Idempotency-Key}` (a key the buyer "
                "honours) or retry only on connect (guarantee P5)",
            )
        ],
    ),
    "body with a form request": (
        M,
        "  url: https://acme.example/post",
        "  url: https://acme.example/post\n  content_type: form\n  body: '{{ fields }}'",
        [
            (
                "acme.yaml",
                18,
                3,
                "`body` cannot be used with content_type form: form and query bodies are built "
                "from the mappings (remove `body`)",
            )
        ],
    ),
    "a json body on a GET": (
        M,
        "  timeout: 1.0",
        "  timeout: 1.0\n  method: GET",
        [
            (
                "acme.yaml",
                7,
                11,
                "a GET with content_type json sends a body, which most servers ignore; use "
                "content_type: query to send the fields in the URL",
            )
        ],
    ),
    "invalid xml root": (
        M,
        "  timeout: 1.0",
        "  timeout: 1.0\n  content_type: xml\n  xml_root: 1lead",
        [("acme.yaml", 8, 13, "`1lead` is not a valid XML name")],
    ),
    "invalid header names": (
        M,
        "  timeout: 1.0",
        "  timeout: 1.0\n  headers: {'X Version': '2'}\n"
        "  auth: {type: header, name: 'X:Key', value: abcdef}",
        [
            (
                "acme.yaml",
                7,
                13,
                "`X Version` is not a valid HTTP header name (letters, digits and !#$%&'*+-.^_`|~)",
            ),
            (
                "acme.yaml",
                8,
                30,
                "`X:Key` is not a valid HTTP header name (letters, digits and !#$%&'*+-.^_`|~)",
            ),
            (
                "acme.yaml",
                17,
                1,
                "the ping sends `auth` (header) but the post sends none: a buyer that checks "
                "credentials answers 401 and the lead goes unsold; give the post the same "
                "`auth` (or `auth: {type: none}` if it really needs none)",
            ),
        ],
    ),
    "url without http": (
        M,
        "url: https://acme.example/ping",
        "url: acme.example/ping",
        [("acme.yaml", 5, 8, "`acme.example/ping` is not an http:// or https:// URL with a host")],
    ),
    "fields that are both a value and an object": (
        M,
        "zip: Zip",
        "zip: Zip\n    zip.code: Zip",
        [
            (
                "acme.yaml",
                7,
                3,
                "buyer field `zip` is both a value and an object of other fields (`zip.…`); "
                "rename one",
            )
        ],
    ),
    "example without an exchange": (
        M,
        "  - name: sold\n",
        "  - name: empty\n  - name: sold\n",
        [("acme.yaml", 23, 5, "an example needs `ping`, `post` or both")],
    ),
    "example expects an uncaptured value": (
        M,
        "capture: {token: t-1}",
        "capture: {token: t-1, id: x}",
        [("acme.yaml", 26, 71, "the ping does not capture `id`")],
    ),
    "unknown method": (
        A,
        "method: acme",
        "method: acne",
        [
            (
                "acme.yaml",
                2,
                7,
                "no delivery account uses delivery_method `acme`: it is never pinged",
            ),
            (
                "gold.yaml",
                3,
                9,
                "no delivery method named `acne`; did you mean `acme`? (known: acme)",
            ),
        ],
    ),
    "min_bid above max_bid": (
        A,
        "method: acme",
        "method: acme\npricing: {min_bid: 10, max_bid: '9.99'}",
        [("gold.yaml", 4, 33, "max_bid 9.99 is below min_bid 10")],
    ),
    "a missing account var": (
        A,
        'vars: {source: "s-1"}',
        "vars: {src: s-1}",
        [
            (
                "gold.yaml",
                4,
                1,
                "delivery_account `gold` has no var `source`, which delivery_method `acme` uses "
                "(as account.vars.source at {root}/methods/acme.yaml:9:21)",
            )
        ],
    ),
    "filters": (
        A,
        "method: acme",
        "method: acme\nfilters:\n  - {field: Stat, in: [CA]}\n  - {field: Zip, matches: '('}\n"
        "  - {field: Coverage, equals: ful}",
        [
            (
                "gold.yaml",
                5,
                13,
                "filter on `Stat`, which is not a field of lead type `auto`; did you mean `State`?",
            ),
            (
                "gold.yaml",
                6,
                27,
                "invalid regex `(`: missing ), unterminated subpattern at position 0",
            ),
            (
                "gold.yaml",
                7,
                31,
                "`ful` is not one of `Coverage`'s values (liability, full): it never matches",
            ),
        ],
    ),
    "test environment without a test url": (
        A,
        "method: acme",
        "method: acme\nenvironment: test",
        [
            (
                "gold.yaml",
                4,
                14,
                "delivery_account `gold` is in test mode but delivery_method `acme` has no ping "
                "`test_url`: test pings go to the production url",
            )
        ],
    ),
    "enum without values and other field rules": (
        L,
        "  Coverage: {type: enum, values: [liability, full]}",
        "  Coverage: {type: enum, values: [liability, full]}\n  Kind: {type: enum}\n"
        "  Name: {type: string, values: [a], pattern: '(', min: 5, max: 2}",
        [
            ("auto.yaml", 9, 16, "enum field `Kind` needs `values: [...]`"),
            ("auto.yaml", 10, 32, "`values` is for enum fields; `Name` is string"),
            ("auto.yaml", 10, 64, "`Name`: max 2 is below min 5"),
            (
                "auto.yaml",
                10,
                46,
                "invalid regex `(`: missing ), unterminated subpattern at position 0",
            ),
        ],
    ),
    "an invalid sample": (
        L,
        'sample: {Zip: "90210",',
        'sample: {Zip: "9021",',
        [
            (
                "auto.yaml",
                9,
                10,
                "the sample is not a valid lead: Zip: `9021` is not a ZIP code (5 digits or ZIP+4)",
            )
        ],
    ),
}


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_cross_check(tmp_path: Path, case: str) -> None:
    file, old, new, expected = CASES[case]
    expected = [(f, ln, c, m.replace("{root}", str(tmp_path))) for f, ln, c, m in expected]
    assert sorted(problems(tmp_path, file, old, new)) == sorted(expected)


def test_the_retry_rule_accepts_an_idempotency_key(tmp_path: Path) -> None:
    method = METHOD.replace(
        "  url: https://acme.example/post",
        "  url: https://acme.example/post\n  retry: {attempts: 3, on: [timeout, 5xx]}\n"
        "  idempotency_key: {header: Idempotency-Key}",
    ).replace("  timeout: 1.0", "  timeout: 1.0\n  retry: {attempts: 2, on: [timeout]}")
    assert found(check(tmp_path, {M: method})) == []


def test_a_ping_timeout_beyond_the_deadline_is_a_warning(tmp_path: Path) -> None:
    settings = "kind: settings\nauction: {ping_deadline: 0.5}\n"
    report = check(tmp_path, {"pingpost.yaml": settings})
    assert found(report) == [
        (
            "acme.yaml",
            6,
            12,
            "ping timeout 1 s is longer than the auction's ping_deadline 0.5 s: the round ends "
            "first, so the ping is cut at 0.5 s",
        )
    ]
    assert report.config is not None  # warnings only


def test_pricing_without_a_bid(tmp_path: Path) -> None:
    method = METHOD.replace("    bid: price\n", "").replace(', bid: "12.50"', "")
    account = ACCOUNT + "pricing: {min_bid: 5}\n"
    report = check(tmp_path, {M: method, A: account})
    assert found(report) == [
        (
            "gold.yaml",
            5,
            1,
            "delivery_account `gold`: its method reads no bid (no ping `response.bid`) and it "
            "sets no `pricing.fixed_price`, so its accepted pings have no price and cannot win",
        )
    ]
    report = check(
        tmp_path, {M: method, A: account.replace("{min_bid: 5}", "{min_bid: 5, fixed_price: 4}")}
    )
    assert found(report) == [
        ("gold.yaml", 5, 36, "fixed_price 4 is outside [5, …]: every accepted ping loses")
    ]


def test_a_missing_sample_is_a_warning(tmp_path: Path) -> None:
    lead_type = LEAD_TYPE[: LEAD_TYPE.index("sample:")]
    assert found(check(tmp_path, {L: lead_type})) == [
        (
            "auto.yaml",
            2,
            7,
            "lead_type `auto` has no `sample`: validate cannot render the methods that use it",
        )
    ]


def test_a_reference_to_a_broken_document_is_not_reported_twice(tmp_path: Path) -> None:
    method = METHOD.replace("timeout: 1.0", "timeout: never")
    report = check(tmp_path, {M: method})
    assert [p.message for p in report.problems] == [
        "delivery_method `acme` ping.timeout: expected a number, got `never`"
    ]


def test_a_disabled_account_is_a_warning_at_its_key(tmp_path: Path) -> None:
    report = check(tmp_path, {A: ACCOUNT + "enabled: false\n"})
    assert found(report) == [
        ("gold.yaml", 5, 1, "delivery_account `gold` is disabled: it is never pinged")
    ]
