from . import lookups  # noqa: F401  registers __any_of
from .api_keys import ApiKey, Scope
from .catalog import AppUser, Gender, Item, Shop
from .events import Event, EventType

__all__ = ["ApiKey", "AppUser", "Event", "EventType", "Gender", "Item", "Scope", "Shop"]
