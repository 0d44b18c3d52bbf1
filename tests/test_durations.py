import pytest

from pingpost.durations import BadDuration, format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("10m", 600), ("2h", 7200), ("30d", 2_592_000), ("1w", 604_800), ("45", 45),
     (" 1.5h ", 5400), (30, 30), (0.5, 0.5)],
)  # fmt: skip
def test_durations_read_like_people_write_them(text: str | int, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "d", "30 days", "-5m", "0s", "10x", "1e3s", True, "101y"])
def test_bad_durations_say_what_a_duration_looks_like(text: object) -> None:
    with pytest.raises(BadDuration, match="duration"):
        parse_duration(text)  # type: ignore[arg-type]


@pytest.mark.parametrize(("seconds", "text"), [(2_592_000, "30d"), (90, "90s"), (600, "10m"),
                                              (604_800, "1w"), (1.5, "1.5s")])  # fmt: skip
def test_format_duration_is_the_shortest_exact_form(seconds: float, text: str) -> None:
    assert format_duration(seconds) == text
    assert parse_duration(text) == seconds
