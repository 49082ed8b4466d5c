from . import features, lists  # noqa: F401  registers the ModelAdmins
