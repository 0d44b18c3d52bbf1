"""The template sandbox (P11) and the template helpers other modules use."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from jinja2 import TemplateSyntaxError, UndefinedError
from jinja2.exceptions import SecurityError

from pingpost.templating import (
    MAX_CHARS,
    MAX_WIDTH,
    MAX_WORK,
    AccountVars,
    Captures,
    LeadValues,
    MissingValue,
    compile_template,
    is_template,
    referenced_attributes,
    render_template,
    request_budget,
    template_globals,
    template_roots,
)
from pingpost.templating.budget import MAX_INT_BITS


def render(source: str, flavour: Any = "text", **context: Any) -> str:
    return render_template(source, flavour, {**template_globals(), **context})


@pytest.mark.parametrize(
    "source",
    [
        "{{ lead.__class__ }}",
        "{{ lead.__class__.__mro__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ namespace.__init__.__globals__ }}",
    ],
)
def test_python_internals_are_out_of_reach(source: str) -> None:
    with pytest.raises((SecurityError, UndefinedError)):
        render(source, lead=LeadValues({"A": 1}))


def test_the_context_cannot_be_mutated() -> None:
    lead = LeadValues({"A": 1})
    with pytest.raises(SecurityError):
        render("{{ lead.update({'A': 2}) }}", lead=lead)
    assert lead == {"A": 1}


def test_loops_are_bounded() -> None:
    assert render("{% for i in range(3) %}{{ i }}{{ loop.last }}{% endfor %}") == (
        "0false1false2true"
    )
    with pytest.raises(SecurityError, match=f"work budget \\({MAX_WORK} loop"):
        render("{% for i in range(10**6) %}{% endfor %}")


@pytest.mark.parametrize(
    "source",
    [
        "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}",
        "{% for a in 'x' * 1000 %}{% for b in 'x' * 1000 %}{% endfor %}{% endfor %}",
        "{% for i in range(9000) %}{{ range(9000) | length }}{% endfor %}",
    ],
)
def test_nested_loops_share_one_work_budget(source: str) -> None:
    with pytest.raises(SecurityError, match="exceeds its work budget"):
        render(source)


def test_the_budget_is_per_request_scope() -> None:
    loop = "{% for i in range(30000) %}{% endfor %}"
    for _ in range(5):
        render(loop)  # each template on its own gets a fresh budget
    with request_budget(), pytest.raises(SecurityError, match="work budget"):
        for _ in range(5):
            render(loop)  # one request's templates share theirs


@pytest.mark.parametrize(
    "source",
    [
        "{{ 'a'.center(10**9) | length }}",
        "{{ 'a'.ljust(10**9) }}",
        "{{ 'a'.zfill(10**9) }}",
        "{{ 'a\tb'.expandtabs(10**8) }}",
        "{{ '{:>999999999}'.format(1) }}",
        "{{ '{:.999999999f}'.format(1) }}",
        "{{ '{:{w}}'.format(1, w=10**9) }}",
        "{{ '{0:>999999999}'.format_map({}) }}",
        "{{ '%999999999d' % 1 }}",
        "{{ '%*d' % (10**9, 1) }}",
        "{{ '%999999999d' | format(1) }}",
        "{{ 'x' | indent(999999999) }}",
        "{{ 'x' | center(999999999) }}",
        "{{ 'x' | wordwrap(999999999) }}",
        "{{ 'x' | truncate(999999999) }}",
        "{{ ('a' * 100000) | replace('a', 'b' * 200) }}",
        "{{ ('a' * 100000).replace('a', 'b' * 200) }}",
        "{{ range(10000) | join('x' * 2000) }}",
        "{{ ('x' * 2000).join(range(10000)) }}",
        "{% set ns = namespace(s='x') %}{% for i in range(40) %}"
        "{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
        "{% set ns = namespace(s='x') %}{% for i in range(40) %}"
        "{% set ns.s = ns.s + ns.s %}{% endfor %}",
        "{% for i in range(30000) %}{{ 'x' * 1000 }}{% endfor %}",
    ],
)
def test_size_building_calls_are_capped(source: str) -> None:
    with pytest.raises(SecurityError, match="work budget"):
        render(source)


def test_size_budget_adds_up_over_calls() -> None:
    source = "{% for i in range(101) %}{{ 'a'.center(WIDTH) | length }}{% endfor %}"
    source = source.replace("WIDTH", str(MAX_WIDTH))
    assert MAX_WIDTH * 101 > MAX_CHARS
    with pytest.raises(SecurityError, match=f"{MAX_CHARS} characters"):
        render(source)


def test_ordinary_padding_and_formatting_still_work() -> None:
    out = render(
        "{{ 'ab'.center(6) }}|{{ '{:>5}'.format(7) }}|{{ '{:.2f}'.format(1.5) }}|"
        "{{ '%05d' % 3 }}|{{ 'x\ny' | indent(2) }}|{{ 'abcdef' | truncate(5, leeway=0) }}|"
        "{{ 'a-b' | replace('-', '+') }}|{{ [1, 2] | join(',') }}|{{ '%s' | format('f') }}"
    )
    assert out == "  ab  |    7|1.50|00003|x\n  y|ab...|a+b|1,2|f"


@pytest.mark.parametrize("name", ["lipsum", "cycler", "joiner"])
def test_unneeded_globals_are_gone(name: str) -> None:
    assert name not in template_globals()
    with pytest.raises(UndefinedError):
        render("{{ %s() }}" % name)  # noqa: UP031


@pytest.mark.parametrize("source", ["{{ 'x' * 10**9 }}", "{{ [1] * 10**9 }}", "{{ 2 ** 100000 }}"])
def test_huge_repeats_and_powers_are_refused(source: str) -> None:
    with pytest.raises(SecurityError):
        render(source)


RUNAWAY_NUMBERS = [
    "{{ (((10**1000)**1000)**1000) % 7 }}",  # each exponent small, the base huge
    "{{ (10**1000) ** 1000 }}",
    "{{ " + " * ".join(["10**999"] * 22) + " }}",  # a product, a step at a time
    "{% set n = namespace(v=3) %}{% for i in range(100) %}{% set n.v = n.v * n.v %}"
    "{% endfor %}{{ n.v % 7 }}",  # squaring in a loop
]


@pytest.mark.parametrize("source", RUNAWAY_NUMBERS)
def test_every_intermediate_number_is_bounded(source: str) -> None:
    started = time.monotonic()
    with pytest.raises(SecurityError, match=f"at most {int(MAX_INT_BITS * 0.30103):,}"):
        render(source)
    assert time.monotonic() - started < 2.0


def test_the_runaway_of_the_hardening_issue_ends_in_render_and_validate(tmp_path: Path) -> None:
    """Run apart, so that a regression fails on its timeout instead of hanging the suite."""
    script = textwrap.dedent(
        f"""
        from pathlib import Path
        from tests.config.helpers import METHOD, check
        template = "{{{{ (((10**1000)**1000)**1000) % 7 }}}}"
        method = METHOD.replace("zip: Zip", 'zip: {{template: "' + template + '"}}', 1)
        assert method != METHOD
        report = check(Path({str(tmp_path)!r}), {{"methods/acme.yaml": method}})
        print(*[p.message for p in report.errors], sep="\\n")
        """
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=root, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "work budget" in done.stdout and "digits" in done.stdout


def test_big_enough_numbers_still_work() -> None:
    assert render("{{ (2 ** 1000) % 1000 }}|{{ 10**100 * 10**100 > 0 }}") == "376|true"


def test_small_repeats_and_powers_work() -> None:
    assert render("{{ '-' * 3 }}{{ 2**10 }}") == "---1024"


def test_strict_undefined() -> None:
    with pytest.raises(UndefinedError):
        render("{{ nope }}")
    assert render("{{ nope | default('d') }}{% if nope is defined %}x{% endif %}") == "d"


@pytest.mark.parametrize(
    ("context", "kind", "message"),
    [
        ({"lead": LeadValues()}, "lead", "the lead has no `X`"),
        ({"ping": Captures()}, "capture", "the ping did not capture `X`"),
        (
            {"v": AccountVars({}, "gold")},
            "var",
            "account `gold` does not set the var `X` (add it under `vars:`)",
        ),
        ({"v": AccountVars({})}, "var", "the var `X` needs an account"),
    ],
)
def test_missing_values_say_what_is_missing(
    context: dict[str, Any], kind: str, message: str
) -> None:
    source = "{{ %s.X }}" % next(iter(context))  # noqa: UP031
    with pytest.raises(MissingValue) as info:
        render(source, **context)
    assert (info.value.kind, info.value.name, str(info.value)) == (kind, "X", message)


def test_text_flavour_writes_values_as_text() -> None:
    from datetime import date
    from decimal import Decimal

    out = render(
        "{{ a }} {{ b }} {{ c }} {{ d }} {{ e }}",
        a=True,
        b=Decimal("1.50"),
        c=date(2020, 1, 2),
        d=None,
        e={"k": [1]},
    )
    assert out == 'true 1.50 2020-01-02  {"k":[1]}'


def test_flavours_encode_each_expression() -> None:
    assert render("/{{ v }}/", "url", v="a/b c") == "/a%2Fb%20c/"
    assert render("[{{ v }}]", "json", v='a"b') == '["a\\"b"]'
    assert render("<a>{{ v }}</a>", "xml", v="<&>") == "<a>&lt;&amp;&gt;</a>"
    # literal template text is never encoded
    assert render('{"a": "/"}', "json") == '{"a": "/"}'


def test_templates_are_compiled_once_per_flavour() -> None:
    assert compile_template("{{ 1 }}", "json") is compile_template("{{ 1 }}", "json")
    assert compile_template("{{ 1 }}", "json") is not compile_template("{{ 1 }}", "xml")
    with pytest.raises(TemplateSyntaxError):
        compile_template("{{ 1 ")


def test_is_template() -> None:
    assert is_template("{{ x }}") and is_template("{% if x %}{% endif %}")
    assert is_template("{# note #}") and not is_template("plain {x}")


def test_referenced_attributes_and_roots() -> None:
    source = "{{ ping.token }}/{{ ping['id'] }}/{{ lead.Zip }}/{{ ping[k] }}"
    assert referenced_attributes(source, "ping") == {"token", "id"}
    assert template_roots(source) == {"ping", "lead", "k"}
