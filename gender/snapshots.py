"""A report's own fields as text: what a review keeps of the report it was made on, and what the
review page shows and compares between rounds. Pure functions of a report in hand (no query
beyond its already loaded relations): the service that records a review and the selectors that
read one both use them."""

import datetime
import json

from django.db.models import BooleanField, JSONField
from django.utils import timezone
from django.utils.translation import gettext

_NOT_SNAPSHOTTED = {
    "id",
    "uid",
    "created_at",
    "updated_at",
    "review_status",
    "review_round",
    "submitted_at",
    "reviewed_at",
    # System keys, not what the report says (an inbound message's de-duplication key).
    "idempotency_key",
}


def report_snapshot(report) -> dict[str, str]:
    """The report's own fields as text, to show the reviewer what changed between rounds."""
    snapshot = {}
    from monusco.fields import EncryptedTextField

    for field in report._meta.concrete_fields:
        # Protected (encrypted) and system fields (hashes, raw messages) never leave their table.
        if field.name in _NOT_SNAPSHOTTED or not field.editable or isinstance(field, EncryptedTextField):
            continue
        if field.is_relation:
            related = getattr(report, field.name)
            snapshot[field.name] = "" if related is None else str(related)
        else:
            snapshot[field.name] = _as_text(field.value_from_object(report))
    return snapshot


def _as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
    return str(value)


def field_display(report, name: str, raw: str, report_type=None) -> str:
    """A snapshot value as people read it: choice labels, yes/no, a list of codes as their labels
    (the choices given at registration, ``ReportType.list_choices``), joined."""
    field_ = report._meta.get_field(name)
    if field_.choices:
        return str(dict(field_.flatchoices).get(raw, raw))
    if isinstance(field_, BooleanField):
        return {"True": gettext("Yes"), "False": gettext("No")}.get(raw, raw)
    if isinstance(field_, JSONField):
        return _list_display(report, name, raw, report_type)
    return raw


def _list_display(report, name: str, raw: str, report_type) -> str:
    try:
        values = json.loads(raw) if raw else []
    except ValueError:
        return raw
    if not isinstance(values, list):
        return raw
    if report_type is None:
        from .registry import reports

        report_type = reports.for_model(type(report))
    labels = report_type.choices_of(name) if report_type is not None else {}
    return ", ".join(str(labels.get(str(value), value)) for value in values)


def field_label(model, name: str, report_type=None) -> str:
    """A field's name as people read it. A relation given no name of its own (``locality``,
    ``created_by``) is named after what it points to, or, for the report's author, "written by"."""
    field_ = model._meta.get_field(name)
    label = str(field_.verbose_name)
    if not field_.is_relation or label != name.replace("_", " "):
        return label
    if report_type is not None and name == report_type.author_field:
        # Translators: label of the person who wrote a report, on its review page.
        return gettext("written by")
    return str(field_.related_model._meta.verbose_name)


def row_fields(row, *, report_type, parent_field: str) -> list[tuple[str, str, str]]:
    """A child row of a report (a meeting's concern) as ``(name, label, value)``, its empty fields
    and its link to the report (``parent_field``) left out: the same fields and display as the
    report's own."""
    snapshot = _row_snapshot(row, parent_field)
    return [
        (name, field_label(type(row), name, None), field_display(row, name, raw, report_type))
        for name, raw in snapshot.items()
        if raw not in ("", "[]")
    ]


def _row_snapshot(row, parent_field: str) -> dict[str, str]:
    from monusco.fields import EncryptedTextField

    return {
        field.name: _as_text(field.value_from_object(row))
        if not field.is_relation
        else str(getattr(row, field.name) or "")
        for field in row._meta.concrete_fields
        if field.name not in _NOT_SNAPSHOTTED
        and field.name != parent_field
        and field.editable
        and not isinstance(field, EncryptedTextField)
    }
