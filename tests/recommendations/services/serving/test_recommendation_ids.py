"""Recommendation ids carry whose list they name."""

from __future__ import annotations

import uuid

from hypothesis import given
from hypothesis import strategies as st

from recommendations.services.serving.recommendation_ids import new_recommendation_id, recommendation_id_belongs


@given(user=st.text(max_size=64), slot=st.sampled_from(["items", "shops", "similar", "features"]))
def test_an_id_belongs_to_its_user_and_slot_only(user, slot):
    made = new_recommendation_id(user, slot)
    parsed = uuid.UUID(made)
    assert parsed.version == 8 and parsed.variant == uuid.RFC_4122  # a UUID any client or column accepts
    assert recommendation_id_belongs(made, user, slot)
    assert not recommendation_id_belongs(made, user + "x", slot)
    assert not recommendation_id_belongs(made, user, "other")


@given(position=st.integers(0, 31))
def test_changing_any_hex_digit_of_an_id_makes_it_no_ones(position):
    made = new_recommendation_id("alice", "items").replace("-", "")
    digit = made[position]
    changed = made[:position] + ("0" if digit != "0" else "1") + made[position + 1 :]
    forged = str(uuid.UUID(changed))
    # the version digit and the variant bits carry no signature; every other change breaks it
    if position == 12 or (position == 16 and int(digit, 16) & 3 == int(changed[16], 16) & 3):
        return
    assert not recommendation_id_belongs(forged, "alice", "items")


def test_ids_of_other_shapes_belong_to_no_one():
    for junk in ("", "not-a-uuid", str(uuid.uuid4()), "6f1e0c1a-5d4b-4f7e-9a53-0d8f6c2b9e11"):
        assert not recommendation_id_belongs(junk, "alice", "items")
