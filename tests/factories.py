"""factory_boy factories, one for every model of recommendations and curation (a test keeps it so)."""

import datetime as dt
import uuid

import factory
import numpy as np
from django.utils import timezone

from curation.models import Boost, Feature, FeatureItem, NgCategory, NgItem, NgShop, Pin
from recommendations.engine.user_inputs import RECORD, UserInputs
from recommendations.models import (
    AlgorithmSetting,
    ApiKey,
    AppUser,
    ContentNeighbours,
    Event,
    EventType,
    ExperimentDay,
    ExperimentUserDay,
    Impression,
    Item,
    ItemNeighbours,
    ModelVersion,
    PackedList,
    PersonalizeResource,
    RankedInputs,
    RollupWatermark,
    SegmentCandidates,
    Shop,
    SlotConfig,
    TrainingRun,
    UserCandidates,
    Variant,
    VariantPin,
)


class ShopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Shop

    external_id = factory.Sequence(lambda n: f"shop-{n}")
    name = factory.Faker("company")


class ItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Item

    external_id = factory.Sequence(lambda n: f"item-{n}")
    shop = factory.SubFactory(ShopFactory)
    title = factory.Faker("catch_phrase")
    category_path = "Fashion > Bags"
    price = factory.Faker("pydecimal", left_digits=4, right_digits=0, positive=True)


class AppUserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AppUser

    external_id = factory.Sequence(lambda n: f"user-{n}")
    gender = "female"
    birth_year = 1990
    region = "Kanto"


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    event_id = factory.LazyFunction(uuid.uuid4)
    user = factory.SubFactory(AppUserFactory)
    item = factory.SubFactory(ItemFactory)
    session_id = "s-1"
    type = EventType.VIEW
    occurred_at = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(minutes=5))


class ApiKeyFactory(factory.django.DjangoModelFactory):
    """A key row; its plain key is on `plain_key` (only ever known when it is made)."""

    class Meta:
        model = ApiKey

    name = factory.Sequence(lambda n: f"app {n}")
    scopes = factory.LazyFunction(lambda: ["recommendations:read"])

    @classmethod
    def _create(cls, model_class: type, *args: object, **kwargs: object) -> ApiKey:
        key, plain = model_class.objects.create_key(**kwargs)
        key.plain_key = plain
        return key


class TrainingRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingRun

    algorithm = "item_knn"
    status = TrainingRun.Status.SUCCEEDED


class ModelVersionFactory(factory.django.DjangoModelFactory):
    """A live version whose candidate lists are written (what serving reads)."""

    class Meta:
        model = ModelVersion

    run = factory.SubFactory(TrainingRunFactory, algorithm=factory.SelfAttribute("..algorithm"))
    algorithm = "item_knn"
    is_live = True
    candidates_written_at = factory.LazyFunction(timezone.now)


def _packed(keys: list[int]) -> tuple[bytes, bytes]:
    return PackedList.pack(keys, [float(len(keys) - i) for i in range(len(keys))])


class PackedListFactory(factory.django.DjangoModelFactory):
    """A ranked list of a version, given as `keys` (best first; scores fall by one a place)."""

    class Meta:
        abstract = True
        exclude = ("keys", "packed")

    version = factory.SubFactory(ModelVersionFactory)
    keys = factory.LazyFunction(list)
    packed = factory.LazyAttribute(lambda o: _packed(o.keys))
    ids = factory.LazyAttribute(lambda o: o.packed[0])
    scores = factory.LazyAttribute(lambda o: o.packed[1])


class UserCandidatesFactory(PackedListFactory):
    class Meta:
        model = UserCandidates

    user = factory.SubFactory(AppUserFactory)
    slot = "items"


class SegmentCandidatesFactory(PackedListFactory):
    class Meta:
        model = SegmentCandidates

    segment = "all"
    slot = "items"


class ItemNeighboursFactory(PackedListFactory):
    class Meta:
        model = ItemNeighbours

    item = factory.SubFactory(ItemFactory)


class RankedInputsFactory(factory.django.DjangoModelFactory):
    """What a version ranked its users from: `users` (keys) with event digests 1, 2, ... and one event each."""

    class Meta:
        model = RankedInputs
        exclude = ("users",)

    version = factory.SubFactory(ModelVersionFactory)
    users = factory.LazyFunction(list)
    records = factory.LazyAttribute(lambda o: _inputs(o.users))


def _inputs(users: list[int]) -> bytes:
    records = np.zeros(len(users), dtype=RECORD)
    records["user"] = sorted(users)
    records["events"] = np.arange(1, len(users) + 1, dtype=np.uint64)
    records["count"] = 1
    return UserInputs(records).pack()


class ContentNeighboursFactory(factory.django.DjangoModelFactory):
    """An item's content neighbours, given as `keys` (best first; scores fall by a tenth a place from 1)."""

    class Meta:
        model = ContentNeighbours
        exclude = ("keys", "packed")

    item = factory.SubFactory(ItemFactory)
    keys = factory.LazyFunction(list)
    packed = factory.LazyAttribute(lambda o: PackedList.pack(o.keys, [1.0 - 0.1 * i for i in range(len(o.keys))]))
    ids = factory.LazyAttribute(lambda o: o.packed[0])
    scores = factory.LazyAttribute(lambda o: o.packed[1])


class AlgorithmSettingFactory(factory.django.DjangoModelFactory):
    """The migrations make one per algorithm: this gets (or makes) it."""

    class Meta:
        model = AlgorithmSetting
        django_get_or_create = ("algorithm",)

    algorithm = "item_knn"


class SlotConfigFactory(factory.django.DjangoModelFactory):
    """The migrations make every slot: this gets (or makes) one."""

    class Meta:
        model = SlotConfig
        django_get_or_create = ("slot",)

    slot = "items"


class VariantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Variant
        django_get_or_create = ("slot", "name")

    slot = factory.SubFactory(SlotConfigFactory)
    name = "C"
    algorithm = "ease"
    fallbacks = factory.LazyFunction(lambda: ["segment_popularity", "popularity"])
    weight = 0


class VariantPinFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = VariantPin

    variant = factory.SubFactory(VariantFactory)
    user = factory.SubFactory(AppUserFactory)
    created_by = "mika"


class ImpressionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Impression
        exclude = ("shown_keys",)

    recommendation_id = factory.LazyFunction(uuid.uuid4)
    user = factory.SubFactory(AppUserFactory)
    slot = "items"
    variant = "A"
    algorithm = "item_knn"
    shown_keys = factory.LazyFunction(list)
    keys = factory.LazyAttribute(lambda o: PackedList.pack(o.shown_keys, [0.0] * len(o.shown_keys))[0])


class ExperimentDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExperimentDay

    day = factory.LazyFunction(timezone.localdate)
    slot = "items"
    variant = "A"
    algorithm = "item_knn"


class ExperimentUserDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExperimentUserDay

    day = factory.LazyFunction(timezone.localdate)
    slot = "items"
    variant = "A"
    user_key = factory.Sequence(lambda n: n + 1)
    lists = 1


class RollupWatermarkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RollupWatermark
        django_get_or_create = ("name",)

    name = "events"
    until = factory.LazyFunction(timezone.now)


class PersonalizeResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PersonalizeResource

    kind = PersonalizeResource.Kind.CAMPAIGN
    name = factory.Sequence(lambda n: f"recsite-main-campaign-{n}")
    arn = factory.LazyAttribute(lambda o: f"arn:aws:personalize:ap-northeast-1:123456789012:campaign/{o.name}")
    status = "ACTIVE"


class NgItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NgItem

    item = factory.SubFactory(ItemFactory)
    reason = "counterfeit reports"
    created_by = "mika"


class NgShopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NgShop

    shop = factory.SubFactory(ShopFactory)
    reason = "suspended"
    created_by = "mika"


class NgCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NgCategory

    category_path = "Health > Supplements"
    reason = "regulated"
    created_by = "mika"


class PinFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Pin

    slot = "items"
    item = factory.SubFactory(ItemFactory)
    position = 1
    created_by = "mika"


class BoostFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Boost

    slot = "items"
    item = factory.SubFactory(ItemFactory)
    factor = 2.0
    created_by = "mika"


class FeatureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Feature

    title = factory.Sequence(lambda n: f"Feature {n}")
    slug = factory.Sequence(lambda n: f"feature-{n}")
    status = Feature.Status.PUBLISHED
    created_by = "mika"


class FeatureItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FeatureItem

    feature = factory.SubFactory(FeatureFactory)
    item = factory.SubFactory(ItemFactory)
    position = 0
