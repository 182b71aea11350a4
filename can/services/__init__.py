"""Writes for the Community Alert Network, one module per job: ``focal_points``, ``channels``,
``intake``, ``lifecycle``, ``callbacks``, ``notifications`` (with ``_leases``, how a notification
is claimed and held), ``replies`` (who hears back from the network) and ``outbound`` (sending them,
with retries and the channel's throttle) and ``receipts`` (the gateways' delivery receipts). The
reads they rely on (who hears of an alert, the SMS text, what is due) are
``can.selectors``. The public names are re-exported here: ``from can import services`` is the way in.

Rules that keep alerts from getting lost:
- an alert is written before anything is queued; tasks are queued with ``transaction.on_commit``
  and a broker failure is logged, never raised (the periodic sweep queues the work again);
- every inbound delivery carries an idempotency key, so a repeat is the same alert;
- each lifecycle step locks the alert row and re-reads its state. Every row lock is taken in
  ``can/locks.py``: ``FOR NO KEY UPDATE OF`` the row only, since a plain ``FOR UPDATE`` over a join
  would also lock the base row, and every intake commit (its foreign-key check on the base) would
  queue behind it;
- a notification is claimed with one conditional UPDATE before it is sent, so it goes out at most
  once per alert, recipient and channel; the claim is a lease, so a worker that dies holds nothing
  for long (see ``_leases``);
- every write goes through a model save, ``monusco.audit.audited_update`` /
  ``audited_bulk_create``, or ``monusco.db.insert_together`` with its audit rows.
"""

from ..selectors import MAX_SEND_ATTEMPTS
from ._leases import PROGRESS_SECONDS, UNCONFIRMED_TWICE
from .callbacks import callback_attempt, callback_check
from .channels import (
    CHANNEL_CACHE_SECONDS,
    sms_channel_cache_clear,
    sms_channel_check_token,
    sms_channel_create,
    sms_channel_for_intake,
)
from .focal_points import (
    focalpoint_check,
    focalpoint_create,
    focalpoint_deactivate,
    focalpoint_move,
    focalpoint_update,
)
from .intake import (
    DUPLICATE_WINDOW,
    FORM_CHANNELS,
    MAX_SENDER,
    alert_create,
    alert_receive_missed_call,
    alert_receive_sms,
    sms_receive,
)
from .lifecycle import (
    CORRECTABLE_FIELDS,
    UPDATABLE_FIELDS,
    alert_acknowledge,
    alert_close,
    alert_close_check,
    alert_correct,
    alert_dispatch_response,
    alert_update,
    alert_update_check,
    alert_verify,
)
from .notifications import (
    NOTIFY_BATCH,
    NOTIFY_FIELDS,
    alert_escalate,
    alert_notify,
    notification_mark_read,
    notification_send,
    notifications_deliver_in_app,
)
from .outbound import reply_send
from .receipts import RECEIPT_RANK, message_receipt_record
from .replies import (
    OPT_OUT_KEYWORDS,
    OptOut,
    contact_opt_out,
    guess_language,
    opt_out_keyword,
    replies_plan_received,
    reply_plan_status,
    reply_text_check,
    template_problem,
)

__all__ = [
    "CHANNEL_CACHE_SECONDS",
    "CORRECTABLE_FIELDS",
    "DUPLICATE_WINDOW",
    "FORM_CHANNELS",
    "MAX_SENDER",
    "MAX_SEND_ATTEMPTS",
    "NOTIFY_BATCH",
    "NOTIFY_FIELDS",
    "OPT_OUT_KEYWORDS",
    "OptOut",
    "PROGRESS_SECONDS",
    "RECEIPT_RANK",
    "UNCONFIRMED_TWICE",
    "UPDATABLE_FIELDS",
    "alert_acknowledge",
    "alert_close",
    "alert_close_check",
    "alert_correct",
    "alert_create",
    "alert_dispatch_response",
    "alert_escalate",
    "alert_notify",
    "alert_receive_missed_call",
    "alert_receive_sms",
    "alert_update",
    "alert_update_check",
    "alert_verify",
    "callback_attempt",
    "callback_check",
    "contact_opt_out",
    "guess_language",
    "opt_out_keyword",
    "replies_plan_received",
    "reply_plan_status",
    "reply_send",
    "reply_text_check",
    "sms_receive",
    "template_problem",
    "focalpoint_check",
    "focalpoint_create",
    "focalpoint_deactivate",
    "focalpoint_move",
    "focalpoint_update",
    "notification_mark_read",
    "message_receipt_record",
    "notification_send",
    "notifications_deliver_in_app",
    "sms_channel_cache_clear",
    "sms_channel_check_token",
    "sms_channel_create",
    "sms_channel_for_intake",
]
