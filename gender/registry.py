"""The registry of report types. Every report model registers itself here, like ``admin.site``.

``gender`` imports none of the apps that write reports: it learns their models and how to reach
their base, territory, date and author through the lookup paths given at registration.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models


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

    @property
    def content_label(self) -> str:
        return self.model._meta.label_lower


class ReportRegistry:
    def __init__(self) -> None:
        self._by_slug: dict[str, ReportType] = {}

    def register(self, model: type[models.Model], **options) -> ReportType:
        from .models import Report

        if not issubclass(model, Report):
            raise TypeError(f"{model.__name__} must inherit gender.models.Report to be registered.")
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

    def for_model(self, model: type[models.Model]) -> ReportType | None:
        for report_type in self._by_slug.values():
            if report_type.model is model or report_type.model._meta.concrete_model is model._meta.concrete_model:
                return report_type
        return None

    def slugs(self) -> list[str]:
        return sorted(self._by_slug)


reports = ReportRegistry()
register = reports.register
