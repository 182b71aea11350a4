"""Permission matrix of the whole admin: every registered model's changelist, change page, history
page and autocomplete answer, for every role and anonymous, with records in and out of scope.

The models come from ``admin.site._registry``: a model registered later without a row in
``VIEWERS`` and records in ``_records`` fails ``test_every_registered_model_is_in_the_matrix``.

Each model gets one record at each of three places: COB Uvira, COB Minembwe (both South Kivu) and
COB Beni (North Kivu). A role sees the records of its region (``REGION``) and no other; reference
data that is the same for everyone (checklists, roles) has one record, marked ``"*"``. A record out
of scope must answer exactly as a record that does not exist (same status, same redirect), and no
list, relation filter or autocomplete answer may name a place outside the region.
"""

import datetime

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse

from monusco.admin_scope import ScopedAdminMixin, ScopedInlineMixin
from tests.factories import make_user

pytestmark = pytest.mark.django_db

ROLES = ["cla", "cla2", "duty", "jpt", "gender", "manager", "far_manager", "admin", "api", "norole", "anonymous"]
PLACES = ("uvira", "minembwe", "beni")
REGION = {
    "cla": {"uvira"},
    "duty": {"uvira"},
    "cla2": {"minembwe"},
    "jpt": {"uvira", "minembwe"},
    "gender": {"uvira", "minembwe"},
    "manager": {"uvira", "minembwe"},
    "far_manager": {"beni"},
    "admin": set(PLACES),
    "api": set(),
    "norole": set(),
    "anonymous": set(),
}
# Names that belong to one place only: none may appear in a list outside that place's region.
PLACE_NAMES = {"uvira": ["Uvira", "Sange"], "minembwe": ["Minembwe", "Fizi"], "beni": ["Beni", "North Kivu"]}

STAFF = {"cla", "cla2", "duty", "jpt", "gender", "manager", "far_manager", "api"}  # geography is read by all
READERS = {"cla", "cla2", "duty", "jpt", "gender", "manager", "far_manager"}  # reports, bases, reviews
JPT_READERS = READERS - {"duty"}
# Who opens each model's list, change and history pages, besides administrators.
VIEWERS = {
    "auth.group": set(),
    "monusco.user": set(),
    "monusco.province": STAFF,
    "monusco.territory": STAFF,
    "monusco.locality": STAFF,
    "monusco.auditlog": set(),
    "monusco.apiclient": set(),
    "monusco.datasharingagreement": set(),
    "monusco.apiaccesslog": set(),
    "gender.reviewchecklist": READERS,
    "gender.review": READERS,
    "gender.checklistitem": READERS,
    "gender.reviewanswer": {"gender"},
    "cla.operatingbase": READERS,
    "cla.communityliaisonassistant": READERS,
    "cla.baseassignment": READERS,
    "cla.urafikimeeting": READERS,
    "cla.securityconcern": READERS,
    "cla.meetingfollowup": READERS,
    "cla.communityprotectionplan": READERS,
    "cla.planrevision": READERS,
    "cla.planthreat": READERS,
    "cla.planaction": READERS,
    "can.focalpoint": {"cla", "cla2", "duty"},
    "can.smschannel": set(),
    "can.alert": READERS,
    "can.notification": set(),
    "can.staffphone": set(),
    "can.reply": set(),
    "can.replytemplate": set(),
    "jpt.jptmission": JPT_READERS,
    "jpt.recommendation": JPT_READERS,
    "jpt.missionmember": set(),
    "jpt.itinerarystop": set(),
    "jpt.meetingheld": set(),
    "jpt.finding": set(),
    "jpt.recommendationupdate": set(),
    # The login throttle's records and second-factor devices: administrators only.
    "axes.accessattempt": set(),
    "axes.accesslog": set(),
    "axes.accessfailurelog": set(),
    "otp_totp.totpdevice": set(),
    "otp_static.staticdevice": set(),
}
# JPT leads pick team members by name in the autocomplete, and never open user records.
AUTOCOMPLETE_ONLY = {"monusco.user": {"jpt"}}
MISSING_PK = 987654321


def _records(world, users) -> dict[str, dict[str, object]]:
    """One record per place for every registered model (``"*"``: one for everyone)."""
    from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from can.models import Notification, Reply, ReplyTemplate, StaffPhone
    from cla.models import PlanRevision
    from gender.models import ReviewChecklist, ReviewStatus
    from gender.services import review_record
    from monusco.api.services import api_client_prepare
    from monusco.models import ApiAccessLog, ApiClient, AuditLog
    from tests.agreements import agreement_in_force
    from tests.factories import (
        ActionFactory,
        ConcernFactory,
        FindingFactory,
        FollowUpFactory,
        MeetingFactory,
        MeetingHeldFactory,
        MemberFactory,
        MissionFactory,
        PlanFactory,
        RecommendationFactory,
        RecommendationUpdateFactory,
        StopFactory,
        ThreatFactory,
        make_alert,
        make_channel,
        make_focal_point,
    )

    beni_cla = make_user("cla", base=world.far_base, username="t-beni-cla")
    places = {
        "uvira": (world.base, world.uvira, users["cla"]),
        "minembwe": (world.other_base, world.minembwe, users["cla2"]),
        "beni": (world.far_base, world.beni, beni_cla),
    }
    checklist = ReviewChecklist.objects.get(report_type="meeting", is_active=True)
    records: dict[str, dict[str, object]] = {}

    def add(label, place, obj):
        records.setdefault(label, {})[place] = obj

    for n, (place, (base, locality, cla)) in enumerate(places.items()):
        add("monusco.user", place, cla)
        add("monusco.province", place, locality.territory.province)
        add("monusco.territory", place, locality.territory)
        add("monusco.locality", place, locality)
        add("cla.operatingbase", place, base)
        add("cla.communityliaisonassistant", place, cla.cla_profile)
        add("cla.baseassignment", place, cla.base_assignments.get())
        meeting = MeetingFactory(
            base=base,
            created_by=cla,
            review_status=ReviewStatus.SUBMITTED,
            review_round=1,
            submitted_at=datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC),
        )
        add("cla.urafikimeeting", place, meeting)
        add("cla.securityconcern", place, ConcernFactory(meeting=meeting))
        add("cla.meetingfollowup", place, FollowUpFactory(meeting=meeting))
        plan = PlanFactory(base=base, created_by=cla)
        add("cla.communityprotectionplan", place, plan)
        add("cla.planrevision", place, PlanRevision.objects.create(plan=plan, version=1, snapshot={}, saved_by=cla))
        threat = ThreatFactory(plan=plan)
        add("cla.planthreat", place, threat)
        add("cla.planaction", place, ActionFactory(threat=threat))
        review = review_record(
            report=meeting,
            reviewer=users["admin"],
            decision="approved",
            answers={item.pk: ("yes", "") for item in checklist.items.all()},
        )
        add("gender.review", place, review)
        add("gender.reviewanswer", place, review.answers.order_by("pk").first())
        add("can.focalpoint", place, make_focal_point(base, locality, phone=f"+24399000{n:04d}"))
        add("can.smschannel", place, make_channel(base))
        alert = make_alert(base, locality=locality)
        add("can.alert", place, alert)
        add("can.notification", place, Notification.objects.create(alert=alert, recipient=cla, channel="in_app"))
        add(
            "can.reply",
            place,
            Reply.objects.create(
                alert=alert,
                kind="received",
                sms_channel=records["can.smschannel"][place],
                to_number="+243990000999",
                to_hash="h",
                language="fr",
                text="MONUSCO : reçu.",
            ),
        )
        mission = MissionFactory(lead=users["jpt"], localities=[locality])
        mission.bases.set([base])
        add("jpt.jptmission", place, mission)
        recommendation = RecommendationFactory(mission=mission)
        add("jpt.recommendation", place, recommendation)
        add("jpt.missionmember", place, MemberFactory(mission=mission))
        add("jpt.itinerarystop", place, StopFactory(mission=mission, locality=locality))
        add("jpt.meetingheld", place, MeetingHeldFactory(mission=mission, locality=locality))
        add("jpt.finding", place, FindingFactory(mission=mission, locality=locality))
        add(
            "jpt.recommendationupdate",
            place,
            RecommendationUpdateFactory(recommendation=recommendation, author=users["jpt"]),
        )
    add("auth.group", "*", Group.objects.get(name="cla"))
    add("gender.reviewchecklist", "*", checklist)
    add("gender.checklistitem", "*", checklist.items.order_by("position").first())
    add("monusco.auditlog", "*", AuditLog.objects.create(action="update", model="cla.urafikimeeting", object_pk="1"))
    agreement = agreement_in_force(partner="Matrix partner")
    client = ApiClient(name="Matrix client", resources=["meetings"], agreement=agreement)
    api_client_prepare(client=client)
    add("monusco.apiclient", "*", client)
    add("can.replytemplate", "*", ReplyTemplate.objects.get(kind="received", language="fr"))
    add("monusco.datasharingagreement", "*", agreement)
    add(
        "monusco.apiaccesslog",
        "*",
        ApiAccessLog.objects.create(
            client=client, client_name=client.name, endpoint="/api/v1/meetings/", status=200, rows=3
        ),
    )
    add("can.staffphone", "*", StaffPhone.objects.create(user=users["duty"], phone="+243990000222"))
    attempt = {"username": "t-duty", "ip_address": "192.0.2.7", "user_agent": "matrix", "path_info": "/accounts/login/"}
    add("axes.accessattempt", "*", AccessAttempt.objects.create(**attempt, failures_since_start=3))
    add("axes.accesslog", "*", AccessLog.objects.create(**attempt))
    add("axes.accessfailurelog", "*", AccessFailureLog.objects.create(**attempt, locked_out=False))
    add("otp_totp.totpdevice", "*", TOTPDevice.objects.create(user=users["duty"], name="matrix", confirmed=True))
    static = StaticDevice.objects.create(user=users["duty"], name="matrix recovery", confirmed=True)
    static.token_set.create(token="matrixcode1")
    add("otp_static.staticdevice", "*", static)
    return records


def _autocomplete_source(model) -> tuple[str, str, str] | None:
    """An (app label, model name, field name) whose field points at ``model``, for the autocomplete
    endpoint: an admin's autocomplete field when there is one, else any relation to it."""
    candidates = []
    for source, model_admin in admin.site._registry.items():
        for owner in [model_admin, *[inline(source, admin.site) for inline in model_admin.inlines]]:
            for name in owner.autocomplete_fields:
                field = owner.model._meta.get_field(name)
                if field.related_model is model:
                    candidates.append((owner.model._meta.app_label, owner.model._meta.model_name, name))
    if not candidates:
        for source in admin.site._registry:
            for field in source._meta.get_fields():
                if field.concrete and field.is_relation and field.related_model is model:
                    candidates.append((source._meta.app_label, source._meta.model_name, field.name))
    return sorted(candidates)[0] if candidates else None


def _answer(response) -> tuple[int, str]:
    return response.status_code, response.get("Location", "")


def _forbidden_names(role: str) -> list[str]:
    region = REGION[role]
    names = [name for place in PLACES if place not in region for name in PLACE_NAMES[place]]
    if region == {"beni"}:
        names.append("South Kivu")
    return names


@pytest.fixture
def records(world, users):
    return _records(world, users)


def test_every_registered_model_is_in_the_matrix(records):
    labels = {model._meta.label_lower for model in admin.site._registry}
    assert sorted(labels - set(VIEWERS)) == []
    assert sorted(labels - set(records)) == []
    assert sorted(set(VIEWERS) - labels) == []
    for label, by_place in records.items():
        assert set(by_place) in ({"*"}, set(PLACES)), label


def test_every_admin_and_inline_is_cut_to_the_scope():
    loose = []
    for model, model_admin in admin.site._registry.items():
        if not isinstance(model_admin, ScopedAdminMixin):
            loose.append(model._meta.label_lower)
        loose += [
            f"{model._meta.label_lower} inline {inline.__name__}"
            for inline in model_admin.inlines
            if not issubclass(inline, ScopedInlineMixin)
        ]
    assert loose == []


@pytest.mark.parametrize("role", ROLES)
def test_admin_permission_matrix(client, users, records, role):
    if role != "anonymous":
        client.force_login(users[role])
    login_url = reverse("admin:login")
    signed_out = role in {"anonymous", "norole"}  # norole is not staff: the admin asks to sign in
    forbidden_names = _forbidden_names(role)
    problems = []

    def expect(what, response, status, location=None):
        got = _answer(response)
        if got[0] != status or (location is not None and not got[1].startswith(location)):
            problems.append(f"{what}: {got}, expected {status} {location or ''}")

    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        label = opts.label_lower
        by_place = records[label]
        may_view = role == "admin" or role in VIEWERS[label]
        if "*" in by_place:
            shown, hidden = [by_place["*"]], []
        else:
            shown = [obj for place, obj in by_place.items() if place in REGION[role]]
            hidden = [obj for obj in by_place.values() if obj.pk not in {o.pk for o in shown}]
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")

        response = client.get(changelist)
        if signed_out:
            expect(f"{label} list", response, 302, login_url)
        elif not may_view:
            expect(f"{label} list", response, 403)
        else:
            expect(f"{label} list", response, 200)
            if response.status_code == 200:
                listed = {obj.pk for obj in response.context["cl"].result_list}
                if not {obj.pk for obj in shown} <= listed:
                    problems.append(f"{label} list misses records in scope")
                if listed & {obj.pk for obj in hidden}:
                    problems.append(f"{label} list shows records out of scope")
                html = response.content.decode()
                problems += [f"{label} list names {name}" for name in forbidden_names if name in html]

        for page in ("change", "history"):
            url = lambda pk, page=page: reverse(f"admin:{opts.app_label}_{opts.model_name}_{page}", args=[pk])  # noqa: E731
            missing = client.get(url(MISSING_PK))
            for obj in shown if may_view and not signed_out else []:
                response = client.get(url(obj.pk))
                expect(f"{label} {page} in scope", response, 200)
            # Out of scope answers as missing; without the permission, every record and a missing one alike.
            pks = [obj.pk for obj in hidden] if may_view else [*(obj.pk for obj in by_place.values()), MISSING_PK]
            for pk in pks:
                response = client.get(url(pk))
                if signed_out:
                    expect(f"{label} {page} {pk}", response, 302, login_url)
                elif not may_view:
                    expect(f"{label} {page} {pk}", response, 403)
                elif _answer(response) != _answer(missing):
                    problems.append(f"{label} {page} out of scope: {_answer(response)} != missing {_answer(missing)}")

        source = _autocomplete_source(model) if model_admin.search_fields else None
        if source is None:
            continue
        query = {"app_label": source[0], "model_name": source[1], "field_name": source[2], "term": ""}
        response = client.get(reverse("admin:autocomplete"), query)
        if signed_out:
            expect(f"{label} autocomplete", response, 302, login_url)
        elif not (may_view or role in AUTOCOMPLETE_ONLY.get(label, ())):
            expect(f"{label} autocomplete", response, 403)
        else:
            expect(f"{label} autocomplete", response, 200)
            if response.status_code == 200:
                answers = [response.json()]
                while answers[-1]["pagination"]["more"] and len(answers) < 50:
                    answers.append(
                        client.get(reverse("admin:autocomplete"), {**query, "page": len(answers) + 1}).json()
                    )
                found = {int(result["id"]) for answer in answers for result in answer["results"]}
                if not {obj.pk for obj in shown} <= found:
                    problems.append(f"{label} autocomplete misses records in scope")
                if found & {obj.pk for obj in hidden}:
                    problems.append(f"{label} autocomplete offers records out of scope")
                texts = " ".join(result["text"] for answer in answers for result in answer["results"])
                problems += [f"{label} autocomplete names {name}" for name in forbidden_names if name in texts]
    assert problems == []
