from . import api_keys, catalog, events, personalize, serving, training  # noqa: F401  registers the ModelAdmins
