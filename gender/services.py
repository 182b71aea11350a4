"""Writes for the review lifecycle: draft -> submitted -> approved | returned -> resubmitted ..."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import Report, ReviewStatus


def _locked(report: Report) -> Report:
    """Re-read the report under a row lock, so two submissions or reviews never interleave."""
    return type(report).objects.select_for_update().get(pk=report.pk)


@transaction.atomic
def report_submit(*, report: Report, user) -> Report:
    """Send a draft (or a returned report, after correction) to the gender office's queue."""
    locked = _locked(report)
    if locked.review_status not in (ReviewStatus.DRAFT, ReviewStatus.RETURNED):
        raise ValidationError(
            _("This report is already %(status)s and cannot be submitted again.")
            % {"status": locked.get_review_status_display().lower()},
            code="invalid_transition",
        )
    locked.review_status = ReviewStatus.SUBMITTED
    locked.review_round += 1
    locked.submitted_at = timezone.now()
    locked.save(update_fields=["review_status", "review_round", "submitted_at", "updated_at"])
    for field in ("review_status", "review_round", "submitted_at", "updated_at"):
        setattr(report, field, getattr(locked, field))
    return report
