"""Demo data for the CAN: focal points of the open bases, one SMS channel for Uvira, and six months
of alerts in every state, with their history. Idempotent: natural keys only."""

from datetime import datetime, time, timedelta
from typing import Any

from monusco.demo import DemoContext, register

DEMO_CHANNEL_NAME = "Uvira SMS gateway (demo)"
DEMO_CHANNEL_TOKEN = "demo-gateway-token"  # demo only; real channels get a random token

FOCAL_POINTS = {
    # base code: [(name, locality, role, sex), ...]
    "cob-uvira": [
        ("Mwami Kabemba", "Uvira", "chief", "m"),
        ("Neema Byamungu", "Kiliba", "women", "f"),
        ("Jean-Bosco Rugaba", "Sange", "displaced", "m"),
        ("Furaha Mapendo", "Uvira", "civil_society", "f"),
        ("Pasteur Lwaboshi", "Kiliba", "religious", "m"),
    ],
    "tob-sange": [("Aline Mukeshimana", "Sange", "youth", "f"), ("Baraka Ndayisenga", "Sange", "chief", "m")],
    "cob-minembwe": [
        ("Sebahire Rukundo", "Minembwe", "chief", "m"),
        ("Bahati Nyota", "Baraka", "women", "f"),
        ("Asani Mulimbi", "Fizi", "displaced", "m"),
        ("Riziki Amisi", "Misisi", "civil_society", "f"),
    ],
    "cob-mikenge": [("Kalume Wabo", "Mikenge", "chief", "m"), ("Sifa Mwenebatu", "Kamituga", "women", "f")],
}

MESSAGES = [
    ("armed_attack", "Attaque des hommes armés à {place} cette nuit, tirs entendus"),
    ("abduction", "Watu wametekwa karibu na {place}, watu watatu"),
    ("looting", "Pillage du marché de {place} par des inconnus armés"),
    ("extortion", "Barrière illégale sur la route de {place}, taxe imposée aux passants"),
    ("displacement", "Wakimbizi wengi wanafika {place} kutoka milimani"),
    ("killing", "Un civil tué à {place} ce matin"),
    ("land_conflict", "Mzozo wa ardhi {place} kati ya jamii mbili"),
    ("state_abuse", "Arrestations arbitraires par des militaires à {place}"),
    ("sexual_violence", "Cas signalé à {place}, besoin d'une prise en charge"),
    ("other", "Mouvement inhabituel signalé près de {place}"),
]


def _phone(base_index: int, index: int) -> str:
    return f"+24399{base_index:02d}{index:05d}"


@register(20, "CAN focal points, channel and alerts")
def seed_can(ctx: DemoContext) -> None:
    from django.utils import timezone

    from cla.models import OperatingBase
    from monusco.crypto import phone_hash
    from monusco.models import Locality

    from .models import Alert, AlertEvent, CallbackAttempt, FocalPoint, SmsChannel, StaffPhone
    from .services.channels import _token_hash
    from .services.focal_points import _focalpoint_prefix

    bases = ctx.data.get("bases") or {b.code: b for b in OperatingBase.objects.all()}
    focal_points: dict[str, list[FocalPoint]] = {}
    for base_index, (code, members) in enumerate(FOCAL_POINTS.items(), start=1):
        base = bases[code]
        prefix = _focalpoint_prefix(base)
        for index, (name, place_name, role, sex) in enumerate(members, start=1):
            locality = Locality.objects.get(name=place_name, territory__province__name="South Kivu")
            base.coverage.add(locality)
            phone = _phone(base_index, index)
            focal_point, _created = FocalPoint.objects.update_or_create(
                code=f"FP-{prefix}-{index:04d}",
                defaults={
                    "name": name,
                    "phone": phone,
                    "phone_hash": phone_hash(phone),
                    "base": base,
                    "locality": locality,
                    "community_role": role,
                    "sex": sex,
                    "consent_on": ctx.today - timedelta(days=200 + index),
                    "do_not_call_back": index == 4,
                },
            )
            focal_points.setdefault(code, []).append(focal_point)
    sms_channel, _created = SmsChannel.objects.update_or_create(
        name=DEMO_CHANNEL_NAME, defaults={"base": bases["cob-uvira"], "token_hash": _token_hash(DEMO_CHANNEL_TOKEN)}
    )
    ctx.data.setdefault("notes", []).append(
        f"SMS channel '{DEMO_CHANNEL_NAME}': POST /can/inbound/{sms_channel.uid}/receive with header "
        f"X-Gateway-Token: {DEMO_CHANNEL_TOKEN}"
    )
    if "demo-duty" in ctx.users:
        StaffPhone.objects.get_or_create(user=ctx.users["demo-duty"], defaults={"phone": "+243990000001"})

    tz = timezone.get_current_timezone()
    now = timezone.make_aware(datetime.combine(ctx.today, time(12, 0)), tz)
    duty = ctx.users.get("demo-duty")
    cla = ctx.users.get("demo-cla")
    rng = ctx.rng
    open_codes = list(FOCAL_POINTS)
    for i in range(90):
        key = f"demo:{i:03d}"
        # Decide everything from the rng before looking at the database, so runs stay identical.
        code = open_codes[i % len(open_codes)]
        fps = focal_points[code]
        fp = fps[rng.randrange(len(fps))] if rng.random() < 0.7 else None
        category, text = MESSAGES[rng.randrange(len(MESSAGES))]
        age = timedelta(days=rng.uniform(3, 180)) if i >= 12 else timedelta(minutes=rng.uniform(5, 600))
        ack = timedelta(minutes=rng.uniform(2, 45))
        verify = timedelta(minutes=rng.uniform(20, 120))
        respond = timedelta(minutes=rng.uniform(30, 240))
        close = timedelta(hours=rng.uniform(6, 72))
        outcome_roll = rng.random()
        people = [rng.randrange(0, 12) for _ in range(4)]
        if Alert.objects.filter(idempotency_key=key).exists():
            continue
        base = bases[code]
        place = fp.locality if fp else None
        received = now - age
        channel = (
            "missed_call" if i % 9 == 4 else ("sms" if fp or i % 3 else ["phone_call", "radio", "in_person"][i % 3])
        )
        # Open states for the twelve recent alerts; closed with each outcome for the rest.
        state = (
            [
                "received",
                "callback_needed",
                "received",
                "acknowledged",
                "verified",
                "response_dispatched",
                "received",
                "acknowledged",
                "verified",
                "callback_needed",
                "response_dispatched",
                "received",
            ][i]
            if i < 12
            else "closed"
        )
        if channel == "missed_call" and state in {"received", "closed"} and i < 12:
            state = "callback_needed"
        if state == "callback_needed":
            channel = "missed_call"
        alert = Alert.objects.create(
            idempotency_key=key,
            channel=channel,
            base=base,
            focal_point=fp,
            sender_number=fp.phone if fp else (_phone(90, i) if channel in {"sms", "missed_call"} else ""),
            sender_hash=phone_hash(fp.phone if fp else _phone(90, i))
            if (fp or channel in {"sms", "missed_call"})
            else "",
            locality=place if channel != "missed_call" else None,
            territory_id=(place or base.locality).territory_id,
            threat_category=category if channel != "missed_call" else "other",
            description=text.format(place=place.name if place else base.locality.name)
            if channel != "missed_call"
            else "",
            raw_text=text.format(place=place.name if place else base.locality.name) if channel == "sms" else "",
            needs_triage=channel == "missed_call" or place is None,
            missed_calls=1 if channel == "missed_call" else 0,
            # A missed call is a call-back task, due the base's call-back minutes after the call.
            callback_due_at=received + timedelta(minutes=base.callback_minutes) if channel == "missed_call" else None,
            status="received",
            received_at=received,
            received_on=timezone.localdate(received),
            notified_at=received,
            reported_by=cla if channel in {"phone_call", "radio", "in_person"} else None,
            women=people[0],
            men=people[1],
            girls=people[2],
            boys=people[3],
        )
        events = [AlertEvent(alert=alert, kind="received", at=received, to_status=alert.status)]
        steps = ["acknowledged", "verified", "response_dispatched", "closed"]
        target = "received" if state == "callback_needed" else state
        if state == "callback_needed":
            Alert.objects.filter(pk=alert.pk).update(status="callback_needed")
            events[0].to_status = "callback_needed"
        # Escalated: the unacknowledged recent alerts older than their base's limit.
        if state in {"received", "callback_needed"} and age > timedelta(minutes=base.alert_ack_minutes):
            level = min(3, int(age / timedelta(minutes=base.alert_ack_minutes)))
            Alert.objects.filter(pk=alert.pk).update(
                escalation_level=level, escalated_at=received + timedelta(minutes=base.alert_ack_minutes * level)
            )
            for n in range(1, level + 1):
                events.append(
                    AlertEvent(
                        alert=alert,
                        kind="escalated",
                        escalation_level=n,
                        at=received + timedelta(minutes=base.alert_ack_minutes * n),
                    )
                )
        fields: dict[str, Any] = {}
        at, previous = received, alert.status if state != "callback_needed" else "callback_needed"
        if target == "closed":
            outcome = (
                "addressed"
                if outcome_roll < 0.8
                else ("false_alarm" if outcome_roll < 0.92 else "no_response_possible")
            )
            path = steps if outcome == "addressed" else steps[:2] + ["closed"]
        else:
            path = steps[: steps.index(target) + 1] if target in steps else []
            outcome = ""
        for step in path:
            at = at + {"acknowledged": ack, "verified": verify, "response_dispatched": respond, "closed": close}[step]
            if step == "acknowledged" and channel == "missed_call":  # the CLA called back and heard the account
                fields.update(acknowledged_at=at, acknowledged_by=cla, called_back_at=at, called_back_by=cla)
            elif step == "acknowledged":
                fields.update(acknowledged_at=at, acknowledged_by=duty)
            elif step == "verified":
                fields.update(
                    verified_at=at,
                    verified_by=cla,
                    verification_note="Contre-enquête avec le chef de localité et la PNC.",
                )
            elif step == "response_dispatched":
                fields.update(
                    response_at=at, response_by=duty, response_type=["patrol", "escort", "presence", "referred"][i % 4]
                )
            else:  # closing sends the alert to the gender office's review
                fields.update(
                    closed_at=at,
                    closed_by=duty,
                    outcome=outcome,
                    review_status="submitted",
                    review_round=1,
                    submitted_at=at,
                )
            events.append(
                AlertEvent(
                    alert=alert,
                    kind=step,
                    at=at,
                    actor=cla if step == "verified" or (step == "acknowledged" and channel == "missed_call") else duty,
                    from_status=previous,
                    to_status=step,
                )
            )
            previous = step
        if path:
            Alert.objects.filter(pk=alert.pk).update(status=path[-1], **fields)
        if state == "callback_needed" and i == 1 and cla is not None:  # one call-back already tried once
            CallbackAttempt.objects.create(alert=alert, by=cla, at=received + timedelta(minutes=3), result="no_answer")
            Alert.objects.filter(pk=alert.pk).update(callback_failures=1)
        AlertEvent.objects.bulk_create(events)
