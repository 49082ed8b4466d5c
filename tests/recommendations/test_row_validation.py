"""Every value a client sends is checked at the edge: dates at the calendar's ends with any offset, odd
text and deep JSON come back as a clear problem, never as an exception the API turns into a 500."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from recommendations import row_validation as rv

EDGE_DAYS = (
    st.sampled_from(
        [dt.date.min, dt.date(1, 1, 2), dt.date(1989, 12, 31), dt.date(1990, 1, 1), dt.date(9999, 12, 30), dt.date.max]
    )
    | st.dates()
)
OFFSETS = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1).map(
    lambda m: dt.timezone(dt.timedelta(minutes=m))
)
TIMES = st.times()


@given(day=EDGE_DAYS, time=TIMES, zone=OFFSETS)
def test_any_instant_with_any_offset_is_accepted_in_utc_or_refused_with_the_range(day, time, zone):
    moment = dt.datetime.combine(day, time, zone)
    for value in (moment, moment.isoformat()):
        try:
            clean = rv.aware_datetime(value)
        except ValueError as exc:
            assert "must be between 1990-01-01 and" in str(exc)
        else:
            assert clean.tzinfo == dt.UTC and clean >= rv.EARLIEST


def test_an_event_a_day_ahead_is_refused():
    with pytest.raises(ValueError, match="must be between"):
        rv.aware_datetime(dt.datetime.now(dt.UTC) + dt.timedelta(hours=25))


@given(st.text())
def test_any_text_is_kept_or_refused_by_name(value):
    try:
        assert rv.text(10_000)(value) == value
    except ValueError as exc:
        assert "NUL" in str(exc) or "surrogate" in str(exc)


@pytest.mark.parametrize("value", ["\ud800", "shop\udfff", "a\x00b"])
def test_unpaired_surrogates_and_nul_are_refused(value):
    with pytest.raises(ValueError):
        rv.external_id(value)


def _nested(depth: int) -> dict:
    value: dict = {}
    for _ in range(depth):
        value = {"a": value}
    return value


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        (_nested(5000), "nested at most"),
        ({"k\x00": 1}, "NUL"),
        ({"k": ["ok", "v\x00"]}, "NUL"),
        ({"\ud800": 1}, "surrogate"),
        ({"big": "x" * 20_000}, "bytes"),
        ({"n": float("nan")}, "finite"),
    ],
)
def test_attributes_are_bounded(value, problem):
    with pytest.raises(ValueError, match=problem):
        rv.attributes(value)


def test_ordinary_attributes_pass():
    assert rv.attributes({"occupation": "教師", "tags": ["a", {"b": 1.5}]}) == {
        "occupation": "教師",
        "tags": ["a", {"b": 1.5}],
    }
