"""Per-user input digests: an incremental run ranks again exactly the users whose data changed."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from recommendations.engine.user_inputs import (
    ATTRIBUTES_CHANGED,
    HISTORY_CHANGED,
    NEW_EVENTS,
    NEW_USER,
    NO_LONGER_RANKED,
    UserInputs,
    inputs_changed,
    user_inputs,
)

T0 = pd.Timestamp("2026-11-01T00:00:00Z")


def _events(rows: list[tuple[int, int, str, int]]) -> pd.DataFrame:
    """(user, item, type, minutes after T0) rows."""
    frame = pd.DataFrame(rows, columns=["user_id", "item_id", "type", "minutes"])
    frame["occurred_at"] = T0 + pd.to_timedelta(frame.pop("minutes"), unit="min")
    frame["type"] = frame["type"].astype("category")
    return frame


USERS = pd.DataFrame(
    {"gender": ["female", "male", "", "female"], "birth_year": [1990, 1985, None, 2001], "region": ["Kanto"] * 4},
    index=pd.Index([1, 2, 3, 4], name="id"),
)
BEFORE = _events([(1, 10, "view", 0), (1, 11, "purchase", 5), (2, 10, "view", 1), (3, 12, "favorite", 2)])


def _changed(before_events, now_events, users_now=USERS) -> dict[str, list[int]]:
    changed = inputs_changed(user_inputs(before_events, USERS), user_inputs(now_events, users_now))
    return {reason: sorted(keys.tolist()) for reason, keys in changed.items() if len(keys)}


def test_nothing_changed_means_nobody_is_ranked_again():
    assert _changed(BEFORE, BEFORE.sample(frac=1, random_state=0)) == {}


def test_each_kind_of_change_is_named():
    now = pd.concat(
        [
            BEFORE[BEFORE["user_id"] != 3],  # user 3's only event erased
            _events([(2, 13, "cart_add", 9), (4, 10, "view", 9)]),  # user 2 did more, user 4 is new
        ]
    )
    users_now = USERS.copy()
    users_now.loc[1, "region"] = "Kansai"  # user 1 moved
    assert _changed(BEFORE, now, users_now) == {
        NEW_USER: [4],
        NEW_EVENTS: [2],
        ATTRIBUTES_CHANGED: [1],
        NO_LONGER_RANKED: [3],
    }


def test_an_erased_event_replaced_by_another_is_a_changed_history_not_new_events():
    # same number of events, one different: a purchase erased while a view arrived
    now = pd.concat([BEFORE[~((BEFORE["user_id"] == 1) & (BEFORE["item_id"] == 11))], _events([(1, 14, "view", 7)])])
    assert _changed(BEFORE, now) == {HISTORY_CHANGED: [1]}


def test_the_same_item_with_another_type_or_time_is_a_change():
    assert _changed(
        BEFORE, _events([(1, 10, "favorite", 0), (1, 11, "purchase", 5), (2, 10, "view", 1), (3, 12, "favorite", 2)])
    ) == {HISTORY_CHANGED: [1]}
    assert _changed(
        BEFORE, _events([(1, 10, "view", 0), (1, 11, "purchase", 5), (2, 10, "view", 2), (3, 12, "favorite", 2)])
    ) == {HISTORY_CHANGED: [2]}


def test_a_user_missing_from_the_attribute_frame_still_gets_a_digest():
    digests = user_inputs(_events([(99, 1, "view", 0)]), USERS)
    assert digests.users.tolist() == [99] and digests.records["count"].tolist() == [1]


def test_digests_survive_storage_and_bad_bytes_are_refused():
    digests = user_inputs(BEFORE, USERS)
    assert UserInputs.unpack(digests.pack()).records.tolist() == digests.records.tolist()
    with pytest.raises(ValueError, match="not whole user-input records"):
        UserInputs.unpack(b"\x00" * 33)
    assert len(user_inputs(BEFORE.iloc[:0], USERS)) == 0


@given(
    st.lists(
        st.tuples(st.integers(1, 5), st.integers(1, 30), st.sampled_from(["view", "purchase"]), st.integers(0, 500)),
        min_size=1,
        max_size=40,
    ),
    st.randoms(use_true_random=False),
)
def test_a_digest_depends_on_the_events_not_on_the_order_they_were_read_in(rows, random):
    shuffled = rows[:]
    random.shuffle(shuffled)
    first, second = user_inputs(_events(rows), USERS), user_inputs(_events(shuffled), USERS)
    assert first.records.tolist() == second.records.tolist()
    assert np.all(np.diff(first.users) > 0)
