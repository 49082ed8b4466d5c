from . import (  # noqa: F401  registers the ModelAdmins
    algorithm_settings,
    api_keys,
    catalog,
    events,
    personalize,
    serving,
    training,
)
