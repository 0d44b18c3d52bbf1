"""Leads: loading and coercion against a lead type.

A lead is parsed once, at the door: every value is coerced to its field's
type (or the lead is refused with every problem listed), so that filters,
mappings and templates downstream see one shape only.
"""

from __future__ import annotations

import difflib
import json
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from pingpost.config.models import LeadField, LeadType
from pingpost.errors import LeadError, UsageError
from pingpost.ids import auction_id_problem

MAX_LEAD_BYTES = 16 * 1024 * 1024  # a lead is a form, not a data set
MAX_DIGITS = 100  # a number field's digits and exponent; no real lead value comes close

_STATE_CODES = (
    "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ "
    "NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC PR VI GU AS MP"
)
US_STATES = frozenset(_STATE_CODES.split(" "))
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_ZIP = re.compile(r"\d{5}(?:-\d{4})?")
_PHONE_PUNCTUATION = re.compile(r"[\s().\-+]")
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True)
class Lead:
    """A lead that passed its lead type: values coerced to the field types.

    integer -> int, number -> Decimal, boolean -> bool, date -> datetime.date,
    phone -> 10 digits (str), zip/state/email/string/enum -> str. Fields absent
    from the input are absent here (never None).

    `received` is the decoded JSON object as it arrived (kept for the store's log
    and the lead key, see `pingpost.lead_keys`); `lead_id` the value of the lead
    type's `id_field`, which becomes the auction id.
    """

    lead_type: str
    values: Mapping[str, Any]
    received: Mapping[str, Any] | None = field(default=None, compare=False, repr=False)
    lead_id: str | None = None

    def __repr__(self) -> str:
        return f"Lead(lead_type={self.lead_type!r}, fields=[{', '.join(self.values)}])"


class _Bad(ValueError):
    """One field's problem; the message follows the field name."""


def coerce_lead(data: object, lead_type: LeadType, *, source: str = "lead") -> Lead:
    """Check `data` (a decoded JSON object) against `lead_type`; list every problem at once.

    A null or blank value counts as absent. Unknown fields are refused: a typo
    (`Emial`) must not silently drop a value the buyer needs.
    """
    if not isinstance(data, Mapping):
        raise LeadError([f"a lead is a JSON object of fields, got {_kind(data)}"], source)
    problems: list[str] = []
    values: dict[str, Any] = {}
    for name in data:
        if name not in lead_type.fields:
            problems.append(_unknown_field(str(name), lead_type))
    for name, spec in lead_type.fields.items():
        raw = data.get(name)
        if _absent(raw):
            if spec.required:
                problems.append(f"{name}: required field is missing")
            continue
        try:
            values[name] = _coerce_value(raw, spec)
        except _Bad as bad:
            problems.append(f"{name}: {bad}")
    lead_id = _lead_id(values, lead_type, problems)
    if problems:
        raise LeadError(problems, source)
    return Lead(lead_type=lead_type.name, values=values, received=data, lead_id=lead_id)


def _lead_id(values: Mapping[str, Any], lead_type: LeadType, problems: list[str]) -> str | None:
    """The `id_field` value, which becomes the auction id (None: a new id is made)."""
    name = lead_type.id_field
    if name is None or name not in values:
        return None
    text = str(values[name])
    problem = auction_id_problem(text)
    if problem is not None:
        problems.append(f"{name}: {problem} (it is the lead type's id_field)")
    return text


def load_lead(path: Path, lead_type: LeadType) -> Lead:
    """Read one lead from a `.json` file (`-` reads stdin)."""
    if str(path) == "-":
        text = sys.stdin.read()
        source = "<stdin>"
    else:
        source = str(path)
        if not path.is_file():
            raise UsageError(f"lead file `{path}` not found (pass a .json file with one lead)")
        if path.stat().st_size > MAX_LEAD_BYTES:
            raise LeadError([f"the file is larger than {MAX_LEAD_BYTES} bytes"], source)
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise LeadError([f"not UTF-8 text (byte {exc.start})"], source) from None
        except OSError as exc:
            raise UsageError(f"cannot read lead file `{path}`: {exc.strerror}") from None
    return coerce_lead(_decode_json(text, source), lead_type, source=source)


def parse_lead_line(line: str, lead_type: LeadType, *, line_no: int, source: str) -> Lead:
    """One line of a `.jsonl` batch; problems are located as `source:line_no` (and a JSON
    error at its column within the line)."""
    where = f"{source}:{line_no}"
    return coerce_lead(_decode_json(line, where, one_line=True), lead_type, source=where)


class LeadJsonError(LeadError):
    """The text is not JSON (or uses what JSON forbids: NaN, a key given twice)."""


def decode_lead_json(text: str, source: str = "lead") -> object:
    """Decode a lead's JSON exactly: numbers with a fraction as `Decimal`, no NaN or
    Infinity, no key given twice. Raises `LeadJsonError`."""
    return _decode_json(text, source)


def _decode_json(text: str, source: str, *, one_line: bool = False) -> object:
    try:
        data = json.loads(
            text,
            parse_float=Decimal,  # exact: 12.10 stays 12.10, never a binary float
            parse_constant=_refuse_constant,
            object_pairs_hook=_unique_keys,
        )
    except json.JSONDecodeError as exc:
        raise LeadJsonError([_json_problem(exc, one_line)], source) from None
    except _Bad as bad:
        raise LeadJsonError([str(bad)], source) from None
    except ValueError:  # an integer past Python's digit limit: no lead value is that long
        limit = sys.get_int_max_str_digits()
        raise LeadJsonError([f"a number has more than {limit} digits"], source) from None
    except ArithmeticError:  # `1e99999999999999999999`: an exponent Decimal cannot hold
        raise LeadJsonError(["a number's exponent is out of range"], source) from None
    except RecursionError:  # `[[[[...` a hundred thousand deep: no lead looks like that
        raise LeadJsonError(["not valid JSON: nested too deeply"], source) from None
    if "\\u" in text and _has_surrogate(data):  # only an escape can make one
        raise LeadJsonError(
            ["not valid JSON: a \\u escape is half of a surrogate pair, not a character"], source
        )
    return data


def _json_problem(exc: json.JSONDecodeError, one_line: bool) -> str:
    """`not valid JSON: Expecting value at column 7` (within the line, for a batch line)."""
    what = exc.msg.removesuffix(" at")  # "Unterminated string starting at" ends in "at"
    where = f"column {exc.colno}" if one_line else f"line {exc.lineno}, column {exc.colno}"
    return f"not valid JSON: {what} at {where}"


def _has_surrogate(node: object) -> bool:
    """A lone surrogate anywhere (keys included): text no output can encode."""
    if isinstance(node, str):
        return _SURROGATE.search(node) is not None
    if isinstance(node, dict):
        return any(_has_surrogate(k) or _has_surrogate(v) for k, v in node.items())
    if isinstance(node, list):
        return any(_has_surrogate(item) for item in node)
    return False


def _refuse_constant(name: str) -> object:
    raise _Bad(f"not valid JSON: `{name}` is not a number")


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _Bad(f"field `{key}` is given twice")
        result[key] = value
    return result


def _absent(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and not raw.strip())


def _unknown_field(name: str, lead_type: LeadType) -> str:
    close = difflib.get_close_matches(name, list(lead_type.fields), n=1)
    hint = f" (did you mean `{close[0]}`?)" if close else ""
    known = ", ".join(lead_type.fields)
    return f"{name}: unknown field{hint}; lead type `{lead_type.name}` has {known}"


def _coerce_value(raw: object, spec: LeadField) -> Any:
    value = _COERCERS[spec.type](raw, spec)
    _check_bounds(value, spec)
    if spec.pattern is not None and isinstance(value, str) and not re.search(spec.pattern, value):
        raise _Bad(f"{_show(value, spec)} does not match the pattern `{spec.pattern}`")
    return value


def _check_bounds(value: Any, spec: LeadField) -> None:
    """min/max bound numbers by value and strings by length."""
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        measure, what = Decimal(value), _show(value, spec)
    elif isinstance(value, str):
        measure, what = Decimal(len(value)), f"the length {len(value)}"
    else:
        return
    if spec.min is not None and measure < Decimal(str(spec.min)):
        raise _Bad(f"{what} is below the minimum {_num(spec.min)}")
    if spec.max is not None and measure > Decimal(str(spec.max)):
        raise _Bad(f"{what} is above the maximum {_num(spec.max)}")


def _string(raw: object, spec: LeadField) -> str:
    if isinstance(raw, int) and not isinstance(raw, bool):
        return str(raw)
    if not isinstance(raw, str):
        raise _Bad(f"must be a string, got {_kind(raw)}")
    if _SURROGATE.search(raw):
        raise _Bad("contains an unpaired surrogate (not valid unicode text)")
    return raw


def _text(raw: object, spec: LeadField) -> str:
    """A trimmed string, for the typed text kinds (email, zip, state, enum, ...)."""
    return _string(raw, spec).strip()


def _integer(raw: object, spec: LeadField) -> int:
    number = _number(raw, spec)
    if number != number.to_integral_value():
        raise _Bad(f"{_show(raw, spec)} is not a whole number")
    return int(number)


def _number(raw: object, spec: LeadField) -> Decimal:
    if isinstance(raw, bool) or not isinstance(raw, int | float | Decimal | str):
        raise _Bad(f"must be a number, got {_kind(raw)}")
    try:
        number = Decimal(str(raw).strip().replace(",", "") if isinstance(raw, str) else str(raw))
    except InvalidOperation:
        raise _Bad(f"{_show(raw, spec)} is not a number") from None
    if not number.is_finite():
        raise _Bad(f"{_show(raw, spec)} is not a finite number")
    if len(number.as_tuple().digits) > MAX_DIGITS or abs(number.adjusted()) > MAX_DIGITS:
        # `1e999999` is a number, but making it an integer or formatting it would not end
        raise _Bad(f"{_show(raw, spec)} is too long a number (at most {MAX_DIGITS} digits)")
    return number


def _boolean(raw: object, spec: LeadField) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in ("true", "false"):
        return raw.strip().lower() == "true"
    raise _Bad(f"must be true or false, got {_show(raw, spec)}")


def _date(raw: object, spec: LeadField) -> date:
    text = _text(raw, spec)
    try:
        if _ISO_DATE.fullmatch(text):
            return date.fromisoformat(text)
    except ValueError:
        pass
    raise _Bad(f"{_show(text, spec)} is not a date (YYYY-MM-DD)")


def _email(raw: object, spec: LeadField) -> str:
    text = _text(raw, spec)
    if len(text) > 254 or not _EMAIL.fullmatch(text):
        raise _Bad(f"{_show(text, spec)} is not an email address")
    return text


def _phone(raw: object, spec: LeadField) -> str:
    text = _text(raw, spec)
    digits = _PHONE_PUNCTUATION.sub("", text)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if not (digits.isascii() and digits.isdigit() and len(digits) == 10):
        raise _Bad(f"{_show(text, spec)} is not a 10-digit US phone number")
    if digits[0] in "01" or digits[3] in "01":
        raise _Bad(f"{_show(text, spec)}: area code and exchange cannot start with 0 or 1")
    return digits


def _zip(raw: object, spec: LeadField) -> str:
    text = _text(raw, spec)
    if not _ZIP.fullmatch(text):
        raise _Bad(f"{_show(text, spec)} is not a ZIP code (5 digits or ZIP+4)")
    return text


def _state(raw: object, spec: LeadField) -> str:
    text = _text(raw, spec).upper()
    if text not in US_STATES:
        raise _Bad(f"{_show(text, spec)} is not a two-letter US state code")
    return text


def _enum(raw: object, spec: LeadField) -> str:
    text = _text(raw, spec)
    allowed = spec.values or ()
    if text in allowed:
        return text
    # Case-insensitive match, kept as the configured spelling.
    folded = {v.casefold(): v for v in allowed}
    if text.casefold() in folded:
        return folded[text.casefold()]
    raise _Bad(f"{_show(text, spec)} is not one of: " + ", ".join(allowed))


_COERCERS: dict[str, Callable[[object, LeadField], Any]] = {
    "string": _string,
    "integer": _integer,
    "number": _number,
    "boolean": _boolean,
    "date": _date,
    "email": _email,
    "phone": _phone,
    "zip": _zip,
    "state": _state,
    "enum": _enum,
}


def _show(value: object, spec: LeadField) -> str:
    """A value for an error message; pii values are never echoed."""
    if spec.pii:
        return "the value"
    text = str(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"`{text}`"


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float | Decimal):
        return "a number"
    if isinstance(value, Mapping):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    return "a string" if isinstance(value, str) else type(value).__name__


def _num(bound: float) -> str:
    return str(int(bound)) if bound == int(bound) else str(bound)
