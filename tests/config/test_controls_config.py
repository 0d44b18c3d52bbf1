"""The buyer controls' config keys: defaults that change nothing, every key accepted, and
every mistake reported at its exact line with a fix."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pingpost.cli.app import app
from pingpost.config.loader import load_config
from pingpost.config.models import DeliveryAccount, LeadType, Settings
from pingpost.config.schema import json_schema

from .helpers import ACCOUNT, BASE, LEAD_TYPE, check, documents, found, write_config
from .schema_subset import errors

A, L, S = "accounts/gold.yaml", "lead_types/auto.yaml", "settings.yaml"

CONTROLS = """\
timezone: America/New_York
schedule:
  - {days: [mon, tue, wed, thu, fri], from: "09:00", to: "17:30"}
  - {days: [sat], from: "22:00", to: "02:00"}
caps:
  - {per: hour, leads: 20}
  - {per: day, leads: 100}
  - {per: month, spend: 5000.00}
  - {per: total, leads: 10000}
dedupe: {within: 90d}
exclusive: false
weight: 3
health: {pause_after: 20, pause_for: 10m}
"""
SETTINGS = """\
kind: settings
timezone: Europe/Paris
auction: {max_sells: 3, strategy: weighted}
"""
# a lead type with a source id: required, a string
WITH_ID = LEAD_TYPE.replace(
    "fields:\n", "fields:\n  SourceLeadId: {type: string, required: true}\n"
).replace("sample: {", "sample: {SourceLeadId: S-1, ")
LEAD_CONTROLS = "dedupe: {fields: [Email, Zip], within: 30d}\nid_field: SourceLeadId\n"
FULL = {A: ACCOUNT + CONTROLS, S: SETTINGS, L: WITH_ID + LEAD_CONTROLS}


def test_defaults_change_nothing() -> None:
    account = DeliveryAccount(kind="delivery_account", name="a", method="m")
    assert (account.timezone, account.schedule, account.caps, account.dedupe) == (
        None,
        None,
        (),
        None,
    )
    assert (account.exclusive, account.weight, account.health) == (True, 1.0, None)
    settings = Settings()
    assert settings.timezone is None
    assert (settings.auction.max_sells, settings.auction.strategy) == (1, "highest_bid")
    lead_type = LeadType(kind="lead_type", name="t", fields={})
    assert (lead_type.dedupe, lead_type.id_field) == (None, None)


def test_every_control_key_loads_typed(tmp_path: Path) -> None:
    report = check(tmp_path, FULL)
    assert found(report) == []
    config = load_config(tmp_path)
    gold = config.accounts["gold"]
    assert gold.timezone == "America/New_York"
    assert gold.schedule is not None and gold.schedule[1].start_minute == 22 * 60
    assert gold.schedule[1].end_minute == 26 * 60  # past midnight
    assert gold.caps[2].spend == Decimal("5000.00")
    assert gold.dedupe is not None and gold.dedupe.within == 90 * 86400
    assert gold.health is not None and gold.health.pause_for == 600
    assert (gold.exclusive, gold.weight) == (False, 3.0)
    assert config.settings.auction.max_sells == 3
    lead_type = config.lead_types["auto"]
    assert lead_type.dedupe is not None and lead_type.dedupe.fields == ("Email", "Zip")
    assert lead_type.id_field == "SourceLeadId"


def test_the_json_schema_accepts_them(tmp_path: Path) -> None:
    write_config(tmp_path, {**BASE, **FULL})
    schema = json_schema()
    for name, data in documents(tmp_path):
        assert errors(schema, data) == [], name


def test_health_defaults_and_days_default_to_every_day(tmp_path: Path) -> None:
    extra = 'health: {}\nschedule: [{from: "08:00", to: "20:00"}]\n'
    check(tmp_path, {A: ACCOUNT + extra})
    gold = load_config(tmp_path).accounts["gold"]
    assert gold.health is not None and (gold.health.pause_after, gold.health.pause_for) == (20, 600)
    assert gold.schedule is not None and len(gold.schedule[0].days) == 7


def test_a_window_from_00_00_to_24_00_is_the_whole_day(tmp_path: Path) -> None:
    # what the empty-window error tells people to write: it must be accepted
    check(tmp_path, {A: ACCOUNT + 'schedule: [{from: "00:00", to: "24:00"}]\n'})
    (window,) = load_config(tmp_path).accounts["gold"].schedule or ()
    assert (window.start_minute, window.to) == (0, "24:00")


ACCOUNT_MISTAKES = {
    "unknown zone": (
        "timezone: America/NewYork\n",
        [
            (
                5,
                11,
                "delivery_account `gold` timezone: `America/NewYork` is not an IANA time "
                "zone name (like America/New_York, Europe/Paris or UTC); did you mean "
                "`America/New_York`?",
            ),
        ],
    ),
    "not a time of day": (
        'schedule: [{days: [mon], from: "9:00", to: "25:00"}]\n',
        [
            (
                5,
                44,
                "delivery_account `gold` schedule[0].to: `25:00` is not a time of day: "
                'write HH:MM, from 00:00 to 23:59, or "24:00" for the end of the day',
            ),
        ],
    ),
    "empty window": (
        'schedule:\n  - {days: [sat], from: "10:00", to: "10:00"}\n',
        [
            (
                6,
                5,
                "delivery_account `gold` schedule[0]: `from` and `to` are both 10:00: the "
                'window is empty; for the whole day write from: "00:00", to: "24:00"',
            ),
        ],
    ),
    "unknown day": (
        'schedule: [{days: [monday], from: "09:00", to: "17:00"}]\n',
        [
            (
                5,
                20,
                "delivery_account `gold` schedule[0].days[0]: expected one of mon, tue, "
                "wed, thu, fri, sat, sun, got `monday`; did you mean `mon`?",
            ),
        ],
    ),
    "a time as a number": (
        "schedule: [{from: 9, to: 17}]\n",
        [
            (
                5,
                19,
                "delivery_account `gold` schedule[0].from: write a time of day as quoted "
                'text, like "09:00", got 9',
            ),
            (
                5,
                26,
                "delivery_account `gold` schedule[0].to: write a time of day as quoted "
                'text, like "09:00", got 17',
            ),
        ],
    ),
    "empty schedule": (
        "schedule: []\n",
        [
            (
                5,
                11,
                "delivery_account `gold` schedule: the list is empty: give at least one "
                "item, or leave the key out",
            ),
        ],
    ),
    "cap without a limit": (
        "caps: [{per: week}]\n",
        [
            (
                5,
                8,
                "delivery_account `gold` caps[0]: a cap needs `leads: N` or `spend: AMOUNT` "
                "(e.g. {per: week, leads: 100})",
            ),
        ],
    ),
    "unknown period": (
        "caps: [{per: fortnight, leads: 3}]\n",
        [
            (
                5,
                14,
                "delivery_account `gold` caps[0].per: expected one of hour, day, week, "
                "month, total, got `fortnight`",
            ),
        ],
    ),
    "zero leads": (
        "caps: [{per: day, leads: 0}]\n",
        [(5, 26, "delivery_account `gold` caps[0].leads: must be at least 1, got `0`")],
    ),
    "negative spend": (
        "caps: [{per: day, spend: -5}]\n",
        [(5, 26, "delivery_account `gold` caps[0].spend: must be greater than 0, got `-5`")],
    ),
    "two caps on the same thing": (
        "caps:\n  - {per: day, leads: 100}\n  - {per: day, leads: 50}\n",
        [
            (7, 23, "a second leads cap per day (the first is caps[0]): keep one, the lower"),
        ],
    ),
    "bad duration": (
        "dedupe: {within: 90x}\n",
        [
            (
                5,
                18,
                "delivery_account `gold` dedupe.within: `90x` is not a duration: write a "
                "number and a unit (s, m, h, d or w), like 30d, 10m or 90s",
            ),
        ],
    ),
    "dedupe without a window": (
        "dedupe: {}\n",
        [(5, 1, "missing key `within` in delivery_account `gold` dedupe")],
    ),
    "pause after zero": (
        "health: {pause_after: 0}\n",
        [(5, 23, "delivery_account `gold` health.pause_after: must be at least 1, got `0`")],
    ),
    "exclusive as text": (
        "exclusive: no\n",
        [(5, 12, "delivery_account `gold` exclusive: expected true or false, got `no`")],
    ),
    "zero weight": (
        "weight: 0\n",
        [(5, 9, "delivery_account `gold` weight: must be greater than 0, got `0`")],
    ),
}


@pytest.mark.parametrize("case", ACCOUNT_MISTAKES, ids=list(ACCOUNT_MISTAKES))
def test_account_mistakes_are_located(tmp_path: Path, case: str) -> None:
    text, expected = ACCOUNT_MISTAKES[case]
    report = check(tmp_path, {A: ACCOUNT + text})
    assert [(line, col, msg) for _, line, col, msg in found(report, "error")] == expected


LEAD_TYPE_LINES = LEAD_TYPE.count("\n")


def test_dedupe_fields_must_be_lead_fields(tmp_path: Path) -> None:
    report = check(tmp_path, {L: LEAD_TYPE + "dedupe: {fields: [Emial, Zip], within: 30d}\n"})
    assert found(report, "error") == [
        (
            "auto.yaml",
            LEAD_TYPE_LINES + 1,
            19,
            "dedupe on `Emial`, which is not a field of lead_type `auto`; did you mean `Email`?",
        )
    ]


@pytest.mark.parametrize(
    ("value", "severity", "message"),
    [
        (
            "Zipp",
            "error",
            "id_field `Zipp` is not a field of lead_type `auto`; did you mean `Zip`?",
        ),
        (
            "Coverage",
            "error",
            "id_field `Coverage` is of type enum: the auction id comes from "
            "a string or integer field",
        ),
        (
            "Age",
            "warning",
            "id_field `Age` is not required: a lead without it gets a new auction id",
        ),
    ],
)
def test_id_field_is_a_string_or_integer_lead_field(
    tmp_path: Path, value: str, severity: str, message: str
) -> None:
    report = check(tmp_path, {L: LEAD_TYPE + f"id_field: {value}\n"})
    assert found(report, severity) == [("auto.yaml", LEAD_TYPE_LINES + 1, 11, message)]
    assert severity == "warning" or found(report, "warning") == []


def test_a_required_string_id_field_is_fine(tmp_path: Path) -> None:
    assert found(check(tmp_path, {L: WITH_ID + "id_field: SourceLeadId\n"})) == []


@pytest.mark.parametrize(
    ("settings", "account", "expected"),
    [
        (
            "auction: {max_sells: 4}\n",
            "exclusive: false\n",
            [
                (
                    "settings.yaml",
                    2,
                    22,
                    "error",
                    "max_sells (4) is more than max_posts (3), which "
                    "counts every post of a lead: raise max_posts to at least max_sells",
                )
            ],
        ),
        (
            "auction: {max_sells: 2}\n",
            "",
            [
                (
                    "settings.yaml",
                    2,
                    22,
                    "warning",
                    "no delivery account has `exclusive: false`: "
                    "with no shared buyer, every lead is sold to one exclusive buyer",
                )
            ],
        ),
        (
            "auction: {max_sells: 1}\n",
            "exclusive: false\n",
            [
                (
                    "gold.yaml",
                    5,
                    12,
                    "warning",
                    "delivery_account `gold` buys shared leads, but "
                    "settings auction.max_sells is 1: every lead is sold to one buyer, and this "
                    "account competes for it like any other",
                )
            ],
        ),
        (
            "auction: {strategy: round_robin}\n",
            "weight: 2\n",
            [
                (
                    "gold.yaml",
                    5,
                    9,
                    "warning",
                    "`weight` only counts with settings "
                    "auction.strategy: weighted (the strategy is round_robin)",
                )
            ],
        ),
        (
            "auction: {max_sells: 2, max_posts: 2, strategy: weighted}\n",
            "exclusive: false\nweight: 2\n",
            [],
        ),
    ],
)
def test_settings_and_accounts_agree(
    tmp_path: Path, settings: str, account: str, expected: list[tuple[str, int, int, str, str]]
) -> None:
    report = check(tmp_path, {S: "kind: settings\n" + settings, A: ACCOUNT + account})
    got = [(Path(p.file).name, p.line, p.column, p.severity, p.message) for p in report.problems]
    assert got == expected


def test_validate_prints_the_line_and_exits_1(tmp_path: Path) -> None:
    write_config(tmp_path, {**BASE, A: ACCOUNT + "timezone: Mars/Olympus\n"})
    result = CliRunner().invoke(app, ["validate", str(tmp_path)])
    assert result.exit_code == 1
    assert (
        f"{tmp_path}/accounts/gold.yaml:5:11: error: delivery_account `gold` timezone: "
        "`Mars/Olympus` is not an IANA time zone name" in result.output
    )
    assert "    5 | timezone: Mars/Olympus" in result.output
