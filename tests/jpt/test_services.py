import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from gender.models import ReviewStatus
from gender.registry import reports
from jpt import services
from jpt.models import JPTMission, MissionStatus, Recommendation, RecommendationUpdate
from monusco.audit import acting_as
from monusco.models import AuditLog
from tests.factories import FindingFactory, MissionFactory, RecommendationFactory, make_user

STEPS = [
    ("approve", "planned", "approved", "manager"),
    ("start", "approved", "ongoing", "jpt"),
    ("complete", "ongoing", "completed", "jpt"),
    ("submit_report", "completed", "report_submitted", "jpt"),
]


def _at_status(mission, status, users):
    """Walk the mission up to ``status`` through the services."""
    for name, source, _target, actor in STEPS:
        if mission.status == status:
            return mission
        if name == "submit_report":
            _prepare_report(mission)
        services.mission_transition(mission=mission, user=users[actor], name=name)
    return mission


def _prepare_report(mission):
    FindingFactory(mission=mission)
    mission.summary = "Summary."
    mission.save()


def _snapshot(mission):
    return JPTMission.objects.filter(pk=mission.pk).values().get()


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "source", "target", "actor"), STEPS)
def test_each_legal_transition_records_who_and_when(mission, users, name, source, target, actor):
    _at_status(mission, source, users)
    if name == "submit_report":
        _prepare_report(mission)
    services.mission_transition(mission=mission, user=users[actor], name=name)
    stored = JPTMission.objects.get(pk=mission.pk)
    stamp = services.TRANSITIONS[name].stamp
    assert stored.status == target
    assert getattr(stored, f"{stamp}_by") == users[actor]
    assert getattr(stored, f"{stamp}_at") is not None
    assert mission.status == target


ILLEGAL = [
    (name, status)
    for name, source, _t, _a in STEPS
    for status in ["planned", "approved", "ongoing", "completed", "report_submitted"]
    if status != source
]


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "status"), ILLEGAL)
def test_each_illegal_transition_is_refused_and_changes_nothing(mission, users, name, status):
    _at_status(mission, status, users)
    before = _snapshot(mission)
    actor = users["manager"] if name == "approve" else users["jpt"]
    with pytest.raises(ValidationError) as error:
        services.mission_transition(mission=mission, user=actor, name=name)
    label = dict(MissionStatus.choices)[status].lower()
    assert error.value.messages == [services.TRANSITIONS[name].wrong_status % {"status": label}]
    assert _snapshot(mission) == before


@pytest.mark.django_db
def test_illegal_message_is_exact(mission, users):
    with pytest.raises(ValidationError) as error:
        services.mission_transition(mission=mission, user=users["jpt"], name="complete")
    assert error.value.messages == ["Only an ongoing mission can be completed; this one is planned."]


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["jpt", "cla", "gender", "far_manager", "norole"])
def test_only_managers_and_heads_of_office_approve(mission, users, who):
    before = _snapshot(mission)
    with pytest.raises(ValidationError) as error:
        services.mission_approve(mission=mission, user=users[who])
    assert error.value.messages == ["Only a head of office or a mission manager can approve a mission."]
    assert _snapshot(mission) == before


@pytest.mark.django_db
def test_administrator_approves(mission, users):
    services.mission_approve(mission=mission, user=users["admin"])
    assert JPTMission.objects.get(pk=mission.pk).approved_by == users["admin"]


@pytest.mark.django_db
@pytest.mark.parametrize("who", ["manager", "cla", "gender", "other_lead"])
def test_only_the_lead_runs_the_mission(world, mission, users, who):
    services.mission_approve(mission=mission, user=users["manager"])
    actor = make_user("jpt_lead", province=world.south, username="t-jpt-other") if who == "other_lead" else users[who]
    before = _snapshot(mission)
    with pytest.raises(ValidationError) as error:
        services.mission_start(mission=mission, user=actor)
    assert error.value.messages == ["Only the mission lead can do this."]
    assert _snapshot(mission) == before


@pytest.mark.django_db
def test_report_submission_joins_the_gender_review_queue(mission, users, monkeypatch):
    _at_status(mission, "completed", users)
    _prepare_report(mission)
    moment = datetime.datetime(2026, 10, 10, 8, 30, tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: moment)
    services.mission_submit_report(mission=mission, user=users["jpt"])
    stored = JPTMission.objects.get(pk=mission.pk)
    assert stored.review_status == ReviewStatus.SUBMITTED
    assert stored.review_round == 1
    assert (stored.report_submitted_at, stored.submitted_at) == (moment, moment)
    assert reports.for_model(JPTMission).slug == "jpt_mission"


@pytest.mark.django_db
def test_report_needs_a_finding_and_a_summary(mission, users):
    _at_status(mission, "completed", users)
    before = _snapshot(mission)
    with pytest.raises(ValidationError) as error:
        services.mission_submit_report(mission=mission, user=users["jpt"])
    assert error.value.messages == ["Record at least one finding before submitting the report."]
    FindingFactory(mission=mission)
    with pytest.raises(ValidationError) as error:
        services.mission_submit_report(mission=mission, user=users["jpt"])
    assert error.value.messages == ["Write the report summary before submitting the report."]
    assert _snapshot(mission) == before


@pytest.mark.django_db
def test_returned_report_is_resubmitted(mission, users):
    _at_status(mission, "report_submitted", users)
    JPTMission.objects.filter(pk=mission.pk).update(review_status=ReviewStatus.RETURNED)
    mission.refresh_from_db()
    assert [t.name for t in services.available_transitions(user=users["jpt"], mission=mission)] == ["submit_report"]
    services.mission_submit_report(mission=mission, user=users["jpt"])
    stored = JPTMission.objects.get(pk=mission.pk)
    assert (stored.status, stored.review_status, stored.review_round) == ("report_submitted", "submitted", 2)


@pytest.mark.django_db
def test_out_of_scope_mission_cannot_be_moved(world, users):
    far = MissionFactory(lead=users["jpt"], localities=[world.beni])
    with pytest.raises(ValidationError):
        services.mission_approve(mission=far, user=users["manager"])
    assert JPTMission.objects.get(pk=far.pk).status == "planned"
    services.mission_approve(mission=far, user=users["far_manager"])
    assert JPTMission.objects.get(pk=far.pk).status == "approved"


@pytest.mark.django_db
def test_unknown_step(mission, users):
    with pytest.raises(ValidationError) as error:
        services.mission_transition(mission=mission, user=users["jpt"], name="cancel")
    assert error.value.messages == ["Unknown mission step."]


@pytest.mark.django_db
def test_available_transitions_per_user(mission, users):
    assert [t.name for t in services.available_transitions(user=users["manager"], mission=mission)] == ["approve"]
    assert services.available_transitions(user=users["jpt"], mission=mission) == []
    services.mission_approve(mission=mission, user=users["manager"])
    assert [t.name for t in services.available_transitions(user=users["jpt"], mission=mission)] == ["start"]
    assert services.available_transitions(user=users["cla"], mission=mission) == []


@pytest.mark.django_db
def test_recommendation_update_keeps_history(mission, users):
    rec = RecommendationFactory(mission=mission)
    services.recommendation_record_update(
        recommendation=rec,
        user=users["jpt"],
        status="in_progress",
        note=" Patrols planned. ",
        on=datetime.date(2026, 11, 3),
    )
    stored = Recommendation.objects.get(pk=rec.pk)
    assert (stored.follow_up_status, stored.last_update_on, stored.last_update_note) == (
        "in_progress",
        datetime.date(2026, 11, 3),
        "Patrols planned.",
    )
    assert list(RecommendationUpdate.objects.values_list("status", "note", "author__username")) == [
        ("in_progress", "Patrols planned.", "t-jpt")
    ]


@pytest.mark.django_db
def test_recommendation_update_refused(mission, users):
    rec = RecommendationFactory(mission=mission)
    with pytest.raises(ValidationError) as error:
        services.recommendation_record_update(recommendation=rec, user=users["cla"], status="done")
    assert error.value.messages == ["Only the mission lead can do this."]
    with pytest.raises(ValidationError) as error:
        services.recommendation_record_update(recommendation=rec, user=users["jpt"], status="finished")
    assert error.value.messages == ["Choose a valid follow-up status."]
    assert Recommendation.objects.get(pk=rec.pk).follow_up_status == "open"
    assert RecommendationUpdate.objects.count() == 0


@pytest.mark.django_db
def test_refusal_is_translated(mission, users):
    from django.utils import translation

    with translation.override("fr"), pytest.raises(ValidationError) as error:
        services.mission_complete(mission=mission, user=users["jpt"])
    assert error.value.messages == ["Seule une mission en cours peut être terminée (statut actuel : planifiée)."]
    with translation.override("sw"), pytest.raises(ValidationError) as error:
        services.mission_complete(mission=mission, user=users["jpt"])
    assert error.value.messages == ["Misheni inayoendelea tu ndiyo inaweza kumalizika (hali ya sasa: imepangwa)."]


def _audit_rows(since: int) -> list[tuple]:
    rows = AuditLog.objects.filter(pk__gt=since).order_by("pk")
    return [(row.action, row.model, row.detail.get("fields"), row.actor.username) for row in rows]


def _last_audit_pk() -> int:
    return AuditLog.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


REC = "jpt.recommendation"
STEP_FIELDS = ["follow_up_status", "last_update_note", "last_update_on", "updated_at"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "note", "steps"),
    [
        ("open", "", []),
        ("open", "Raised with the chief.", [("open", "Raised with the chief.")]),
        ("in_progress", "", [("in_progress", "")]),
    ],
)
def test_recommendation_save_creates(mission, users, status, note, steps):
    since = _last_audit_pk()
    rec = Recommendation(
        mission=mission,
        text="Remove the barrier.",
        responsible="local_authority",
        deadline=datetime.date(2026, 11, 15),
        follow_up_status=status,
    )
    with acting_as(users["jpt"]):
        services.recommendation_save(recommendation=rec, user=users["jpt"], note=note)
    stored = Recommendation.objects.get(pk=rec.pk)
    assert (stored.text, stored.follow_up_status, stored.last_update_note) == ("Remove the barrier.", status, note)
    assert list(rec.updates.values_list("status", "note")) == steps
    expected = [("create", REC, None, "t-jpt")]
    if steps:
        expected += [("create", "jpt.recommendationupdate", None, "t-jpt"), ("update", REC, STEP_FIELDS, "t-jpt")]
    assert _audit_rows(since) == expected


@pytest.mark.django_db
def test_recommendation_save_edits_and_the_status_moves_by_a_step(mission, users):
    rec = RecommendationFactory(mission=mission, text="Patrol the road.")
    since = _last_audit_pk()
    rec.text, rec.follow_up_status = "Patrol the road twice a week.", "in_progress"
    with acting_as(users["jpt"]):
        services.recommendation_save(recommendation=rec, user=users["jpt"], note=" Patrols planned. ")
    stored = Recommendation.objects.get(pk=rec.pk)
    assert (stored.text, stored.follow_up_status, stored.last_update_note) == (
        "Patrol the road twice a week.",
        "in_progress",
        "Patrols planned.",
    )
    assert list(rec.updates.values_list("status", "note", "author__username")) == [
        ("in_progress", "Patrols planned.", "t-jpt")
    ]
    assert _audit_rows(since) == [
        ("update", REC, None, "t-jpt"),
        ("create", "jpt.recommendationupdate", None, "t-jpt"),
        ("update", REC, STEP_FIELDS, "t-jpt"),
    ]


@pytest.mark.django_db
def test_recommendation_save_without_a_new_status_or_note_adds_no_step(mission, users):
    rec = RecommendationFactory(mission=mission, text="Patrol the road.", follow_up_status="in_progress")
    rec.text = "Patrol the road at night."
    services.recommendation_save(recommendation=rec, user=users["jpt"])
    stored = Recommendation.objects.get(pk=rec.pk)
    assert (stored.text, stored.follow_up_status) == ("Patrol the road at night.", "in_progress")
    assert RecommendationUpdate.objects.count() == 0


@pytest.mark.django_db
def test_recommendation_save_and_delete_refused(mission, users):
    rec = RecommendationFactory(mission=mission, text="Patrol the road.")
    before = Recommendation.objects.filter(pk=rec.pk).values().get()
    rec.text, rec.follow_up_status = "Changed.", "done"
    with pytest.raises(ValidationError) as error:
        services.recommendation_save(recommendation=rec, user=users["cla"])
    assert error.value.messages == ["Only the mission lead can do this."]
    rec.follow_up_status = "finished"
    with pytest.raises(ValidationError) as error:
        services.recommendation_save(recommendation=rec, user=users["jpt"])
    assert error.value.messages == ["Choose a valid follow-up status."]
    with pytest.raises(ValidationError) as error:
        services.recommendation_delete(recommendation=rec, user=users["cla"])
    assert error.value.messages == ["Only the mission lead can do this."]
    assert Recommendation.objects.filter(pk=rec.pk).values().get() == before
    assert RecommendationUpdate.objects.count() == 0


@pytest.mark.django_db
def test_recommendation_delete(mission, users):
    rec = RecommendationFactory(mission=mission)
    pk = rec.pk
    since = _last_audit_pk()
    with acting_as(users["jpt"]):
        services.recommendation_delete(recommendation=rec, user=users["jpt"])
    assert not Recommendation.objects.filter(pk=pk).exists()
    assert _audit_rows(since) == [("delete", REC, None, "t-jpt")]
