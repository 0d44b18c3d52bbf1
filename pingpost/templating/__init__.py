"""Config templates: the one sandboxed Jinja2 setup (P11).

Templates come from config (`url`, `headers`, mapping `value`/`template`,
`body`), never from a lead: lead values are data in the context, not source.
Each template string is compiled once per flavour and cached.

    context.py   what a template reads (lead, account vars, captures) and MissingValue
    sandbox.py   the environments, compile_template, render_template
    budget.py    the per-request work and size budget every runaway hits
    filters.py   Jinja's size-building filters, guarded by the budget
    origins.py   which lead fields an output comes from, and the record of those outputs
    analysis.py  what a template reads, found without rendering it
"""

from __future__ import annotations

from jinja2 import TemplateError

from pingpost.templating.analysis import (
    is_template,
    lead_origin,
    referenced_attributes,
    template_roots,
)
from pingpost.templating.budget import (
    MAX_CHARS,
    MAX_WIDTH,
    MAX_WORK,
    close_budget,
    open_budget,
    request_budget,
)
from pingpost.templating.context import AccountVars, Captures, LeadValues, MissingValue
from pingpost.templating.origins import (
    ANY_FIELD,
    Record,
    close_record,
    open_record,
    recordable_text,
)
from pingpost.templating.sandbox import (
    Flavour,
    compile_template,
    is_safe,
    render_template,
    template_globals,
)

__all__ = [
    "ANY_FIELD",
    "MAX_CHARS",
    "MAX_WIDTH",
    "MAX_WORK",
    "AccountVars",
    "Captures",
    "Flavour",
    "LeadValues",
    "MissingValue",
    "Record",
    "TemplateError",
    "close_budget",
    "close_record",
    "compile_template",
    "is_safe",
    "is_template",
    "lead_origin",
    "open_budget",
    "open_record",
    "recordable_text",
    "referenced_attributes",
    "render_template",
    "request_budget",
    "template_globals",
    "template_roots",
]
