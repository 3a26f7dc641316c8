"""Factories for tests. Regions are the real Guangzhou codes, loaded once per test session."""

import factory

from kapok.accounts.models import RoleGrant, User
from kapok.regions.lookup import find_region
from kapok.units.models import Unit

PASSWORD = "correct-horse-battery"


def region(text: str, **kwargs):
    return find_region(text, **kwargs)


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    name = factory.Sequence(lambda n: f"测试单位{n}")
    kind = Unit.Kind.COMMUNITY_COMMITTEE
    region = factory.LazyFunction(lambda: region("白云区松洲街螺涌"))
    parent = None


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"用户{n}")
    unit = factory.SubFactory(UnitFactory)
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        self.save()
        for role in extracted or ():
            RoleGrant.objects.create(user=self, role=role)
        self.__dict__.pop("roles", None)
        self.__dict__.pop("capabilities", None)


def unit_for(region_text: str, kind=None, **kwargs) -> Unit:
    """The unit of a real region, as the demo names them."""
    place = region(region_text)
    kind = kind or Unit.ADMINISTRATIVE_KIND_BY_LEVEL[place.level]
    return UnitFactory(region=place, kind=kind, name=kwargs.pop("name", place.name), **kwargs)


class PersonFactory(factory.django.DjangoModelFactory):
    """A person living in 螺涌; ``categories=["TEKUN", ...]`` gives them current memberships."""

    class Meta:
        model = "registry.Person"
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"测试{n}号")
    residence_region = factory.LazyFunction(lambda: region("白云区松洲街螺涌"))
    phones = factory.Sequence(lambda n: [f"138{n:08d}"])

    @factory.post_generation
    def categories(self, create, extracted, **kwargs):
        from kapok.registry.models import Category, Membership

        for code in extracted or ():
            Membership.objects.create(person=self, category=Category.objects.get(code=code))


def zone(place: str, level="LOCKDOWN", *, compound="", days_ago=1, ends_in_days=None):
    """A risk zone over a community (``place`` as people write it), in force today."""
    import datetime as dt

    from django.utils import timezone

    from kapok.zones.models import RiskArea

    now = timezone.now()
    return RiskArea.objects.create(
        region=region(place),
        level=level,
        compound=compound,
        starts_at=now - dt.timedelta(days=days_ago),
        ends_at=None if ends_in_days is None else now + dt.timedelta(days=ends_in_days),
    )
