"""Buyer controls: caps, schedules, duplicates, health and shared sales.

Pure decisions over the store's state, with the instant always given (an
injected clock, never the wall clock inside):

- `calendar`: cap windows in an account's zone (`day:2026-12-03`) and when they end;
- `schedule`: open or closed at an instant, and when it next opens;
- `caps`: the claims a sale must fit in, and the `capped` verdict from usage;
- `dedupe`: normalised, salted-hash keys of leads (never the values);
- `health`: consecutive failures and the pause they decide;
- `shared`: one exclusive buyer or several shared ones, and their replacements;
- `facade.Controls`: all of it over a config, a store and a clock, for the engine;
- `overview`: each account's controls as they stand (`pingpost accounts`), and
  `store_needs`: the controls of a config that cannot run without a store.

The strategies `round_robin` and `weighted` are ranking rules: they live with
the others in `pingpost.auction.selection`.
"""

from pingpost.controls.facade import Clock, Controls
from pingpost.controls.overview import AccountOverview, CapUse, overview, store_needs
from pingpost.controls.shared import SalePlan, SharedRun, plan_sale
from pingpost.controls.verdicts import CONTROL_STATUSES, ControlStatus, LeadCheck, Verdict

__all__ = [
    "CONTROL_STATUSES",
    "AccountOverview",
    "CapUse",
    "Clock",
    "ControlStatus",
    "Controls",
    "LeadCheck",
    "SalePlan",
    "SharedRun",
    "Verdict",
    "overview",
    "plan_sale",
    "store_needs",
]
