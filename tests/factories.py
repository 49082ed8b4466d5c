"""factory_boy factories for the catalog, events and API keys."""

import datetime as dt
import uuid

import factory
from django.utils import timezone

from recommendations.models import AppUser, Event, EventType, Item, Shop


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
