"""Where the project and the shared public data sets are, wherever a test module sits in the tree."""

from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
# ../shared/data beside the repository (CI lays it there); tests that need it skip where it is absent
SHARED_DATA = PROJECT.parent / "shared" / "data"
