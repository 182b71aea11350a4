"""The user's scope: which bases, territories and provinces they work in.

Every selector cuts its queryset with ``scope_for(user).filter(qs, ...)``. Records outside the scope
are simply not there, so a view asking for one answers 404, never 403.

Base assignments live in ``cla`` (which depends on this package, not the other way round): ``cla``
registers a provider at start-up that returns the ids of the bases a user is assigned to today.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

_base_providers: list[Callable[[object], Iterable[int]]] = []


def register_base_provider(func: Callable[[object], Iterable[int]]) -> None:
    """``func(user)`` returns the ids of the operating bases the user is assigned to."""
    if func not in _base_providers:
        _base_providers.append(func)


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    province_ids: frozenset[int] = field(default_factory=frozenset)
    territory_ids: frozenset[int] = field(default_factory=frozenset)
    base_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_empty(self) -> bool:
        return not (self.everything or self.province_ids or self.territory_ids or self.base_ids)

    def q(
        self,
        *,
        base: str | None = None,
        territory: str | None = None,
        province: str | None = None,
    ) -> Q:
        """A Q object for a model reached through the given lookup paths.

        ``base`` is the path to the operating base id (e.g. ``"base_id"``), ``territory`` the path
        to the territory id (e.g. ``"locality__territory_id"``), ``province`` to the province id.
        A path left out means the model cannot be reached that way.
        """
        if self.everything:
            return Q()
        q = Q(pk__in=[])
        if base and self.base_ids:
            q |= Q(**{f"{base}__in": sorted(self.base_ids)})
        if territory and self.territory_ids:
            q |= Q(**{f"{territory}__in": sorted(self.territory_ids)})
        if province and self.province_ids:
            q |= Q(**{f"{province}__in": sorted(self.province_ids)})
        return q

    def filter(
        self, qs: QuerySet, *, base: str | None = None, territory: str | None = None, province: str | None = None
    ) -> QuerySet:
        if self.everything:
            return qs
        return qs.filter(self.q(base=base, territory=territory, province=province))

    def has_base(self, base_id: int | None) -> bool:
        return self.everything or (base_id is not None and base_id in self.base_ids)

    def covers(
        self, *, base_id: int | None = None, territory_id: int | None = None, province_id: int | None = None
    ) -> bool:
        """Whether one record placed at this base, territory and province is in scope: the same
        rule as ``filter``, for a record in hand."""
        return (
            self.everything
            or (base_id is not None and base_id in self.base_ids)
            or (territory_id is not None and territory_id in self.territory_ids)
            or (province_id is not None and province_id in self.province_ids)
        )


EMPTY = Scope()


def scope_for(user) -> Scope:
    """The user's scope, computed once per user object (so once per request)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return EMPTY
    cached = getattr(user, "_scope_cache", None)
    if cached is not None:
        return cached
    if user.is_superuser:
        scope = Scope(everything=True)
    else:
        from .models import UserScope

        provinces: set[int] = set()
        territories: set[int] = set()
        for province_id, territory_id in UserScope.objects.filter(user=user).values_list("province_id", "territory_id"):
            if province_id:
                provinces.add(province_id)
            if territory_id:
                territories.add(territory_id)
        bases: set[int] = set()
        for provider in _base_providers:
            bases.update(provider(user))
        scope = Scope(
            province_ids=frozenset(provinces), territory_ids=frozenset(territories), base_ids=frozenset(bases)
        )
    remember_scope(user, scope)
    return scope


def remember_scope(user, scope: Scope) -> None:
    """Keep ``scope`` as the user object's scope (an API client's is set from the client)."""
    user._scope_cache = scope
