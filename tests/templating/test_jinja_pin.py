"""`render_template` calls a Jinja internal (`Template.root_render_func` on a context it
builds itself), which is a third faster than `Template.render`. Jinja's minor version is
pinned in pyproject.toml for it; these tests fail when the internal moves, so that a new
Jinja is adopted on purpose."""

from __future__ import annotations

import inspect
import re
import tomllib
from pathlib import Path

import jinja2
import pytest
from jinja2.runtime import Context

from pingpost.templating import compile_template, render_template, template_globals

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def test_the_installed_jinja_is_the_pinned_minor_version() -> None:
    dependencies = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    (pin,) = [d for d in dependencies if d.startswith("jinja2")]
    upper = re.search(r"<(\d+)\.(\d+)", pin)
    assert upper is not None, f"{pin}: pin the minor version (<X.Y)"
    major, minor = (int(n) for n in jinja2.__version__.split(".")[:2])
    assert (major, minor + 1) == (int(upper.group(1)), int(upper.group(2))), jinja2.__version__


def test_the_internals_render_template_uses_are_there() -> None:
    template = compile_template("{{ 1 }}")
    assert callable(template.root_render_func)
    assert isinstance(template.blocks, dict)
    assert list(inspect.signature(Context.__init__).parameters)[1:5] == [
        "environment",
        "parent",
        "name",
        "blocks",
    ]


@pytest.mark.parametrize(
    "source",
    [
        "plain text",
        "{{ lead.name | upper }}-{{ account.vars.k }}",
        "{% for x in range(3) %}{{ loop.index }}{{ x }}{% endfor %}",
        "{% set n = namespace(t=0) %}{% for x in [1, 2] %}{% set n.t = n.t + x %}{% endfor %}"
        "{{ n.t }}",
        "{% macro m(v) %}<{{ v }}>{% endmacro %}{{ m(lead.name) }}",
        "{% if lead.missing is defined %}x{% else %}{{ lead.name ~ '!' }}{% endif %}",
        "{{ dict(a=1) | tojson }} {{ '%05d' | format(42) }} {{ [3, 1] | sort | join(',') }}",
    ],
)
def test_render_template_renders_as_the_public_api_does(source: str) -> None:
    context = {"lead": {"name": "ada"}, "account": {"vars": {"k": "v"}}}
    template = compile_template(source)
    public = template.render(context)  # Jinja's own way: globals copied into a context
    assert render_template(source, "text", {**template_globals(), **context}) == public
