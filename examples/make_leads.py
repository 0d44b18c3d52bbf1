"""Generate examples/leads.jsonl: 1,000 auto_insurance leads, deterministically.

Run: python examples/make_leads.py [--count N] [--seed S] [--out FILE]

About one lead in 25 is invalid on purpose (a bad zip, an unknown state, an
underage driver, a missing required field, a line that is not JSON), so that
batches show how bad lines are reported while the rest goes on.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

FIRST = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "Ken", "Radia", "Linus"]
LAST = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Thompson"]
STATES = {"CA": "9", "TX": "7", "FL": "3", "NY": "1", "WA": "9", "NV": "8", "OH": "4", "GA": "3"}
INVALID = ["bad_zip", "bad_state", "underage", "missing_phone", "not_json"]


def make_lead(rng: random.Random) -> dict[str, object]:
    state = rng.choice(list(STATES))
    lead: dict[str, object] = {
        "FirstName": rng.choice(FIRST),
        "LastName": rng.choice(LAST),
        "Phone": f"({rng.randint(201, 989)}) 555-{rng.randint(0, 9999):04d}",
        "ZipCode": STATES[state] + f"{rng.randint(0, 9999):04d}",
        "State": state,
        "Age": rng.randint(18, 80),
        "Coverage": rng.choice(["liability", "full"]),
        "BirthDate": f"{rng.randint(1945, 2006)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
    }
    if rng.random() < 0.8:
        lead["Email"] = f"{str(lead['FirstName']).lower()}{rng.randint(1, 999)}@example.com"
    if rng.random() < 0.7:
        lead["Homeowner"] = rng.random() < 0.5
    return lead


def make_line(rng: random.Random) -> str:
    lead = make_lead(rng)
    if rng.random() >= 0.04:
        return json.dumps(lead)
    kind = rng.choice(INVALID)
    if kind == "not_json":
        return json.dumps(lead)[:-5]
    if kind == "bad_zip":
        lead["ZipCode"] = "ABCDE"
    elif kind == "bad_state":
        lead["State"] = "ZZ"
    elif kind == "underage":
        lead["Age"] = 15
    else:
        del lead["Phone"]
    return json.dumps(lead)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("leads.jsonl"))
    args = parser.parse_args()
    rng = random.Random(args.seed)
    with args.out.open("w", encoding="utf-8") as out:
        for _ in range(args.count):
            out.write(make_line(rng) + "\n")


if __name__ == "__main__":
    main()
