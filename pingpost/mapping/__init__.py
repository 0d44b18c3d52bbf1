"""Lead -> buyer fields (DESIGN: mapping): sources, value maps, formats, nesting.

fields.py   plans compiled once per method, applied per lead
formats.py  the value formats of `format:` (digits, upper, decimal:N, date:...)
"""

from __future__ import annotations

from pingpost.mapping.fields import (
    FieldPlan,
    LeadValueError,
    MappingError,
    apply_mappings,
    check_nesting,
    nest,
    plan_mappings,
)
from pingpost.mapping.formats import FORMATS, Formatter, parse_format

__all__ = [
    "FORMATS",
    "FieldPlan",
    "Formatter",
    "LeadValueError",
    "MappingError",
    "apply_mappings",
    "check_nesting",
    "nest",
    "parse_format",
    "plan_mappings",
]
