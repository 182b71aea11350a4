"""The migration that puts focal points' phone numbers in today's E.164 form: a number the old
hand-made normaliser kept as ``+2430812345678`` gets ``+243812345678`` and the hash an SMS from
that number computes; anything else is left as it was."""

import datetime
import hashlib
import hmac

import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from can.models import FocalPoint
from can.services import alert_receive_sms
from monusco.crypto import phone_hash
from monusco.models import AuditLog
from tests.factories import make_channel

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = ("can", "0005_notification_lease")


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def _old_hash(number: str) -> str:
    """The keyed hash as it was written: over the number as the old normaliser left it."""
    return hmac.new(settings.FIELD_HASH_KEY.encode(), number.encode(), hashlib.sha256).hexdigest()


def _fp(world, code, phone, **extra):
    """A focal point row of the schema before the migration (the model as it was then)."""
    Old = MigrationExecutor(connection).loader.project_state([BEFORE]).apps.get_model("can", "FocalPoint")
    return Old.objects.create(
        code=code,
        name="Maman Furaha",
        phone=phone,
        phone_hash=_old_hash(phone) if phone else "",
        base_id=world.base.pk,
        locality_id=world.sange.pk,
        community_role="chief",
        sex="f",
        consent_on=datetime.date(2026, 1, 10),
        **extra,
    )


def test_old_forms_of_a_number_get_todays_form_and_hash_and_nothing_else_changes(world):
    _migrate([BEFORE])
    try:
        doubled = _fp(world, "FP-UVI-0001", "+2430812345678")
        good = _fp(world, "FP-UVI-0002", "+243990000111")
        invalid = _fp(world, "FP-UVI-0003", "+24311")  # what "' OR 1=1--" became once
        none = _fp(world, "FP-UVI-0004", "")
        # Another active focal point already holds the number in today's form: the old one is kept.
        holder = _fp(world, "FP-UVI-0005", "+243970000222")
        clash = _fp(world, "FP-UVI-0006", "+2430970000222")
        untouched = {fp.pk: type(fp).objects.get(pk=fp.pk).updated_at for fp in (good, invalid, none, holder)}
        audits = AuditLog.objects.count()
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    rows = {fp.pk: fp for fp in FocalPoint.objects.all()}
    assert (rows[doubled.pk].phone, rows[doubled.pk].phone_hash) == ("+243812345678", phone_hash("+243812345678"))
    assert (rows[clash.pk].phone, rows[clash.pk].phone_hash) == ("+2430970000222", _old_hash("+2430970000222"))
    for fp in (good, invalid, none, holder):
        assert (rows[fp.pk].phone, rows[fp.pk].phone_hash, rows[fp.pk].updated_at) == (
            fp.phone,
            fp.phone_hash,
            untouched[fp.pk],
        )
    assert list(AuditLog.objects.order_by("pk")[audits:].values_list("model", "object_pk", "action", "detail")) == [
        ("can.focalpoint", str(doubled.pk), "update", {"fields": ["phone", "phone_hash", "updated_at"]})
    ]
    # An SMS from the number, however it is written, now finds its focal point.
    alert, _ = alert_receive_sms(
        channel=make_channel(world.base), sender="0812 345 678", text="Attaque à Sange", message_id="m-1"
    )
    assert alert.focal_point_id == doubled.pk
