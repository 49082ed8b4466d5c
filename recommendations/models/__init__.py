from . import lookups  # noqa: F401  registers __any_of
from .api_keys import ApiKey, Scope
from .catalog import AppUser, Gender, Item, Shop
from .events import Event, EventType
from .measurement import ExperimentDay, ExperimentUserDay, RollupWatermark
from .personalize import PersonalizeResource
from .serving import Impression, SlotConfig, Variant, VariantPin
from .slots import CONFIGURED_SLOTS, LIST_SLOTS, NG_SLOTS, Slot, slot_choices
from .training import (
    AlgorithmSetting,
    ContentNeighbours,
    ItemNeighbours,
    ModelVersion,
    PackedList,
    RankedInputs,
    SegmentCandidates,
    TrainingRun,
    UserCandidates,
    lineages,
)

__all__ = [
    "CONFIGURED_SLOTS",
    "LIST_SLOTS",
    "NG_SLOTS",
    "AlgorithmSetting",
    "ApiKey",
    "AppUser",
    "ContentNeighbours",
    "Event",
    "EventType",
    "ExperimentDay",
    "ExperimentUserDay",
    "Gender",
    "Impression",
    "Item",
    "ItemNeighbours",
    "ModelVersion",
    "PackedList",
    "PersonalizeResource",
    "RankedInputs",
    "RollupWatermark",
    "Scope",
    "SegmentCandidates",
    "Shop",
    "Slot",
    "SlotConfig",
    "TrainingRun",
    "UserCandidates",
    "Variant",
    "VariantPin",
    "lineages",
    "slot_choices",
]
