import pytest


@pytest.fixture
def staff_ja(staff, settings):
    """The admin client of `staff`, reading the admin in Japanese (its default for merchandisers)."""
    settings.LANGUAGE_CODE = "ja"
    return staff
