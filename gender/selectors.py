"""Scoped reads for the gender app."""

from django.contrib.contenttypes.models import ContentType
from django.db.models import QuerySet

from .models import Review


def review_history(*, report) -> QuerySet[Review]:
    """Every review round of a report, oldest first, with answers and items loaded. The caller has
    already fetched ``report`` within the user's scope."""
    return (
        Review.objects.filter(content_type=ContentType.objects.get_for_model(report), object_id=report.pk)
        .select_related("reviewer", "checklist")
        .prefetch_related("answers__item")
        .order_by("round")
    )
