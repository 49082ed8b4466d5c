"""Every algorithm declares its parameters with a range; the engine refuses anything outside it."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from recommendations.engine.algorithms import ALGORITHMS


@pytest.mark.parametrize("name", sorted(ALGORITHMS))
def test_defaults_and_every_tuning_candidate_are_within_the_declared_ranges(name):
    algorithm = ALGORITHMS[name]
    assert algorithm().params == algorithm.default_params
    for param, candidates in algorithm.param_space.items():
        for value in candidates:
            assert algorithm.parameters[param].problem(value) is None, (name, param, value)
    for param in algorithm.parameters.values():
        assert param.description.endswith(".")


def test_numpy_numbers_from_the_tuner_are_accepted_and_stored_as_plain_python():
    model = ALGORITHMS["als"](factors=np.int64(32), regularization=np.float32(0.1))
    assert model.params["factors"] == 32 and type(model.params["factors"]) is int


@given(
    name=st.sampled_from(sorted(ALGORITHMS)),
    values=st.dictionaries(
        st.sampled_from(["factors", "iterations", "l2", "K", "binary", "loss", "window_days", "threads"]),
        st.one_of(st.integers(), st.floats(), st.booleans(), st.text(max_size=5), st.none()),
        max_size=3,
    ),
)
def test_whatever_is_passed_is_refused_or_lands_within_range(name, values):
    algorithm = ALGORITHMS[name]
    try:
        model = algorithm(**values)
    except ValueError as exc:
        assert name in str(exc)
        return
    for param, value in model.params.items():
        assert algorithm.parameters[param].problem(value) is None
