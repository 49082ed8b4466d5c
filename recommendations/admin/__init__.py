from . import api_keys, catalog, events, serving, training  # noqa: F401  registers the ModelAdmins
