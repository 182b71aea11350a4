"""Fill the dashboard copies of the reviews made before the copies existed (0004): the answers in
short, the report type, and the report's date and place.

New reviews get their copies from ``review_record``. The report types and their lookup paths
come from ``gender.registry`` (the apps that write reports register there); the rows are read
and written through this migration's historical models. On a new database there is no review
to fill, so the report apps' tables need not exist yet. Each review filled gets its audit row,
as a save would write.
"""

import datetime

from django.db import migrations
from django.db.models import F
from django.utils import timezone

CODES = {"yes": "y", "partly": "p", "no": "n", "na": "x"}


def _report_place(apps, report_type, content_type, object_id) -> dict | None:
    """The report's date, base, territory and province (paths through to-many relations, such as
    a JPT mission's bases, are not copied), or None when the report is gone."""
    try:
        model = apps.get_model(content_type.app_label, content_type.model)
    except LookupError:
        return None
    paths = {
        "report_date": report_type.date_field,
        "report_base_id": report_type.base_path,
        "report_territory_id": report_type.territory_path,
        "report_province_id": report_type.province_path,
    }
    wanted = {key: path for key, path in paths.items() if path and not report_type.is_multi_valued(path)}
    values = model._base_manager.filter(pk=object_id).values(**{f"v_{k}": F(p) for k, p in wanted.items()}).first()
    if values is None:
        return None
    place = {key: values[f"v_{key}"] for key in wanted}
    if isinstance(place.get("report_date"), datetime.datetime):
        place["report_date"] = timezone.localdate(place["report_date"])
    return place


def fill_review_copies(apps, schema_editor) -> int:
    """Fill the copies of every review that has none. Idempotent; returns how many were filled."""
    from django.apps import apps as live_apps

    from gender.registry import reports

    Review = apps.get_model("gender", "Review")
    AuditLog = apps.get_model("monusco", "AuditLog")
    filled = 0
    queryset = Review._base_manager.filter(answer_codes="").select_related("content_type")
    for review in queryset.prefetch_related("answers__item").order_by("pk"):
        answers = sorted(review.answers.all(), key=lambda answer: answer.item.position)
        values = {"answer_codes": "".join(CODES[answer.answer] for answer in answers) or "-"}
        content_type = review.content_type
        try:
            live_model = live_apps.get_model(content_type.app_label, content_type.model)
        except LookupError:
            live_model = None
        report_type = reports.for_model(live_model) if live_model is not None else None
        place = _report_place(apps, report_type, content_type, review.object_id) if report_type else None
        if place is not None:
            values.update(place, report_type=report_type.slug)
        Review._base_manager.filter(pk=review.pk).update(**values)
        AuditLog._base_manager.create(
            action="update", model="gender.review", object_pk=str(review.pk), object_repr=f"review {review.uid}",
            detail={"fields": sorted(values)},
        )
        filled += 1
    return filled


class Migration(migrations.Migration):

    dependencies = [
        ("gender", "0004_review_dashboard_copies"),
        ("monusco", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(fill_review_copies, migrations.RunPython.noop, elidable=True),
    ]
