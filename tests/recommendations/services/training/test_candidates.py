"""Candidate lists written at publishing."""

import pytest

pytestmark = pytest.mark.django_db


def test_shops_are_ranked_by_their_best_candidate_item():
    import numpy as np

    from recommendations.services.training.candidates import shops_from_items

    ids = np.array([[0, 1, 2, 3], [2, 4, -1, -1]])
    scores = np.array([[0.9, 0.8, 0.7, 0.6], [0.5, 0.4, -np.inf, -np.inf]], dtype=np.float32)
    column_shop = np.array([10, 10, 20, 30, -1])  # item 4 has no known shop

    shops, shop_scores = shops_from_items(ids, scores, column_shop, 2)

    assert shops.tolist() == [[10, 20], [20, -1]]
    assert np.allclose(shop_scores[0], [0.9, 0.7]) and shop_scores[1, 0] == np.float32(0.5)
