from . import api_keys, catalog, events, training  # noqa: F401  registers the ModelAdmins
