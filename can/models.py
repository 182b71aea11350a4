"""Community Alert Network: focal points, SMS channels, alerts and their lifecycle, notifications.

Protected data (focal point name and phone, alert sender number) is encrypted at rest; a keyed hash
beside each phone column lets a number be matched without decrypting anything.
"""

from datetime import UTC, date, datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cla.models import OperatingBase
from gender.models import Report
from monusco.choices import Sex, ThreatCategory
from monusco.fields import EncryptedTextField
from monusco.map_positions import PositionFields, position_constraints
from monusco.models import BaseModel, Locality, Territory


def _values(choices) -> list[str]:
    return [c.value for c in choices]


class CommunityRole(models.TextChoices):
    CHIEF = "chief", _("Chief (village, neighbourhood or groupement)")
    DISPLACED = "displaced", _("Displaced people's representative")
    CIVIL_SOCIETY = "civil_society", _("Civil society member")
    WOMEN = "women", _("Women's representative")
    YOUTH = "youth", _("Youth representative")
    RELIGIOUS = "religious", _("Religious leader")
    OTHER = "other", _("Other")


class SenderLanguage(models.TextChoices):
    """The languages a reply to the community is written in."""

    FRENCH = "fr", _("French")
    SWAHILI = "sw", _("Swahili")


class FocalPoint(BaseModel):
    """A community member who raises alerts. Known everywhere by ``code``; name and phone are
    shown only to users of the focal point's base who hold ``can.view_focalpoint_identity``."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = EncryptedTextField(_("name"))
    phone = EncryptedTextField(_("phone"), blank=True)
    phone_hash = models.CharField(_("phone hash"), max_length=64, blank=True, db_index=True, editable=False)
    base = models.ForeignKey(
        OperatingBase, on_delete=models.PROTECT, related_name="focal_points", verbose_name=_("base")
    )
    locality = models.ForeignKey(
        Locality, on_delete=models.PROTECT, related_name="focal_points", verbose_name=_("locality")
    )
    community_role = models.CharField(_("role in the community"), max_length=20, choices=CommunityRole)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, default=Sex.UNKNOWN)
    consent_on = models.DateField(_("consent given on"))
    is_active = models.BooleanField(_("active"), default=True)
    do_not_call_back = models.BooleanField(_("do not call back"), default=False)
    # Replies to the community (can.services.replies): the language of the replies (guessed from
    # the text when blank), whether the focal point agreed to hear how their alerts go, and
    # do-not-contact (set by an opt-out keyword or by staff): no SMS at all is ever sent to them.
    language = models.CharField(_("language of replies"), max_length=2, choices=SenderLanguage, blank=True)
    feedback_consent = models.BooleanField(
        _("agrees to hear back"),
        default=False,
        help_text=_("The focal point agreed to receive an SMS when their alert is received, acknowledged and closed."),
    )
    do_not_contact = models.BooleanField(
        _("do not contact"), default=False, help_text=_("No SMS is ever sent to this focal point.")
    )
    do_not_contact_at = models.DateTimeField(_("do not contact since"), null=True, blank=True)
    deactivated_at = models.DateTimeField(_("deactivated"), null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("focal point")
        verbose_name_plural = _("focal points")
        permissions = [("view_focalpoint_identity", _("Can see focal point names and phone numbers"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(community_role__in=_values(CommunityRole)), name="focalpoint_role_valid"
            ),
            models.CheckConstraint(condition=Q(sex__in=_values(Sex)), name="focalpoint_sex_valid"),
            models.CheckConstraint(
                condition=Q(language__in=["", *_values(SenderLanguage)]), name="focalpoint_language_valid"
            ),
            models.CheckConstraint(
                condition=Q(is_active=True, deactivated_at__isnull=True)
                | Q(is_active=False, deactivated_at__isnull=False),
                name="focalpoint_deactivation_dated",
            ),
            models.UniqueConstraint(
                fields=["phone_hash"],
                condition=Q(is_active=True) & ~Q(phone_hash=""),
                name="focalpoint_unique_active_phone",
            ),
        ]
        indexes = [models.Index(fields=["base", "code"], name="focalpoint_active_idx", condition=Q(is_active=True))]

    def __str__(self) -> str:
        return self.code

    @property
    def audit_repr(self) -> str:
        return self.code


class SmsChannel(BaseModel):
    """An SMS gateway (RapidPro Courier "External" shape) delivering to one base. The gateway
    authenticates with a secret token; only its SHA-256 is stored."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    base = models.ForeignKey(
        OperatingBase, on_delete=models.PROTECT, related_name="sms_channels", verbose_name=_("base")
    )
    token_hash = models.CharField(_("token hash"), max_length=64, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    max_per_second = models.PositiveSmallIntegerField(
        _("messages per second"),
        default=5,
        help_text=_("The most SMS this channel's gateway takes per second; replies beyond it wait."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("SMS channel")
        verbose_name_plural = _("SMS channels")
        constraints = [
            models.CheckConstraint(condition=Q(max_per_second__gte=1), name="smschannel_rate_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class AlertChannel(models.TextChoices):
    SMS = "sms", _("SMS")
    MISSED_CALL = "missed_call", _("Missed call")
    PHONE_CALL = "phone_call", _("Phone call")
    RADIO = "radio", _("Radio")
    IN_PERSON = "in_person", _("In person")
    WEB = "web", _("Web")
    API = "api", _("API")


class AlertStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    CALLBACK_NEEDED = "callback_needed", _("Callback needed")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    VERIFIED = "verified", _("Verified")
    RESPONSE_DISPATCHED = "response_dispatched", _("Response dispatched")
    CLOSED = "closed", _("Closed")


OPEN_STATUSES = [
    AlertStatus.RECEIVED,
    AlertStatus.CALLBACK_NEEDED,
    AlertStatus.ACKNOWLEDGED,
    AlertStatus.VERIFIED,
    AlertStatus.RESPONSE_DISPATCHED,
]
UNACKNOWLEDGED_STATUSES = [AlertStatus.RECEIVED, AlertStatus.CALLBACK_NEEDED]


class ResponseType(models.TextChoices):
    PATROL = "patrol", _("Patrol")
    ESCORT = "escort", _("Escort")
    PRESENCE = "presence", _("Presence")
    REFERRED = "referred", _("Referred to FARDC/PNC")


class Outcome(models.TextChoices):
    ADDRESSED = "addressed", _("Addressed")
    FALSE_ALARM = "false_alarm", _("False alarm")
    NO_RESPONSE_POSSIBLE = "no_response_possible", _("No response possible")


# The dates an alert may hold, kept by check constraints: every date outside input can set lies in
# this range, so no stored row is one that Python or a page cannot read back (PostgreSQL itself
# would take years from 4713 BC to 294276 AD, and "infinity"). Intake keeps a tighter window.
DATES_FROM = datetime(2000, 1, 1, tzinfo=UTC)
RECEIVED_TOO_EARLY = _("The alert cannot be received before 2000.")  # the form, the API and the service
DATES_BEFORE = datetime(2100, 1, 1, tzinfo=UTC)
DAYS_FROM, LAST_DAY = date(2000, 1, 1), date(2100, 1, 1)  # received_on: the local date of received_at

# The longest SMS text kept: far beyond any real message (phones send a long SMS as at most about
# ten parts of 153 characters). A longer text keeps its first characters and flags the alert.
MAX_SMS_TEXT = 10_000


class EscalationLevel(models.IntegerChoices):
    NONE = 0, _("Not escalated")
    COMMANDER = 1, _("Base commander")
    SECTOR = 2, _("Sector")
    PROVINCE = 3, _("Provincial operations centre")


class Alert(BaseModel, Report, PositionFields):
    """An alert from a community. The sex/age fields count the people at risk.

    ``idempotency_key`` makes every inbound delivery land once: the gateway message id per channel,
    the client UUID of a form, or the sender-and-text (or missed-call) hash within a window.
    ``territory`` is the alert's area for scope and dashboards: the locality's territory once it
    is known, the base's territory until then.

    The people who acted on an alert are not indexed: nothing looks alerts up by them, and every
    index is paid on each alert received and each step (users are deactivated, not deleted).
    """

    idempotency_key = models.CharField(_("idempotency key"), max_length=200)
    channel = models.CharField(_("channel"), max_length=12, choices=AlertChannel)
    sms_channel = models.ForeignKey(
        SmsChannel,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="alerts",
        verbose_name=_("SMS channel"),
    )
    focal_point = models.ForeignKey(
        FocalPoint,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="alerts",
        verbose_name=_("focal point"),
    )
    sender_number = EncryptedTextField(_("sender number"), blank=True)
    sender_hash = models.CharField(_("sender hash"), max_length=64, blank=True, editable=False)
    content_hash = models.CharField(_("content hash"), max_length=64, blank=True, editable=False)
    base = models.ForeignKey(
        OperatingBase,
        on_delete=models.PROTECT,
        related_name="alerts",
        verbose_name=_("base"),
        db_index=False,  # alert_base_date_idx (base, received_on) serves every lookup by base
    )
    locality = models.ForeignKey(
        Locality, null=True, blank=True, on_delete=models.PROTECT, related_name="alerts", verbose_name=_("locality")
    )
    territory = models.ForeignKey(
        Territory, on_delete=models.PROTECT, related_name="alerts", verbose_name=_("territory"), editable=False
    )
    threat_category = models.CharField(
        _("threat category"), max_length=20, choices=ThreatCategory.choices, default=ThreatCategory.OTHER
    )
    description = models.TextField(_("description"), blank=True)
    raw_text = models.TextField(_("message as received"), blank=True, editable=False)
    needs_triage = models.BooleanField(_("needs triage"), default=False)
    missed_calls = models.PositiveIntegerField(_("missed calls"), default=0)

    status = models.CharField(_("status"), max_length=20, choices=AlertStatus, default=AlertStatus.RECEIVED)
    received_at = models.DateTimeField(_("received"))
    sent_at = models.DateTimeField(_("sent by the sender"), null=True, blank=True)
    sent_at_ignored = models.BooleanField(
        _("gateway date ignored"),
        default=False,
        editable=False,
        help_text=_("The gateway gave a date that could not be used; the time of receipt is used."),
    )
    sent_at_as_received = models.CharField(
        _("gateway date as received"),
        max_length=64,
        blank=True,
        editable=False,
        help_text=_("The date the gateway gave, kept as text when it could not be used."),
    )
    text_truncated = models.BooleanField(
        _("text cut"),
        default=False,
        editable=False,
        help_text=_("The SMS was longer than the longest text kept; its beginning is kept."),
    )
    received_on = models.DateField(_("date"))
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("logged by"),
        db_index=False,
    )
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("acknowledged by"),
        db_index=False,
    )
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("verified by"),
        db_index=False,
    )
    verification_note = models.TextField(_("verification"), blank=True)
    response_at = models.DateTimeField(_("response dispatched"), null=True, blank=True)
    response_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("response dispatched by"),
        db_index=False,
    )
    response_type = models.CharField(_("response"), max_length=10, choices=ResponseType, blank=True)
    response_note = models.TextField(_("response details"), blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("closed by"),
        db_index=False,
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome, blank=True)
    closing_note = models.TextField(_("closing note"), blank=True)
    escalation_level = models.PositiveSmallIntegerField(
        _("escalation level"), choices=EscalationLevel, default=EscalationLevel.NONE
    )
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    notified_at = models.DateTimeField(_("duty roster notified"), null=True, blank=True)
    # A missed call is a call-back task (can.services.callbacks): due by ``callback_due_at`` (the
    # base's ``callback_minutes`` after receipt); ``callback_failures`` counts the attempts that
    # did not reach the caller; ``called_back_at`` is when a CLA reached them.
    callback_due_at = models.DateTimeField(_("call back by"), null=True, blank=True)
    callback_failures = models.PositiveSmallIntegerField(_("failed call-back attempts"), default=0)
    called_back_at = models.DateTimeField(_("called back"), null=True, blank=True)
    called_back_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("called back by"),
        db_index=False,
    )

    class Meta:
        ordering = ["-received_at"]
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        constraints = Report.Meta.constraints + [
            models.UniqueConstraint(fields=["idempotency_key"], name="alert_unique_idempotency_key"),
            models.CheckConstraint(condition=Q(channel__in=_values(AlertChannel)), name="alert_channel_valid"),
            models.CheckConstraint(condition=Q(status__in=_values(AlertStatus)), name="alert_status_valid"),
            models.CheckConstraint(condition=Q(threat_category__in=_values(ThreatCategory)), name="alert_threat_valid"),
            models.CheckConstraint(
                condition=Q(response_type__in=["", *_values(ResponseType)]), name="alert_response_type_valid"
            ),
            models.CheckConstraint(condition=Q(outcome__in=["", *_values(Outcome)]), name="alert_outcome_valid"),
            models.CheckConstraint(
                condition=Q(escalation_level__in=_values(EscalationLevel)), name="alert_escalation_level_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | (~Q(outcome="") & Q(closed_at__isnull=False)),
                name="alert_closed_has_outcome",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["received", "callback_needed"]) | Q(acknowledged_at__isnull=False),
                name="alert_acknowledged_dated",
            ),
            models.CheckConstraint(
                condition=Q(sent_at__isnull=True) | Q(sent_at__gte=DATES_FROM, sent_at__lt=DATES_BEFORE),
                name="alert_sent_at_in_range",
            ),
            models.CheckConstraint(
                condition=Q(received_at__gte=DATES_FROM, received_at__lt=DATES_BEFORE),
                name="alert_received_at_in_range",
            ),
            models.CheckConstraint(
                condition=Q(received_on__gte=DAYS_FROM, received_on__lte=LAST_DAY), name="alert_received_on_in_range"
            ),
            *position_constraints("alert"),
        ]
        indexes = [
            models.Index(
                fields=["base", "received_at"],
                name="alert_open_by_base_idx",
                condition=~Q(status="closed"),
            ),
            models.Index(
                fields=["received_at"],
                name="alert_unacknowledged_idx",
                condition=Q(status__in=["received", "callback_needed"]),
            ),
            models.Index(
                fields=["received_at"],
                name="alert_not_notified_idx",
                condition=Q(notified_at__isnull=True),
            ),
            models.Index(fields=["content_hash", "received_at"], name="alert_content_recent_idx"),
            models.Index(fields=["base", "received_on"], name="alert_base_date_idx"),
            models.Index(
                fields=["base", "callback_due_at"],
                name="alert_callback_open_idx",
                condition=Q(status="callback_needed"),
            ),
        ]

    def __str__(self) -> str:
        return f"{_('Alert')} {str(self.uid)[:8]}"

    @property
    def audit_repr(self) -> str:
        return f"alert {self.uid}"

    @property
    def is_open(self) -> bool:
        return self.status != AlertStatus.CLOSED

    @property
    def short_id(self) -> str:
        return str(self.uid)[:8]

    @property
    def reference(self) -> str:
        """The reference a sender is given (``A-0123``): short enough to read out on a call."""
        return f"A-{self.pk:04d}"


class EventKind(models.TextChoices):
    RECEIVED = "received", _("Received")
    REPEATED = "repeated", _("Repeated delivery")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    VERIFIED = "verified", _("Verified")
    RESPONSE_DISPATCHED = "response_dispatched", _("Response dispatched")
    CLOSED = "closed", _("Closed")
    ESCALATED = "escalated", _("Escalated")
    NOTIFIED = "notified", _("Notified")
    CORRECTED = "corrected", _("Corrected after review")
    CALLBACK_ATTEMPT = "callback_attempt", _("Call-back attempt")
    CALLED_BACK = "called_back", _("Called back")
    REPLY_SENT = "reply_sent", _("Reply sent to the sender")
    REPLY_FAILED = "reply_failed", _("Reply to the sender failed")


class AlertEvent(BaseModel):
    """One step in an alert's history: who did what, when."""

    Kind = EventKind

    # alertevent_alert_at_idx (alert, at) serves lookups by alert; nothing looks events up by actor.
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="events", db_index=False)
    kind = models.CharField(_("event"), max_length=20, choices=EventKind)
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("by"),
        db_index=False,
    )
    from_status = models.CharField(_("from"), max_length=20, blank=True)
    to_status = models.CharField(_("to"), max_length=20, blank=True)
    note = models.TextField(_("note"), blank=True)
    escalation_level = models.PositiveSmallIntegerField(
        _("escalated to"), choices=EscalationLevel, null=True, blank=True
    )

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("alert event")
        verbose_name_plural = _("alert events")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=_values(EventKind)), name="alertevent_kind_valid"),
            models.CheckConstraint(
                condition=Q(escalation_level__isnull=True) | Q(escalation_level__in=_values(EscalationLevel)),
                name="alertevent_escalation_level_valid",
            ),
            models.CheckConstraint(condition=Q(at__gte=DATES_FROM, at__lt=DATES_BEFORE), name="alertevent_at_in_range"),
        ]
        indexes = [models.Index(fields=["alert", "at"], name="alertevent_alert_at_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


class StaffPhone(BaseModel):
    """The phone a staff member receives alert SMS on (encrypted; never logged)."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_phone")
    phone = EncryptedTextField(_("phone"))

    class Meta:
        verbose_name = _("staff phone")
        verbose_name_plural = _("staff phones")

    def __str__(self) -> str:
        return f"{_('phone of')} {self.user}"

    @property
    def audit_repr(self) -> str:
        return f"staff phone {self.user_id}"


class CallbackResult(models.TextChoices):
    REACHED = "reached", _("Reached")
    NO_ANSWER = "no_answer", _("No answer")
    WRONG_NUMBER = "wrong_number", _("Wrong number")


class CallbackAttempt(BaseModel):
    """One try by a CLA to call back the sender of a missed call."""

    Result = CallbackResult

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="callback_attempts", db_index=False)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"), db_index=False
    )
    at = models.DateTimeField(_("at"))
    result = models.CharField(_("result"), max_length=12, choices=CallbackResult)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("call-back attempt")
        verbose_name_plural = _("call-back attempts")
        constraints = [
            models.CheckConstraint(
                condition=Q(result__in=_values(CallbackResult)), name="callbackattempt_result_valid"
            ),
            models.CheckConstraint(
                condition=Q(at__gte=DATES_FROM, at__lt=DATES_BEFORE), name="callbackattempt_at_in_range"
            ),
        ]
        indexes = [models.Index(fields=["alert", "at"], name="callbackattempt_alert_at_idx")]

    def __str__(self) -> str:
        return f"{self.get_result_display()} {self.at:%Y-%m-%d %H:%M}"


class ContactOptOut(BaseModel):
    """A number that asked for no more SMS (an opt-out keyword). Only its keyed hash is kept:
    matching it needs no decryption, and the list names no one."""

    phone_hash = models.CharField(_("phone hash"), max_length=64, unique=True, editable=False)
    at = models.DateTimeField(_("at"))
    keyword = models.CharField(_("keyword"), max_length=20, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("opt-out")
        verbose_name_plural = _("opt-outs")

    def __str__(self) -> str:
        return f"{_('opt-out')} {self.at:%Y-%m-%d}"


class ReplyKind(models.TextChoices):
    RECEIVED = "received", _("Alert received")
    ACKNOWLEDGED = "acknowledged", _("Alert acknowledged")
    CLOSED = "closed", _("Alert closed")
    OPTED_OUT = "opted_out", _("Opt-out confirmed")


class ReplyTemplate(BaseModel):
    """The text of one kind of reply in one language, editable in the admin. Placeholders:
    ``{reference}`` (the alert's reference, such as A-0123) and ``{base}`` (the base's name)."""

    Kind = ReplyKind

    kind = models.CharField(_("kind"), max_length=12, choices=ReplyKind)
    language = models.CharField(_("language"), max_length=2, choices=SenderLanguage)
    text = models.CharField(_("text"), max_length=320)

    class Meta:
        ordering = ["kind", "language"]
        verbose_name = _("reply text")
        verbose_name_plural = _("reply texts")
        constraints = [
            models.UniqueConstraint(fields=["kind", "language"], name="replytemplate_one_per_kind_language"),
            models.CheckConstraint(condition=Q(kind__in=_values(ReplyKind)), name="replytemplate_kind_valid"),
            models.CheckConstraint(
                condition=Q(language__in=_values(SenderLanguage)), name="replytemplate_language_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.language})"


class OutboundStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class ReceiptStatus(models.TextChoices):
    """What a gateway's delivery receipt says (Courier's status shape)."""

    QUEUED = "queued", _("Queued by the gateway")
    SENT = "sent", _("Sent by the gateway")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Not delivered")


class Reply(BaseModel):
    """One SMS to the community: the reply to an alert's sender, or the confirmation of an
    opt-out. Never carries the alert's details or anyone's data. At most one per alert and kind,
    and one opt-out confirmation per number.

    Sent through ``sms_channel``'s gateway with ``uid`` as the reference, retried at 1, 5 and 15
    minutes (``next_attempt_at``), then failed and shown to the base. ``receipt_status`` is the
    gateway's last delivery receipt."""

    Kind = ReplyKind
    Status = OutboundStatus

    alert = models.ForeignKey(
        Alert, null=True, blank=True, on_delete=models.CASCADE, related_name="replies", db_index=False
    )
    kind = models.CharField(_("kind"), max_length=12, choices=ReplyKind)
    sms_channel = models.ForeignKey(
        SmsChannel, on_delete=models.PROTECT, related_name="replies", verbose_name=_("SMS channel"), db_index=False
    )
    to_number = EncryptedTextField(_("to"))
    to_hash = models.CharField(_("to (hash)"), max_length=64, editable=False)
    language = models.CharField(_("language"), max_length=2, choices=SenderLanguage)
    text = models.CharField(_("text"), max_length=320)
    status = models.CharField(_("status"), max_length=9, choices=OutboundStatus, default=OutboundStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    error = models.CharField(_("last error"), max_length=200, blank=True)
    receipt_status = models.CharField(_("delivery receipt"), max_length=9, choices=ReceiptStatus, blank=True)
    receipt_at = models.DateTimeField(_("receipt received"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("reply")
        verbose_name_plural = _("replies")
        constraints = [
            models.UniqueConstraint(
                fields=["alert", "kind"], condition=Q(alert__isnull=False), name="reply_once_per_alert_kind"
            ),
            models.UniqueConstraint(
                fields=["to_hash"], condition=Q(kind="opted_out"), name="reply_opt_out_confirmed_once"
            ),
            models.CheckConstraint(condition=Q(kind__in=_values(ReplyKind)), name="reply_kind_valid"),
            models.CheckConstraint(condition=Q(language__in=_values(SenderLanguage)), name="reply_language_valid"),
            models.CheckConstraint(condition=Q(status__in=_values(OutboundStatus)), name="reply_status_valid"),
            models.CheckConstraint(
                condition=Q(receipt_status__in=["", *_values(ReceiptStatus)]), name="reply_receipt_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["sent", "delivered"]) | Q(sent_at__isnull=False), name="reply_sent_dated"
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="reply_outstanding_idx",
                condition=Q(status__in=["pending", "failed"]),
            ),
            models.Index(fields=["claimed_until"], name="reply_sending_idx", condition=Q(status="sending")),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {str(self.uid)[:8]}"

    @property
    def audit_repr(self) -> str:
        return f"reply {self.uid}"


class NotificationChannel(models.TextChoices):
    IN_APP = "in_app", _("In the app")
    SMS = "sms", _("SMS")


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Notification(BaseModel):
    """One message about one alert to one person on one channel: sent at most once.

    States: pending (certainly not sent; a worker may hold it until ``claimed_until``), sending (a
    worker holds it until ``claimed_until`` and may have handed it to the gateway), sent, failed
    (retried while attempts remain). A message that may have gone out unconfirmed is sent again at
    most once, marked ``possible_duplicate`` (can/services.py, "Claims are leases")."""

    Channel = NotificationChannel
    Status = NotificationStatus

    # notification_once_per_recipient (alert, recipient, channel) serves lookups by alert.
    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="notifications", db_index=False)
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="alert_notifications"
    )
    channel = models.CharField(_("channel"), max_length=6, choices=NotificationChannel)
    level = models.PositiveSmallIntegerField(_("escalation level"), choices=EscalationLevel, default=0)
    status = models.CharField(_("status"), max_length=8, choices=NotificationStatus, default=NotificationStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    error = models.CharField(_("last error"), max_length=200, blank=True)
    # A worker's claim is a lease: it holds the notification until then, and once it has passed
    # the sweep takes the notification back (a worker that died holds nothing for long).
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True, editable=False)
    # The message may already have reached the gateway once unconfirmed: it is sent again at most
    # once, and that text says it may be a repeat.
    possible_duplicate = models.BooleanField(_("possible repeat"), default=False, editable=False)
    # A failed SMS is tried again no sooner than this (backoff: can.services.outbound).
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    receipt_status = models.CharField(_("delivery receipt"), max_length=9, choices=ReceiptStatus, blank=True)
    receipt_at = models.DateTimeField(_("receipt received"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(fields=["alert", "recipient", "channel"], name="notification_once_per_recipient"),
            models.CheckConstraint(
                condition=Q(channel__in=_values(NotificationChannel)), name="notification_channel_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=_values(NotificationStatus)), name="notification_status_valid"
            ),
            models.CheckConstraint(condition=Q(level__in=_values(EscalationLevel)), name="notification_level_valid"),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False), name="notification_sent_dated"
            ),
            models.CheckConstraint(
                condition=Q(receipt_status__in=["", *_values(ReceiptStatus)]), name="notification_receipt_valid"
            ),
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                name="notification_outstanding_idx",
                condition=Q(status__in=["pending", "failed"]),
            ),
            models.Index(fields=["claimed_until"], name="notification_sending_idx", condition=Q(status="sending")),
            models.Index(
                fields=["recipient", "-created_at"], name="notification_inbox_idx", condition=Q(channel="in_app")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} – {self.alert}"
