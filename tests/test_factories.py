"""Every model has a factory, and each factory makes a row that saves."""

from __future__ import annotations

import factory
import pytest
from django.apps import apps

from tests import factories


def _factories() -> dict[type, type]:
    return {
        f._meta.model: f
        for f in vars(factories).values()
        if isinstance(f, type) and issubclass(f, factory.django.DjangoModelFactory) and f._meta.model
    }


def _models() -> list[type]:
    return [
        m
        for app in ("recommendations", "curation")
        for m in apps.get_app_config(app).get_models()
        if not m.__name__.startswith("Historical")  # django-simple-history's, made by its own saves
    ]


def test_every_model_has_a_factory():
    missing = sorted(m.__name__ for m in _models() if m not in _factories())
    assert missing == []


@pytest.mark.django_db
@pytest.mark.parametrize("model", _models(), ids=lambda m: m.__name__)
def test_each_factory_makes_a_row(model):
    row = _factories()[model]()
    assert model.objects.filter(pk=row.pk).exists()
