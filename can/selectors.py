"""Scoped reads for the Community Alert Network, and the reads behind notifying and escalating
(who hears of an alert, the SMS text, what is due or left undone)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from cla.models import BaseAssignment
from gender.selectors.protected import NEED_TO_KNOW, may_see_protected, protected_visible_q
from monusco.audit import audit_protected_read
from monusco.choices import PROTECTED_THREAT_CATEGORIES
from monusco.models import User, UserScope
from monusco.redaction import mask_phone_numbers
from monusco.roles import Role
from monusco.scope import scope_for

from .models import (
    OPEN_STATUSES,
    UNACKNOWLEDGED_STATUSES,
    Alert,
    AlertStatus,
    EscalationLevel,
    FocalPoint,
    Notification,
    NotificationChannel,
    NotificationStatus,
)


def alert_list(*, user) -> QuerySet[Alert]:
    """The alerts ``user`` may open in the app: those in scope, less the sexual-violence alerts of
    other bases, unless the user has a need to know or was notified of that alert (an escalation
    reaches the sector's and the province's managers, who must be able to open what they are
    asked to act on)."""
    in_scope = scope_for(user).filter(
        Alert.objects.all(), base="base_id", territory="territory_id", province="territory__province_id"
    )
    rule = alert_protected_rule(user=user)
    return in_scope if rule is None else in_scope.filter(rule)


def alert_protected_rule(*, user) -> Q | None:
    """The condition that keeps other bases' sexual-violence alerts from ``user`` (``None``: no
    condition, the user has a need to know). Pages and the admin apply it; the API applies the
    stricter ``alert_rows``."""
    if not user.is_authenticated or user.has_perm(NEED_TO_KNOW):
        return None
    notified = Exists(Notification.objects.filter(alert=OuterRef("pk"), recipient_id=user.pk))
    return protected_visible_q(user=user, category="threat_category", base="base_id") | Q(notified)


def alert_inbox(*, user) -> QuerySet[Alert]:
    """Open alerts of the user's bases, oldest first, flagged ``sms_failed`` (see there)."""
    from .selectors_outbound import sms_failed

    return (
        alert_list(user=user)
        .filter(status__in=OPEN_STATUSES)
        .select_related("base", "locality", "focal_point")
        .annotate(sms_failed=sms_failed())
        .order_by("received_at", "pk")
    )


def alert_inbox_counts(*, user) -> dict[str, int]:
    """How many open alerts of the user's scope stand in each open state (every state named, zero
    included), counted in one query."""
    counts = (
        alert_list(user=user)
        .filter(status__in=OPEN_STATUSES)
        .aggregate(**{status.value: Count("pk", filter=Q(status=status)) for status in OPEN_STATUSES})
    )
    return {status.value: counts[status.value] or 0 for status in OPEN_STATUSES}


def alert_inbox_new_count(*, user, since) -> int:
    """How many open alerts of the user's scope were written after ``since``: what the inbox's
    check for new alerts asks, one COUNT query."""
    return alert_list(user=user).filter(status__in=OPEN_STATUSES, created_at__gt=since).count()


def alert_detail(*, user, uid) -> QuerySet[Alert]:
    return (
        alert_list(user=user)
        .filter(uid=uid)
        .select_related(
            "base",
            "locality",
            "territory",
            "focal_point",
            "sms_channel",
            "reported_by",
            "acknowledged_by",
            "verified_by",
            "response_by",
            "closed_by",
        )
    )


def open_alert_count(*, user) -> int:
    return alert_list(user=user).filter(status__in=OPEN_STATUSES).count()


def focalpoint_list(*, user) -> QuerySet[FocalPoint]:
    return scope_for(user).filter(
        FocalPoint.objects.select_related("base", "locality"),
        base="base_id",
        territory="locality__territory_id",
        province="locality__territory__province_id",
    )


def can_see_identity(*, user, focal_point: FocalPoint) -> bool:
    """Name and phone: only users of the focal point's own base holding the permission."""
    return (
        user.is_authenticated
        and focal_point.base_id in scope_for(user).base_ids
        and user.has_perm("can.view_focalpoint_identity")
    )


def can_see_sender(*, user, alert: Alert) -> bool:
    """The sender number of an alert: same rule as a focal point's identity, for the alert's base."""
    return (
        user.is_authenticated
        and alert.base_id in scope_for(user).base_ids
        and user.has_perm("can.view_focalpoint_identity")
    )


def can_see_detail(*, user, alert: Alert) -> bool:
    """The free text of a sexual-violence alert: the alert's own base (who must respond) and
    need-to-know roles only. Other alerts: anyone who may see the alert."""
    if alert.threat_category not in PROTECTED_THREAT_CATEGORIES:
        return True
    return may_see_protected(user=user, base_ids=[alert.base_id])


@dataclass(frozen=True)
class FocalPointIdentity:
    name: str
    phone: str


IDENTITY_FIELDS = ("name", "phone")


def focalpoint_identity_get(*, user, focal_point: FocalPoint) -> FocalPointIdentity | None:
    """The focal point's name and phone when ``user`` may see them, the read logged in the same
    step; None (and nothing logged) otherwise."""
    if not can_see_identity(user=user, focal_point=focal_point):
        return None
    audit_protected_read(user=user, instance=focal_point, fields=list(IDENTITY_FIELDS))
    return FocalPointIdentity(name=focal_point.name, phone=focal_point.phone)


@dataclass(frozen=True)
class AlertDisclosure:
    """What of an alert's protected data a page shows: the sender's number and the free text."""

    sender: bool
    detail: bool


def alert_do_not_call_back(alert: Alert) -> bool:
    """Whether the alert's focal point asked not to be called back (no query when it has none)."""
    focal_point = alert.focal_point if alert.focal_point_id else None
    return focal_point is not None and focal_point.do_not_call_back


def alert_protected_get(*, user, alert: Alert) -> AlertDisclosure:
    """Decide what of ``alert``'s protected data ``user`` sees, and log what is shown in the same
    step: the sender's number (not shown, so not logged, when the focal point asked not to be
    called back) and the free text of a sexual-violence alert."""
    sender = bool(alert.sender_number) and can_see_sender(user=user, alert=alert)
    if sender and not alert_do_not_call_back(alert):
        audit_protected_read(user=user, instance=alert, fields=["sender_number"])
    detail = can_see_detail(user=user, alert=alert)
    if detail and alert.threat_category in PROTECTED_THREAT_CATEGORIES:
        audit_protected_read(user=user, instance=alert, fields=["description", "verification_note"])
    return AlertDisclosure(sender=sender, detail=detail)


def alert_description_get(*, user, alert: Alert) -> str:
    """The description of an alert ``user`` corrects (its own base, checked by the caller), the read
    logged when the alert is a sexual-violence one."""
    if alert.threat_category in PROTECTED_THREAT_CATEGORIES:
        audit_protected_read(user=user, instance=alert, fields=["description"])
    return alert.description


def alert_rows(*, user, for_client: bool = False) -> QuerySet[Alert]:
    """The alerts ``user`` may receive as records (API lists and details, in every format): those
    in scope, less the sexual-violence alerts of other bases unless the user has a need to know.
    API clients receive none (``for_client``): they see them only in the suppressed indicators."""
    return alert_list(user=user).filter(
        protected_visible_q(user=user, category="threat_category", base="base_id", for_client=for_client)
    )


def show_text(*, user, alert: Alert, text: str) -> str:
    """Free text of an alert as ``user`` may read it: phone numbers typed in it (a sender asking to
    be called back) in clear only for those who may see the sender number (the alert's base),
    masked for everyone else."""
    if not text or (user is not None and can_see_sender(user=user, alert=alert)):
        return text
    return mask_phone_numbers(text, phone_mask())


def phone_mask() -> str:
    # Translators: shown in place of a phone number the reader may not see.
    return gettext("[phone]")


def notification_inbox(*, user) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user, channel=NotificationChannel.IN_APP).select_related("alert")


# --- notifying and escalating ---------------------------------------------------------------

# Outbound SMS (notifications to staff, replies to the community) are retried with backoff: a
# failed send is tried again 1, 5 and 15 minutes later, then failed for good and shown to the base.
RETRY_DELAYS = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=15))
MAX_SEND_ATTEMPTS = 1 + len(RETRY_DELAYS)
MAX_CALLBACK_FAILURES = 3  # failed call-back attempts after which a call-back task escalates at once
_ESCALATION_FIELDS = ("pk", "status", "received_at", "escalation_level", "callback_due_at", "callback_failures")
ROSTER_FUNCTIONS = (BaseAssignment.Function.DUTY_OFFICER, BaseAssignment.Function.CLA)


def _open_assignments(base_ids, functions) -> Q:
    today = timezone.localdate()
    return Q(
        base_assignments__base_id__in=base_ids,
        base_assignments__function__in=functions,
        base_assignments__starts_on__lte=today,
    ) & (Q(base_assignments__ends_on__isnull=True) | Q(base_assignments__ends_on__gte=today))


def alert_recipients(*, alert: Alert, level: int) -> list[User]:
    """Who hears of an alert at each level.

    0: the base's duty roster (duty officers and CLAs assigned to it today);
    1: the base commander (the parent COB's commander too, for a TOB);
    2: the sector: managers whose scope is the alert's territory;
    3: the provincial operations centre: managers whose scope is the alert's province.
    """
    users = User.objects.filter(is_active=True)
    if level == EscalationLevel.NONE:
        users = users.filter(_open_assignments([alert.base_id], ROSTER_FUNCTIONS))
    elif level == EscalationLevel.COMMANDER:
        base_ids = [alert.base_id] + ([alert.base.parent_id] if alert.base.parent_id else [])
        users = users.filter(_open_assignments(base_ids, [BaseAssignment.Function.COMMANDER]))
    elif level == EscalationLevel.SECTOR:
        users = users.filter(groups__name=Role.MANAGER, scopes__territory_id=alert.territory_id)
    else:
        province_id = alert.territory.province_id
        manager_ids = UserScope.objects.filter(province_id=province_id).values("user_id")
        users = users.filter(groups__name=Role.MANAGER, pk__in=manager_ids)
    return list(users.distinct().order_by("pk"))


def escalation_due_at(alert: Alert) -> datetime:
    """``alert_ack_minutes`` after receipt per level; a missed call not yet called back runs on the call-back
    clock when sooner: from ``callback_due_at`` (receipt, after 3 failed attempts), then per level."""
    ack = timedelta(minutes=alert.base.alert_ack_minutes)
    due = alert.received_at + ack * (alert.escalation_level + 1)
    if alert.status == AlertStatus.CALLBACK_NEEDED and alert.callback_due_at is not None:
        failed = alert.callback_failures >= MAX_CALLBACK_FAILURES
        due = min(due, (alert.received_at if failed else alert.callback_due_at) + ack * alert.escalation_level)
    return due


def notification_message(notification: Notification) -> str:
    """The SMS text: the alert's short id, base, category and place; never a name or number. A
    message sent again after an unconfirmed attempt begins by saying it may be a repeat."""
    alert = notification.alert
    with translation.override(notification.recipient.preferred_language or settings.LANGUAGE_CODE):
        locality = alert.locality if alert.locality_id else None
        place = locality.name if locality is not None else _("place not yet known")
        parts = [_("Possible repeat.")] if notification.possible_duplicate else []
        parts += [
            _("CAN alert %(id)s") % {"id": alert.short_id},
            f"{alert.base.name}: {alert.get_threat_category_display()}, {place}.",
        ]
        if alert.escalation_level:
            parts.append(_("Escalated: not acknowledged in time."))
        if alert.status == AlertStatus.CALLBACK_NEEDED:
            parts.append(_("Callback needed."))
        if alert_do_not_call_back(alert):
            parts.append(_("Do not call back."))
        parts.append(reverse("can:alert-detail", args=[alert.uid]))
        return " ".join(str(p) for p in parts)


def notification_free_q(now: datetime) -> Q:
    """Pending or failed with attempts left and its retry due (``next_attempt_at``), and held by
    no worker (or by one whose lease has passed)."""
    return (
        Q(status__in=[NotificationStatus.PENDING, NotificationStatus.FAILED], attempts__lt=MAX_SEND_ATTEMPTS)
        & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        & (Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
    )


def notification_unconfirmed_q(now: datetime) -> Q:
    """Held by a worker whose lease passed while it may have been handing them to the gateway."""
    return Q(status=NotificationStatus.SENDING, claimed_until__lt=now)


def alerts_overdue_ids(*, now: datetime | None = None) -> list[int]:
    """Unacknowledged alerts whose next escalation is due (the limit is per base)."""
    now = now or timezone.now()
    candidates = (
        Alert.objects.filter(
            status__in=UNACKNOWLEDGED_STATUSES,
            escalation_level__lt=EscalationLevel.PROVINCE,
            received_at__lte=now - timedelta(minutes=1),
        )
        .select_related("base")
        .only(*_ESCALATION_FIELDS, "base__alert_ack_minutes")
    )
    return [alert.pk for alert in candidates if escalation_due_at(alert) <= now]


def outstanding_work(
    *, grace: timedelta = timedelta(minutes=1), now: datetime | None = None
) -> tuple[list[int], list[int]]:
    """(alert ids never notified, older than ``grace``; notification ids to send: not yet sent,
    older than ``grace`` and held by no worker, or held by a worker whose lease has passed)."""
    now = now or timezone.now()
    cutoff = now - grace
    alert_ids = list(
        Alert.objects.filter(notified_at__isnull=True, created_at__lte=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    notification_ids = list(
        Notification.objects.filter(
            (Q(created_at__lte=cutoff) & notification_free_q(now)) | notification_unconfirmed_q(now)
        )
        .exclude(alert_id__in=alert_ids)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return alert_ids, notification_ids


# Per base and month figures, in a module of their own (they read ``alert_list`` above).
from .selectors_measures import _seconds, alert_measures  # noqa: E402, F401
