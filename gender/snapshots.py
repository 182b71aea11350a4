"""A report's own fields as text: what a review keeps of the report it was made on, and what the
review page shows and compares between rounds. Pure functions of a report in hand (no query
beyond its already loaded relations): the service that records a review and the selectors that
read one both use them."""

import datetime
import json

from django.db.models import BooleanField
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


def field_display(report, name: str, raw: str) -> str:
    """A snapshot value as people read it: choice labels, yes/no."""
    field_ = report._meta.get_field(name)
    if field_.choices:
        return str(dict(field_.flatchoices).get(raw, raw))
    if isinstance(field_, BooleanField):
        return {"True": gettext("Yes"), "False": gettext("No")}.get(raw, raw)
    return raw
