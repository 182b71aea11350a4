"""The registry of report types. Every report model registers itself here, like ``admin.site``.

``gender`` imports none of the apps that write reports: it learns their models and how to reach
their base, territory, date and author through the lookup paths given at registration, and which
reports are in a user's scope through those paths (or ``scope_queryset`` when the paths do not say
it all).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.db import models

# Sexual-violence detail is shown to the report's own base (who must respond) and to the roles
# holding this permission, as on the field pages.
NEED_TO_KNOW_PERMISSION = "gender.view_sexual_violence_detail"


@dataclass(frozen=True)
class ReportType:
    model: type[models.Model]
    slug: str  # stable key, e.g. "meeting"; used in URLs, checklists and the API
    label: str  # translatable, e.g. gettext_lazy("Urafiki meeting")
    date_field: str  # the date the report is about, e.g. "held_on"
    base_path: str | None  # lookup to the operating base id, e.g. "base_id"
    territory_path: str | None  # lookup to the territory id, e.g. "locality__territory_id"
    province_path: str | None  # lookup to the province id
    author_field: str  # FK to the user who wrote it, e.g. "created_by"
    threat_path: str | None = None  # lookup to a threat category, when the report has one
    detail_url_name: str | None = None  # URL name taking ``uid``, for links from the review queue
    # Optional facts for the dashboard (all default to None = "infer or leave out"):
    # the boolean field telling whether women were consulted separately (meetings);
    separate_consultation_field: str | None = None
    # True when the sex/age figures count participants (meetings), so they feed participation;
    is_participation: bool | None = None
    # True when the sex/age figures count people at risk and ``threat_path`` is one category per
    # report (alerts), so they feed "alerts by threat category".
    is_people_at_risk: bool | None = None
    # ``scope_queryset(user)``: the reports of this type in the user's scope, when the three paths
    # above do not say it all (a JPT mission is also in the scope of the bases covering its area).
    scope_queryset: Callable[[object], models.QuerySet] | None = None
    # The report's child rows its review page shows under it: names of reverse relations, e.g.
    # ``("concerns", "follow_ups")`` for a meeting (the checklist asks about them).
    review_children: tuple[str, ...] = ()
    # The choices of fields holding a list of codes (a JSON list), by field name, on the report
    # or on its child rows, so pages show labels: ``{"stakeholder_groups": StakeholderGroup}``.
    # Given as a dict; kept as ``(name, choices)`` pairs.
    list_choices: tuple[tuple[str, object], ...] = ()

    @property
    def content_label(self) -> str:
        return self.model._meta.label_lower

    def choices_of(self, name: str) -> dict[str, str]:
        """Code -> label of the list field ``name`` (empty when none was given)."""
        for field_name, choices in self.list_choices:
            if field_name == name:
                pairs: Iterable = getattr(choices, "choices", None) or choices  # type: ignore[assignment]
                return {str(value): label for value, label in pairs}
        return {}

    def _has_field(self, name: str | None) -> bool:
        if not name:
            return False
        try:
            self.model._meta.get_field(name)
        except FieldDoesNotExist:
            return False
        return True

    @property
    def consultation_field(self) -> str | None:
        """The "women consulted separately" flag, given at registration or found by its usual name."""
        if self.separate_consultation_field:
            return self.separate_consultation_field
        return "women_consulted_separately" if self._has_field("women_consulted_separately") else None

    @property
    def counts_participants(self) -> bool:
        if self.is_participation is not None:
            return self.is_participation
        return self.consultation_field is not None

    @property
    def counts_people_at_risk(self) -> bool:
        """One threat category per report (a plain field, no join), sex/age = people at risk."""
        if self.is_people_at_risk is not None:
            return self.is_people_at_risk and bool(self.threat_path)
        path = self.threat_path
        if not path:
            return False
        return "__" not in path and self._has_field(path)

    def is_multi_valued(self, path: str | None) -> bool:
        """Whether a lookup path crosses a to-many relation (so filtering on it can repeat rows)."""
        if not path:
            return False
        model = self.model
        for part in path.split("__")[:-1]:
            try:
                field = model._meta.get_field(part)
            except FieldDoesNotExist:
                return False
            if field.many_to_many or field.one_to_many:
                return True
            if not isinstance(field.related_model, type):
                return False
            model = field.related_model
        return False

    @property
    def has_multi_valued_paths(self) -> bool:
        return any(self.is_multi_valued(p) for p in (self.base_path, self.territory_path, self.province_path))

    @property
    def base_model(self) -> type[models.Model] | None:
        """The operating base model, reached through ``base_path`` (e.g. ``base_id`` -> ``base``)."""
        if not self.base_path:
            return None
        name = self.base_path.split("__")[0]
        name = name[:-3] if name.endswith("_id") else name
        try:
            related = self.model._meta.get_field(name).related_model
        except FieldDoesNotExist:
            return None
        return related if isinstance(related, type) else None

    def _once(self, qs: models.QuerySet, *paths: str | None) -> models.QuerySet:
        """``qs`` with each report once, when it was filtered through a to-many path."""
        if any(self.is_multi_valued(path) for path in paths) and qs.query.where:
            return self.model._default_manager.filter(pk__in=qs.values("pk"))
        return qs

    def in_scope(self, user) -> models.QuerySet:
        """The reports of this type in the user's scope, each once."""
        if self.scope_queryset is not None:
            return self.scope_queryset(user)
        from monusco.scope import scope_for

        qs = scope_for(user).filter(
            self.model._default_manager.all(),
            base=self.base_path,
            territory=self.territory_path,
            province=self.province_path,
        )
        return self._once(qs, self.base_path, self.territory_path, self.province_path)

    def protected(self) -> models.QuerySet:
        """The reports of this type holding sexual-violence information: a protected threat
        category at ``threat_path`` (the alert's category, or any of a meeting's concerns)."""
        from monusco.choices import PROTECTED_THREAT_CATEGORIES

        if not self.threat_path:
            return self.model._default_manager.none()
        qs = self.model._default_manager.filter(**{f"{self.threat_path}__in": sorted(PROTECTED_THREAT_CATEGORIES)})
        return self._once(qs, self.threat_path)

    def withheld_from(self, user) -> models.QuerySet:
        """The protected reports of this type whose detail ``user`` has no need to know: every one
        but those of the user's own bases, unless they hold ``NEED_TO_KNOW_PERMISSION``."""
        from monusco.scope import scope_for

        if user.is_superuser or user.has_perm(NEED_TO_KNOW_PERMISSION):
            return self.model._default_manager.none()
        withheld = self.protected()
        base_ids = scope_for(user).base_ids
        if self.base_path and base_ids:
            own = self.model._default_manager.filter(**{f"{self.base_path}__in": sorted(base_ids)})
            withheld = withheld.exclude(pk__in=own.values("pk"))
        return withheld


class ReportRegistry:
    def __init__(self) -> None:
        self._by_slug: dict[str, ReportType] = {}

    def register(self, model: type[models.Model], **options) -> ReportType:
        from .models import Report

        if not issubclass(model, Report):
            raise TypeError(f"{model.__name__} must inherit gender.models.Report to be registered.")
        if isinstance(options.get("list_choices"), dict):
            options["list_choices"] = tuple(options["list_choices"].items())
        options["review_children"] = tuple(options.get("review_children", ()))
        report_type = ReportType(model=model, **options)
        existing = self._by_slug.get(report_type.slug)
        if existing and existing.model is not model:
            raise ValueError(f"Report type slug {report_type.slug!r} is already registered.")
        self._by_slug[report_type.slug] = report_type
        return report_type

    def all(self) -> list[ReportType]:
        return sorted(self._by_slug.values(), key=lambda rt: rt.slug)

    def get(self, slug: str) -> ReportType:
        return self._by_slug[slug]

    def for_model(self, model: type[models.Model] | None) -> ReportType | None:
        if model is None:  # a content type whose model is gone
            return None
        for report_type in self._by_slug.values():
            if report_type.model is model or report_type.model._meta.concrete_model is model._meta.concrete_model:
                return report_type
        return None

    def slugs(self) -> list[str]:
        return sorted(self._by_slug)

    def base_model(self) -> type[models.Model] | None:
        """The operating base model, learnt from the registered report types (``gender`` imports
        none of the apps that define it)."""
        return next((rt.base_model for rt in self.all() if rt.base_model is not None), None)


reports = ReportRegistry()
register = reports.register
