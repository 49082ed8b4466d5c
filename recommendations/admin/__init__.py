from . import api_keys, catalog, events  # noqa: F401  registers the ModelAdmins
