"""The README's tour prints what it shows: every console block run for real against the
sandbox (tests/readme_tour.py says how), and the comparison itself unit-tested."""

from __future__ import annotations

import pytest

from tests.readme_tour import README, Command, blocks, mismatches, tour, updated


@pytest.mark.slow  # about 30 s: the tour's 1,000-lead batch waits 1 s per auction on slowpoke
def test_the_readme_console_blocks_print_what_they_show() -> None:
    text = README.read_text(encoding="utf-8")
    found = blocks(text)
    assert [c.text.split()[:2] for b in found for c in b.commands][:2] == [
        ["pingpost", "sandbox"],
        ["pingpost", "validate"],
    ]
    problems: list[str] = []
    with tour() as running:
        for block in found:
            for command in block.commands:
                printed = running.run(command)
                if command.background:
                    continue
                for problem in mismatches(command.shown, printed, block.vary):
                    first = command.text.splitlines()[0]
                    problems.append(f"README line {block.start + 1}, $ {first}\n{problem}")
    assert not problems, "\n\n".join(
        [*problems, "(`python -m tests.readme_tour --update` rewrites the outputs)"]
    )


README_TEXT = """\
Intro.

<!-- tour: background pingpost sandbox -->
```console
$ pingpost sandbox            # in a second terminal
```

<!-- tour: vary ms, uuid -->
```console
$ pingpost deliver lead.json \\
    --json
lead 365d4977-0e15-4d11-9a82-59be3de8074f
bluesky-main    sold      40 ms  $24.50
...
SOLD in 1,078 ms
$ curl -sS http://127.0.0.1:8080/x
{"id":"…","result":"sold",…}
```
"""


def test_blocks_commands_continuations_and_directives() -> None:
    first, second = blocks(README_TEXT)
    assert [c.background for c in first.commands] == [True]
    assert second.vary == ("ms", "uuid")
    deliver, curl = second.commands
    assert deliver.text == "pingpost deliver lead.json \\\n    --json"
    assert deliver.shown[0] == "lead 365d4977-0e15-4d11-9a82-59be3de8074f"
    assert curl.shown == ['{"id":"…","result":"sold",…}']


def test_timings_and_ids_vary_everything_else_is_exact() -> None:
    deliver = blocks(README_TEXT)[1].commands[0]
    vary = ("ms", "uuid")
    printed = [
        "lead 0b1c2d3e-0e15-4d11-9a82-59be3de8074f",
        "bluesky-main   sold    1,040 ms  $24.50",  # another width: runs of spaces are one
        "echo-query     outbid  17 ms  $14.95",
        "grumpy         error   49 ms",
        "SOLD in 998 ms",
    ]
    assert mismatches(deliver.shown, printed, vary) == []
    wrong_bid = [*printed[:1], "bluesky-main sold 40 ms $25.00", *printed[2:]]
    assert mismatches(deliver.shown, wrong_bid, vary)
    missing_last = printed[:-1]
    assert mismatches(deliver.shown, missing_last, vary)
    extra_line = [*printed, "elapsed 1.2 s"]  # shown output must be complete unless `...`
    assert mismatches(deliver.shown, extra_line, vary)
    assert mismatches(deliver.shown, printed, ()) != []  # without `vary`, 40 ms is 40 ms


def test_an_ellipsis_inside_a_line_stands_for_left_out_text() -> None:
    curl = blocks(README_TEXT)[1].commands[1]
    assert mismatches(curl.shown, ['{"id":"9f0d","result":"sold","price":"1"}'], ()) == []
    assert mismatches(curl.shown, ['{"id":"9f0d","result":"unsold"}'], ())


def test_update_keeps_matching_output_and_the_left_out_lines() -> None:
    deliver = blocks(README_TEXT)[1].commands[0]
    same = ["lead 0b1c2d3e-0e15-4d11-9a82-59be3de8074f", "bluesky-main sold 41 ms $24.50"]
    assert updated(deliver, [*same, "SOLD in 1,100 ms"], ("ms", "uuid")) == deliver.shown
    changed = ["lead x", "a", "b", "c", "SOLD for $1.00 in 1 ms"]
    assert updated(deliver, changed, ("ms", "uuid")) == [
        "lead x",
        "a",
        "...",
        "SOLD for $1.00 in 1 ms",
    ]


@pytest.mark.parametrize("directive", ["<!-- tour: vary parsecs -->", "<!-- tour: skipme -->"])
def test_a_misspelt_directive_is_an_error_not_a_silent_pass(directive: str) -> None:
    with pytest.raises(AssertionError, match="unknown"):
        blocks(f"{directive}\n```console\n$ true\n```\n")


def test_a_command_never_shown_a_server_is_compared_in_full() -> None:
    shown = Command("pingpost validate configs", ["0 errors, 0 warnings in 1 file"])
    assert mismatches(shown.shown, ["0 errors, 0 warnings in 1 file"], ()) == []
    assert mismatches(shown.shown, ["note: x", "0 errors, 0 warnings in 1 file"], ())
