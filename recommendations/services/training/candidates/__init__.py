"""A published version's lists: users' candidates, segment popularity, item neighbours."""

from recommendations.services.training.candidates.data_lists import DataLists, configured_input, data_lists
from recommendations.services.training.candidates.shop_lists import shops_from_items
from recommendations.services.training.candidates.writing import candidates_write

__all__ = ["DataLists", "candidates_write", "configured_input", "data_lists", "shops_from_items"]
