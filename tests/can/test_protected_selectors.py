"""The selectors that hand out a CAN record's protected data decide and log in one step."""

import pytest

from can import selectors
from can.models import AlertStatus
from monusco.choices import ThreatCategory
from monusco.models import AuditLog
from tests.factories import make_alert, make_focal_point

pytestmark = pytest.mark.django_db


def _reads(user):
    return list(
        AuditLog.objects.filter(action="view_protected", actor=user)
        .order_by("pk")
        .values_list("model", "object_pk", "detail")
    )


def test_a_focal_points_identity_goes_only_to_its_own_base_and_each_read_is_logged(world, users):
    fp = make_focal_point(world.base, world.sange, phone="+243990000444", name="Maman Neema")
    identity = selectors.focalpoint_identity_get(user=users["cla"], focal_point=fp)
    assert identity == selectors.FocalPointIdentity(name="Maman Neema", phone="+243990000444")
    assert _reads(users["cla"]) == [("can.focalpoint", str(fp.pk), {"fields": ["name", "phone"]})]
    for role in ("cla2", "jpt", "gender", "manager"):
        assert selectors.focalpoint_identity_get(user=users[role], focal_point=fp) is None
        assert _reads(users[role]) == []


def test_an_alerts_sender_and_sexual_violence_text_are_logged_when_shown(world, users):
    alert = make_alert(
        world.base,
        status=AlertStatus.RECEIVED,
        threat_category=ThreatCategory.SEXUAL_VIOLENCE,
        sender_number="+243990000555",
    )
    assert selectors.alert_protected_get(user=users["duty"], alert=alert) == selectors.AlertDisclosure(
        sender=True, detail=True
    )
    assert _reads(users["duty"]) == [
        ("can.alert", str(alert.pk), {"fields": ["sender_number"]}),
        ("can.alert", str(alert.pk), {"fields": ["description", "verification_note"]}),
    ]
    # A base user of another territory sees neither and nothing is logged for them.
    assert selectors.alert_protected_get(user=users["cla2"], alert=alert) == selectors.AlertDisclosure(
        sender=False, detail=False
    )
    assert _reads(users["cla2"]) == []


def test_an_ordinary_alerts_text_is_not_a_protected_read(world, users):
    alert = make_alert(world.base, status=AlertStatus.RECEIVED, threat_category=ThreatCategory.LOOTING)
    assert selectors.alert_protected_get(user=users["duty"], alert=alert) == selectors.AlertDisclosure(
        sender=False, detail=True
    )
    assert selectors.alert_description_get(user=users["duty"], alert=alert) == alert.description
    assert _reads(users["duty"]) == []
