"""Settings for bench/serve.py's server: recsite's own, plus the bare endpoint it is compared with."""

from recsite.settings import *  # noqa: F403

ROOT_URLCONF = "serve_urls"
