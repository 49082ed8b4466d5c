"""The admin forms that take typed numbers and lists (algorithm parameters, a slot and its variants, an API
key), typed into as anyone might: the answer is the form with its errors, or the saved row, never a 500,
and serving still answers afterwards."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recommendations.engine.algorithms import ALGORITHMS
from recommendations.models import AlgorithmSetting, SlotConfig
from recommendations.services.serving.pipeline import recommend
from tests.recommendations.admin.slot_form import SLOT_SETTINGS

pytestmark = pytest.mark.django_db

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**20), 10**20) | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)
TYPED_JSON = st.one_of(JSON_VALUES.map(json.dumps), st.text(max_size=30), st.sampled_from(["{", "[]", "null", "NaN"]))
NUMBERS = st.one_of(st.integers(-(10**12), 10**12).map(str), st.text(max_size=6), st.just("1e400"))


TYPED = st.one_of(
    NUMBERS,
    st.sampled_from(["1e20", "NaN", "-1", "0", "true", "warp", "", "0.5", "\x00", "\uff13\uff10\uff10", "1" * 400]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    algorithm=st.sampled_from(["als", "ease", "item_knn", "segment_popularity", "lightfm", "trending", "ranker"]),
    typed=st.dictionaries(
        st.sampled_from(
            [
                *["factors", "iterations", "regularization", "alpha", "l2", "loss", "K", "shrinkage", "epochs"],
                *["max_seconds", "early_stopping", "threads"],  # LightFM's bounds on its fit
                *["depth", "trees", "carve", "training_users"],  # the ranker's
            ]
        ),
        TYPED,
        max_size=4,
    ),
)
def test_algorithm_parameters_never_fail_and_never_save_out_of_range(staff, algorithm, typed):
    setting = AlgorithmSetting.objects.get(algorithm=algorithm)
    form = {"enabled": "on", **{f"param_{name}": value for name, value in typed.items()}}
    page = staff.post(f"/admin/recommendations/algorithmsetting/{setting.pk}/change/", form)
    assert page.status_code in (200, 302)
    setting.refresh_from_db()
    ALGORITHMS[algorithm](**setting.params)  # whatever was saved trains: in range, of the right kind


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    size=NUMBERS,
    cap=NUMBERS,
    weight=NUMBERS,
    fallbacks=st.lists(st.one_of(st.sampled_from(["popularity", "ease", "personalize", ""]), st.text(max_size=8))),
    algorithm=st.text(max_size=12),
)
def test_a_slot_and_its_variants_never_fail_whatever_is_typed(staff, size, cap, weight, fallbacks, algorithm):
    slot = SlotConfig.objects.get(slot="items")
    variant = slot.variants.order_by("name").first()
    form = {
        "size": size,
        "per_shop_cap": cap,
        **SLOT_SETTINGS,
        "experiment": "x",
        "variants-TOTAL_FORMS": 1,
        "variants-INITIAL_FORMS": 1,
        "variants-MIN_NUM_FORMS": 0,
        "variants-MAX_NUM_FORMS": 1000,
        "variants-0-id": variant.pk,
        "variants-0-slot": slot.pk,
        "variants-0-name": variant.name,
        "variants-0-algorithm": algorithm,
        **{f"variants-0-fallbacks_{n}": name for n, name in enumerate(fallbacks)},
        "variants-0-weight": weight,
    }
    page = staff.post(f"/admin/recommendations/slotconfig/{slot.pk}/change/", form)
    assert page.status_code in (200, 302)
    assert recommend("items", "someone", log=False).slot == "items"  # serving still answers


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    name=st.text(max_size=60),
    scopes=st.lists(st.sampled_from(["events:write", "recommendations:read", "nope", ""]), max_size=3),
    rate=st.one_of(st.text(max_size=12), st.sampled_from(["600/minute", "0/second", "5/fortnight", "1e9/day"])),
    expiry=st.one_of(st.dates().map(str), st.text(max_size=10)),
)
def test_the_api_key_form_never_fails_whatever_is_typed(staff, name, scopes, rate, expiry):
    form = {"name": name, "scopes": scopes, "throttle_rate": rate, "expiry_date_0": expiry, "expiry_date_1": ""}
    page = staff.post("/admin/recommendations/apikey/add/", form)
    assert page.status_code in (200, 302)
