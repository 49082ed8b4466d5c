import pytest
from django.core.management import call_command


@pytest.fixture
def demo(settings, tmp_path):
    """A small generated marketplace (20 shops, 300 items, 300 users, 20 days), artifacts in a temporary folder."""
    settings.MEDIA_ROOT = str(tmp_path)
    call_command("generate_demo", shops=20, items=300, users=300, days=20, seed=3, verbosity=0)
