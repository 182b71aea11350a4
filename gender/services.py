"""Writes for the review lifecycle: draft -> submitted -> approved | returned -> resubmitted ..."""

import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from monusco.audit import audited_bulk_create, audited_update

from . import locks
from .models import ChecklistItem, Report, Review, ReviewAnswer, ReviewChecklist, ReviewStatus
from .snapshots import report_snapshot


def _locked(report: Report) -> Report:
    """Re-read the report under a row lock, so two submissions or reviews never interleave."""
    return locks.reports_for_update(type(report)).get(pk=report.pk)


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


# --- Checklists -----------------------------------------------------------------------------


@transaction.atomic
def checklist_ensure_defaults() -> int:
    """Give every registered report type a checklist, with the default items. Idempotent: a type
    that already has a checklist (any version) is left alone. Returns how many were created."""
    from .checklists import default_items
    from .registry import reports

    existing = set(ReviewChecklist.objects.values_list("report_type", flat=True))
    created = 0
    for slug in reports.slugs():
        if slug in existing:
            continue
        checklist = ReviewChecklist.objects.create(report_type=slug, version=1, note="IASC GAM defaults")
        audited_bulk_create(
            [
                ChecklistItem(checklist=checklist, position=i, measure=m, text_fr=fr, text_sw=sw, text_en=en)
                for i, (m, fr, sw, en) in enumerate(default_items(slug), start=1)
            ]
        )
        created += 1
    return created


def _clean_items(items: list[dict]) -> list[dict]:
    measures = set(ChecklistItem.Measure.values)
    cleaned = []
    for item in items:
        texts = {key: (item.get(key) or "").strip() for key in ("text_fr", "text_sw", "text_en")}
        if item.get("measure") not in measures or not all(texts.values()):
            raise ValidationError(
                _("Every checklist item needs a GAM measure and its question in French, Swahili and English."),
                code="invalid_item",
            )
        cleaned.append({"measure": item["measure"], **texts})
    if not cleaned:
        raise ValidationError(_("A checklist needs at least one item."), code="empty_checklist")
    return cleaned


@transaction.atomic
def checklist_revise(*, checklist: ReviewChecklist, items: list[dict], note: str = "") -> ReviewChecklist:
    """Replace a checklist's items. If reviews were already made with it, the old version is kept
    (inactive) for them and a new active version is created; otherwise it is edited in place."""
    cleaned = _clean_items(items)
    # Every version of the type is locked (in key order), so two revisions never both make the
    # next version; a review being recorded holds the active one (``review_record``).
    versions = {row.pk: row for row in locks.checklists_for_update().filter(report_type=checklist.report_type)}
    if checklist.pk not in versions:
        raise ReviewChecklist.DoesNotExist("ReviewChecklist matching query does not exist.")
    locked = versions[checklist.pk]
    if locked.reviews.exists():
        last = ReviewChecklist.objects.filter(report_type=locked.report_type).order_by("-version").first()
        assert last is not None  # the locked checklist is one of them
        audited_update(ReviewChecklist.objects.filter(report_type=locked.report_type, is_active=True), is_active=False)
        target = ReviewChecklist.objects.create(
            report_type=locked.report_type, version=last.version + 1, note=note or locked.note, is_active=True
        )
    else:
        target = locked
        target.items.all().delete()
        if note:
            target.note = note
            target.save(update_fields=["note", "updated_at"])
    audited_bulk_create(
        [ChecklistItem(checklist=target, position=i, **item) for i, item in enumerate(cleaned, start=1)]
    )
    return target


# --- Reviews --------------------------------------------------------------------------------


def _report_place(report_type, report: Report) -> dict:
    """The report's date, base, territory and province, copied onto its review for the dashboard.
    Paths through to-many relations (a JPT mission's bases) are not copied: the dashboard reads
    those reports' reviews through the report table instead."""
    paths = {
        "report_date": report_type.date_field,
        "report_base_id": report_type.base_path,
        "report_territory_id": report_type.territory_path,
        "report_province_id": report_type.province_path,
    }
    wanted = {key: path for key, path in paths.items() if path and not report_type.is_multi_valued(path)}
    values = (
        type(report)._default_manager.filter(pk=report.pk).values(**{f"v_{k}": F(p) for k, p in wanted.items()}).first()
        or {}
    )
    place: dict[str, Any] = {key: values.get(f"v_{key}") for key in wanted}
    if isinstance(place.get("report_date"), datetime.datetime):
        place["report_date"] = timezone.localdate(place["report_date"])
    return place


@transaction.atomic
def review_record(
    *,
    report: Report,
    reviewer,
    decision: str,
    comment: str = "",
    answers: dict[int, tuple[str, str]],
) -> Review:
    """Record one review round: the answer to every checklist item, an overall comment, and the
    decision. Approving closes the report; returning it sends it back to its author, who corrects
    it and resubmits with ``report_submit`` (which opens the next round)."""
    from .registry import reports

    if not reviewer.has_perm("gender.review_report"):
        raise PermissionDenied
    report_type = reports.for_model(type(report))
    if report_type is None:
        raise ValidationError(_("This kind of record is not a registered report."), code="not_a_report")
    locked = _locked(report)
    if locked.review_status != ReviewStatus.SUBMITTED:
        raise ValidationError(_("Only a submitted report can be reviewed."), code="invalid_transition")
    checklist = _review_checklist(report_type=report_type.slug, decision=decision)
    items = list(checklist.items.all())
    comment = _checked(items=items, answers=answers, decision=decision, comment=comment)
    now = timezone.now()
    submitted_at = locked.submitted_at
    assert submitted_at is not None  # set by report_submit, with the SUBMITTED status
    codes = "".join(ReviewAnswer.CODES[answers[item.pk][0]] for item in items)
    review = Review.objects.create(
        **_report_place(report_type, locked),
        answer_codes=codes,
        content_type=ContentType.objects.get_for_model(locked),
        object_id=locked.pk,
        round=locked.review_round,
        checklist=checklist,
        reviewer=reviewer,
        decision=decision,
        comment=comment,
        report_snapshot=report_snapshot(locked),
        report_type=report_type.slug,
        submitted_at=locked.submitted_at,
        days_to_review=round((now - submitted_at).total_seconds() / 86400, 4),
    )
    audited_bulk_create(
        [
            ReviewAnswer(
                review=review, item=item, answer=answers[item.pk][0], comment=(answers[item.pk][1] or "").strip()
            )
            for item in items
        ]
    )
    locked.review_status = ReviewStatus.APPROVED if decision == Review.Decision.APPROVED else ReviewStatus.RETURNED
    locked.reviewed_at = now
    locked.save(update_fields=["review_status", "reviewed_at", "updated_at"])
    for field in ("review_status", "reviewed_at", "updated_at"):
        setattr(report, field, getattr(locked, field))
    return review


def _review_checklist(*, report_type: str, decision: str) -> ReviewChecklist:
    """The active checklist of the type, locked until the review is saved (so a revision of the
    checklist waits for it), once the decision is known to be one of the two."""
    if decision not in Review.Decision.values:
        raise ValidationError(_("Choose to approve the report or to return it."), code="invalid_decision")
    checklist = locks.checklists_for_update().filter(report_type=report_type, is_active=True).first()
    if checklist is None:
        raise ValidationError(_("There is no checklist for this report type."), code="no_checklist")
    return checklist


def _checked(*, items: list[ChecklistItem], answers: dict[int, tuple[str, str]], decision: str, comment: str) -> str:
    """Check that every item has a valid answer and that a returned report says what to correct.
    Returns the overall comment, trimmed."""
    valid_answers = set(ReviewAnswer.Answer.values)
    missing = [item for item in items if item.pk not in answers or answers[item.pk][0] not in valid_answers]
    if missing:
        raise ValidationError(_("Answer every checklist item."), code="missing_answers")
    comment = (comment or "").strip()
    if decision == Review.Decision.RETURNED and not comment:
        raise ValidationError(
            _("Say what the author should correct before returning the report."), code="comment_required"
        )
    return comment
