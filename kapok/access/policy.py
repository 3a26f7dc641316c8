"""Region scoping: the one policy that decides what a user may see and change.

A user sees what lies under their unit's region code, plus what is explicitly shared with their
unit. A model takes part by declaring where its region is::

    class Unit(models.Model):
        scoping_region_field = "region__code"  # a path to a 12-digit division code
        scoping_shared_field = "shared_with"  # optional: the units it is shared with

Views, the API and exports read through ``scoped()`` and load single objects through
``get_scoped_or_404()``; they never filter by region themselves. A record of another region is a
404, the same answer as a record that does not exist, and the attempt is written to the audit log.

City-level users (and the bootstrap administrator) are not region-restricted: a Kapok site serves
one city. Everyone else is, and only views marked ``@region_safe`` admit them (closed by default,
kapok.access.middleware).
"""

from dataclasses import dataclass

from django.db.models import Model, Q, QuerySet
from django.http import Http404

from kapok.audit.actions import log_action
from kapok.regions.models import Region, prefix_range

EVERYTHING = None


@dataclass(frozen=True)
class Scope:
    # The significant prefix of the user's region; None means everything, "" nothing.
    prefix: str | None
    unit_id: int | None

    @property
    def restricted(self) -> bool:
        return self.prefix is not None

    def covers(self, code: str) -> bool:
        if self.prefix is None:
            return True
        return bool(self.prefix) and code.startswith(self.prefix)


NOTHING = Scope(prefix="", unit_id=None)


def scope_of(user) -> Scope:
    if user is None or not user.is_authenticated or not user.is_active:
        return NOTHING
    cached = getattr(user, "_kapok_scope", None)
    if cached is not None:
        return cached
    unit = user.unit
    if unit is None:
        scope = Scope(prefix=EVERYTHING, unit_id=None) if user.is_superuser else NOTHING
    elif unit.region.level <= Region.Level.CITY:
        scope = Scope(prefix=EVERYTHING, unit_id=unit.pk)
    else:
        scope = Scope(prefix=unit.region.prefix, unit_id=unit.pk)
    user._kapok_scope = scope
    return scope


def is_region_restricted(user) -> bool:
    return scope_of(user).restricted


def scope_filter(model: type[Model], user) -> Q:
    """The condition a row of ``model`` must meet for ``user`` to see it."""
    region_field = getattr(model, "scoping_region_field", None)
    if region_field is None:  # a model that has not said where it belongs is never shown
        raise TypeError(f"{model.__name__} does not declare scoping_region_field")
    scope = scope_of(user)
    if scope.prefix is None:
        return Q()
    if not scope.prefix:
        return Q(pk__in=[])
    condition = prefix_range(region_field, scope.prefix)
    shared_field = getattr(model, "scoping_shared_field", None)
    if shared_field and scope.unit_id is not None:
        condition |= Q(**{shared_field: scope.unit_id})
    return condition


def scoped(queryset: QuerySet, user) -> QuerySet:
    """The rows of ``queryset`` the user may see."""
    condition = scope_filter(queryset.model, user)
    queryset = queryset.filter(condition)
    if getattr(queryset.model, "scoping_shared_field", None):
        queryset = queryset.distinct()
    return queryset


def can_see(user, obj: Model) -> bool:
    return scoped(type(obj)._default_manager.filter(pk=obj.pk), user).exists()


def get_scoped_or_404(user, queryset: QuerySet, **lookup) -> Model:
    """One object the user may see; otherwise 404, with an audit record if it exists elsewhere."""
    try:
        return scoped(queryset, user).get(**lookup)
    except queryset.model.DoesNotExist:
        pass
    outside = queryset.filter(**lookup).first()
    if outside is not None:
        log_action(
            "access.out_of_scope",
            actor=user,
            obj=outside,
            data={"model": queryset.model._meta.label_lower},
        )
    raise Http404
