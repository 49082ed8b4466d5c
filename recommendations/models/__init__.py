from . import lookups  # noqa: F401  registers __any_of
from .api_keys import ApiKey, Scope
from .catalog import AppUser, Gender, Item, Shop
from .events import Event, EventType
from .measurement import ExperimentDay, RollupWatermark
from .personalize import PersonalizeResource
from .serving import Impression, ServingSlot, SlotConfig, Variant, VariantPin
from .training import (
    AlgorithmSetting,
    ItemNeighbours,
    ModelVersion,
    PackedList,
    SegmentCandidates,
    Slot,
    TrainingRun,
    UserCandidates,
)

__all__ = [
    "AlgorithmSetting",
    "ApiKey",
    "AppUser",
    "Event",
    "EventType",
    "ExperimentDay",
    "Gender",
    "Impression",
    "Item",
    "ItemNeighbours",
    "ModelVersion",
    "PackedList",
    "PersonalizeResource",
    "RollupWatermark",
    "Scope",
    "SegmentCandidates",
    "ServingSlot",
    "Shop",
    "Slot",
    "SlotConfig",
    "TrainingRun",
    "UserCandidates",
    "Variant",
    "VariantPin",
]
