from . import lookups  # noqa: F401  registers __any_of
from .api_keys import ApiKey, Scope
from .catalog import AppUser, Gender, Item, Shop
from .events import Event, EventType
from .training import AlgorithmSetting, ModelVersion, SegmentCandidates, Slot, TrainingRun, UserCandidates

__all__ = [
    "AlgorithmSetting",
    "ApiKey",
    "AppUser",
    "Event",
    "EventType",
    "Gender",
    "Item",
    "ModelVersion",
    "Scope",
    "SegmentCandidates",
    "Shop",
    "Slot",
    "TrainingRun",
    "UserCandidates",
]
