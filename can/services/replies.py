"""Replies to the community: who gets an SMS back, in which language, with which text; and the
opt-out keywords. Sending them is ``outbound``.

When a reply is planned:
- **received**: for a new SMS alert (never a repeat: a repeat creates no alert), planned by the
  notify task in the transaction that plans the duty roster's notifications
  (``notifications._plan_pending`` calls ``replies_plan_received`` for the whole batch). So the
  gateway's hot path pays nothing for replies: intake stays at its two statements, and the task
  adds three reads (the alerts' senders, the opt-outs among them, the texts) and one audited
  INSERT for a batch. A broker outage delays the reply with the notifications, and the sweep
  that queues the notify task again plans it then. Missed calls get none (they are call-backs);
  calls joined to one alert create nothing.
- **acknowledged** and **closed**: by ``alert_acknowledge`` and ``alert_close``, in their
  transaction, only to a focal point who agreed to hear back (``feedback_consent``).
- **opted_out**: the confirmation of an opt-out keyword, once per number
  (``reply_opt_out_confirmed_once``).

Who never gets one: a number in ``ContactOptOut``, a focal point marked ``do_not_contact``, a
focal point without ``feedback_consent``, and a sender with no valid phone number. An unknown
sender (anyone in a village) does get the receipt reply: nothing else. One reply per alert and kind
(``reply_once_per_alert_kind``).

A reply carries only the template's text, the alert's reference and the base's name: never the
alert's text, its responders or anyone's data (a phone can be seized). A template that is missing,
or that uses anything but ``{reference}`` and ``{base}``, never breaks intake: the seeded default
text is used instead.

Opt-out: an SMS whose whole text is STOP, ARRETE/ARRÊTE or ACHA (any case and accents, trailing
punctuation allowed) creates no alert. It marks the active focal point with that number
do-not-contact, records the number's hash in ``ContactOptOut`` and confirms once. Alerts from that
number are still received later, as every alert is: only the replies stop.
"""

from __future__ import annotations

import functools
import importlib
import logging
import re
import string
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cla.models import OperatingBase
from monusco import audit
from monusco.crypto import normalize_phone, phone_hash

from ..languages import guess_language
from ..models import (
    Alert,
    AlertChannel,
    ContactOptOut,
    FocalPoint,
    Reply,
    ReplyKind,
    ReplyTemplate,
    SenderLanguage,
    SmsChannel,
)
from ..parsing import clean_text
from ..queue import queue_reply

logger = logging.getLogger(__name__)


@functools.cache
def default_replies() -> Mapping[tuple[str, str], str]:
    """The texts a new installation was seeded with (frozen in the migration that created the
    table): the fallback when a template is missing or unusable. Read on first use."""
    return importlib.import_module("can.migrations.0007_callbacks_replies").DEFAULT_REPLIES


PLACEHOLDERS = frozenset({"reference", "base"})
# One SMS: 160 characters of the GSM alphabet. A character outside it (such as "ô" or "ê") turns
# the whole message into UCS-2, 70 characters a part: the gateway then sends two or three parts
# (the column holds 320). The check counts characters with the longest reference and base name
# seen in practice; it warns of the encoding instead of refusing French accents.
MAX_REPLY_CHARS = 160
_SAMPLE = {"reference": "A-12345", "base": "Kiwanja-Rutshuru"}

OPT_OUT_KEYWORDS = {"stop": "STOP", "arrete": "ARRETE", "acha": "ACHA"}
_KEYWORD_LANGUAGE = {"ACHA": SenderLanguage.SWAHILI}  # STOP and ARRETE: French


def opt_out_keyword(text: str) -> str:
    """The opt-out keyword this whole text is (``STOP``, ``ARRETE``, ``ACHA``), or ``""``."""
    text = clean_text(text or "")
    if len(text) > 40:
        return ""
    folded = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    word = re.sub(r"[\s.!?,;:]+$", "", folded.strip()).casefold()
    return OPT_OUT_KEYWORDS.get(word, "")


def template_problem(text: str) -> str:
    """What is wrong with a reply template's text, or ``""``: the one rule the admin form, and
    the rendering of every reply, apply."""
    try:
        fields = [
            (name, spec, conversion)
            for _lit, name, spec, conversion in string.Formatter().parse(text)
            if name is not None
        ]
    except ValueError:
        return _("Unbalanced braces: write placeholders as {reference} and {base}.")
    for name, spec, conversion in fields:
        if name not in PLACEHOLDERS or spec or conversion:
            return _("Only the placeholders {reference} and {base} may be used.")
    if len(text.format_map(_SAMPLE)) > MAX_REPLY_CHARS:
        return _("The text is too long for one SMS: at most {n} characters with the reference and base name.").replace(
            "{n}", str(MAX_REPLY_CHARS)
        )
    return ""


def reply_text_check(text: str) -> None:
    """``ValidationError`` when the text cannot be a reply template (see ``template_problem``)."""
    if problem := template_problem(text):
        raise ValidationError(problem, code="reply_template")


def _render(template: str | None, kind: str, language: str, values: dict[str, str]) -> str:
    """The text of one reply: the template, or the seeded default when the template is missing or
    does not pass the rule (a template edited outside the admin never breaks intake)."""
    if template and not template_problem(template):
        return template.format_map(values)
    if template:
        logger.warning("Reply text %s/%s is not usable; the default text is sent", kind, language)
    return default_replies()[(kind, language)].format_map(values)


def _templates(kind: str) -> dict[str, str]:
    return dict(ReplyTemplate.objects.filter(kind=kind).values_list("language", "text"))


def _opted_out(hashes: Iterable[str]) -> set[str]:
    hashes = {h for h in hashes if h}
    if not hashes:
        return set()
    return set(ContactOptOut.objects.filter(phone_hash__in=hashes).values_list("phone_hash", flat=True))


def _create(replies: list[Reply]) -> list[Reply]:
    """Insert the planned replies (audited, in the caller's transaction) and queue their sending
    once it commits."""
    created = audit.audited_bulk_create(replies, savepoint=False)
    for reply in created:
        queue_reply(reply.pk)
    return created


def _wants_receipt(row: dict) -> bool:
    """A valid number, and an unknown sender or a focal point who agreed and is not do-not-contact."""
    if not normalize_phone(row["sender_number"]):
        return False
    if row["focal_point_id"] is None:
        return True
    return bool(row["focal_point__feedback_consent"]) and not row["focal_point__do_not_contact"]


def _may_hear_back(rows: list[dict]) -> list[dict]:
    """The rows whose sender may get the receipt reply: ``_wants_receipt`` and not opted out."""
    rows = [row for row in rows if _wants_receipt(row)]
    if not rows:
        return []
    blocked = _opted_out(row["sender_hash"] for row in rows)
    return [row for row in rows if row["sender_hash"] not in blocked]


def replies_plan_received(*, alerts: Iterable[Alert]) -> list[Reply]:
    """Plan the receipt reply of each new SMS alert among these (the caller, the notify task,
    holds their row locks and plans them once: their ``notified_at`` was not set). Alerts that
    cannot have one (not an SMS, no sender) cost no query. None with ``CAN_REPLIES_ENABLED`` off."""
    if not settings.CAN_REPLIES_ENABLED:
        return []
    alert_ids = [a.pk for a in alerts if a.channel == AlertChannel.SMS and a.sender_hash and a.sms_channel_id]
    if not alert_ids:
        return []
    rows = list(
        Alert.objects.filter(pk__in=alert_ids)
        .exclude(sender_hash="")
        .exclude(replies__kind=ReplyKind.RECEIVED)
        .values(
            "pk",
            "sender_number",
            "sender_hash",
            "raw_text",
            "sms_channel_id",
            "base__name",
            "focal_point_id",
            "focal_point__language",
            "focal_point__feedback_consent",
            "focal_point__do_not_contact",
        )
    )
    wanted = _may_hear_back([dict(row) for row in rows])
    if not wanted:
        return []
    templates = _templates(ReplyKind.RECEIVED)
    planned = []
    for row in wanted:
        language = row["focal_point__language"] or guess_language(row["raw_text"])
        values = {"reference": f"A-{row['pk']:04d}", "base": row["base__name"]}
        planned.append(
            Reply(
                alert_id=row["pk"],
                kind=ReplyKind.RECEIVED,
                sms_channel_id=row["sms_channel_id"],
                to_number=row["sender_number"],
                to_hash=row["sender_hash"],
                language=language,
                text=_render(templates.get(language), ReplyKind.RECEIVED, language, values),
            )
        )
    return _create(planned)


def _status_channel_id(alert: Alert) -> int | None:
    """The gateway a status reply leaves by: the alert's own, else the base's first active one."""
    if alert.sms_channel_id:
        return alert.sms_channel_id
    return (
        SmsChannel.objects.filter(base_id=alert.base_id, is_active=True)
        .order_by("pk")
        .values_list("pk", flat=True)
        .first()
    )


def _status_recipient(alert: Alert, kind: str) -> tuple[FocalPoint, str, str] | None:
    """(the focal point, their number, its hash) when this status reply is theirs to get: they
    agreed, are not do-not-contact, have a valid number that did not opt out, and have not had it."""
    focal_point = (
        FocalPoint.objects.filter(pk=alert.focal_point_id or 0)
        .only("pk", "phone", "phone_hash", "language", "feedback_consent", "do_not_contact")
        .first()
    )
    if focal_point is None or not focal_point.feedback_consent or focal_point.do_not_contact:
        return None
    number = normalize_phone(alert.sender_number or focal_point.phone)
    number_hash = phone_hash(number) if number else ""
    if not number or _opted_out([number_hash]) or Reply.objects.filter(alert=alert, kind=kind).exists():
        return None
    return focal_point, number, number_hash


def reply_plan_status(*, alert: Alert, kind: str) -> Reply | None:
    """Plan the acknowledged or closed reply of this alert (the caller holds its row lock, in the
    step's transaction): only to its focal point, if they agreed to hear back and are not
    do-not-contact, and their number has not opted out."""
    assert kind in (ReplyKind.ACKNOWLEDGED, ReplyKind.CLOSED)
    if not alert.focal_point_id or not settings.CAN_REPLIES_ENABLED:
        return None
    reached = _status_recipient(alert, kind)
    if reached is None:
        return None
    focal_point, number, number_hash = reached
    channel_id = _status_channel_id(alert)
    if channel_id is None:
        return None
    language = focal_point.language or guess_language(alert.raw_text)
    base_name = OperatingBase.objects.filter(pk=alert.base_id).values_list("name", flat=True).get()
    text = _render(_templates(kind).get(language), kind, language, {"reference": alert.reference, "base": base_name})
    return _create(
        [
            Reply(
                alert=alert,
                kind=kind,
                sms_channel_id=channel_id,
                to_number=number,
                to_hash=number_hash,
                language=language,
                text=text,
            )
        ]
    )[0]


@dataclass(frozen=True)
class OptOut:
    """What an opt-out keyword did: the keyword, whether a focal point was marked do-not-contact,
    and whether the confirmation was planned now (False for a second STOP)."""

    keyword: str
    focal_point_marked: bool
    confirmed: bool


@transaction.atomic
def contact_opt_out(*, channel: SmsChannel, sender: str, keyword: str, now: datetime | None = None) -> OptOut:
    """Record an opt-out keyword from ``sender``: mark the active focal point with that number
    do-not-contact, keep the number's hash in ``ContactOptOut``, and confirm once. A sender with no
    valid number changes nothing (there is no one to mark or answer)."""
    now = now or timezone.now()
    number = normalize_phone(clean_text(sender or "")[:64])
    if not number:
        return OptOut(keyword=keyword, focal_point_marked=False, confirmed=False)
    number_hash = phone_hash(number)
    focal_point = (
        FocalPoint.objects.filter(phone_hash=number_hash, is_active=True)
        .only("pk", "code", "language", "do_not_contact")
        .first()
    )
    marked = False
    if focal_point is not None and not focal_point.do_not_contact:
        marked = bool(
            audit.audited_update(
                FocalPoint.objects.filter(pk=focal_point.pk, do_not_contact=False),
                do_not_contact=True,
                do_not_contact_at=now,
                updated_at=now,
            )
        )
    if not ContactOptOut.objects.filter(phone_hash=number_hash).exists():
        try:
            with transaction.atomic():
                ContactOptOut(phone_hash=number_hash, at=now, keyword=keyword).save()
        except IntegrityError:
            pass  # a second STOP at the same moment: already recorded
    confirmed = False
    if not Reply.objects.filter(kind=ReplyKind.OPTED_OUT, to_hash=number_hash).exists():
        language = (focal_point.language if focal_point else "") or _KEYWORD_LANGUAGE.get(
            keyword, SenderLanguage.FRENCH
        )
        values = {"reference": "", "base": channel.base.name}
        text = _render(_templates(ReplyKind.OPTED_OUT).get(language), ReplyKind.OPTED_OUT, language, values)
        reply = Reply(
            kind=ReplyKind.OPTED_OUT,
            sms_channel=channel,
            to_number=number,
            to_hash=number_hash,
            language=language,
            text=text,
        )
        try:
            with transaction.atomic():
                _create([reply])
            confirmed = True
        except IntegrityError:
            pass  # confirmed by a concurrent STOP
    return OptOut(keyword=keyword, focal_point_marked=marked, confirmed=confirmed)
