"""Read serializers for bases, community meetings and protection plans. Related rows come from
the views' prefetches into plain lists (``api_*`` attributes).

Sexual-violence concerns and threats reach only the record's base and need-to-know roles, with
every free-text field emptied (``null``); API clients and everyone else never receive them.
"""

import orjson
from rest_framework import serializers

from monusco.api.serializers import (
    SEX_AGE_FIELDS,
    BaseRefSerializer,
    LocalityRefSerializer,
    SexAgeSerializer,
    base_ref,
    is_protected,
    iso,
    locality_ref,
    sex_age,
)


class BaseSerializer(serializers.Serializer):
    uid = serializers.UUIDField()
    code = serializers.CharField()
    name = serializers.CharField()
    kind = serializers.CharField(help_text="cob or tob")
    parent = BaseRefSerializer(allow_null=True, help_text="The COB a TOB was set up from.")
    contingent = serializers.CharField()
    locality = LocalityRefSerializer()
    coverage = serializers.ListField(child=serializers.CharField(), help_text="Names of the localities covered.")
    opened_on = serializers.DateField()
    closed_on = serializers.DateField(allow_null=True)
    handed_over_on = serializers.DateField(allow_null=True)
    handed_over_to = serializers.CharField()
    is_open = serializers.BooleanField()
    updated_at = serializers.DateTimeField()

    def to_representation(self, base) -> dict:
        return {
            "uid": base.uid,
            "code": base.code,
            "name": base.name,
            "kind": base.kind,
            "parent": base_ref(base.parent),
            "contingent": base.contingent,
            "locality": locality_ref(base.locality),
            "coverage": [loc.name for loc in base.api_coverage],
            "opened_on": base.opened_on,
            "closed_on": base.closed_on,
            "handed_over_on": base.handed_over_on,
            "handed_over_to": base.handed_over_to,
            "is_open": base.closed_on is None,
            "updated_at": iso(base.updated_at),
        }


class ConcernSerializer(serializers.Serializer):
    uid = serializers.UUIDField()
    category = serializers.CharField()
    description = serializers.CharField(allow_null=True, help_text="null for sexual-violence concerns")
    at_risk_groups = serializers.ListField(child=serializers.CharField())


class FollowUpSerializer(serializers.Serializer):
    uid = serializers.UUIDField()
    action = serializers.CharField()
    responsible = serializers.CharField()
    due_on = serializers.DateField(allow_null=True)
    status = serializers.CharField()


class MeetingSerializer(serializers.Serializer):
    uid = serializers.UUIDField()
    base = BaseRefSerializer()
    locality = LocalityRefSerializer()
    held_on = serializers.DateField()
    meeting_type = serializers.CharField()
    stakeholder_groups = serializers.ListField(child=serializers.CharField())
    women_consulted_separately = serializers.BooleanField()
    topics = serializers.CharField()
    participants = SexAgeSerializer()
    concerns = ConcernSerializer(many=True)
    follow_ups = FollowUpSerializer(many=True)
    review_status = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def to_representation(self, row: dict) -> dict:
        """``row`` comes from ``MEETING_COLUMNS`` and the view's columns built in SQL (the meeting
        table is the big one: no model instances): UUIDs as text, coordinates as floats, the
        stakeholder groups as JSON text, and the concerns and follow-ups as JSON arrays of
        ``CONCERN_FIELDS`` and ``FOLLOW_UP_FIELDS`` values (see ``monusco.api.columns``).

        ``protected_only_of_bases`` in the context (a set of base ids) keeps sexual-violence
        concerns only on meetings of those bases; the view leaves them out in SQL for readers who
        may see none."""
        own_bases = self.context.get("protected_only_of_bases")
        return {
            "uid": row["uid_text"],
            "base": {"uid": row["base_uid"], "code": row["base__code"], "name": row["base__name"]},
            "locality": {
                "uid": row["locality_uid"],
                "name": row["locality__name"],
                "territory": row["locality__territory__name"],
                "province": row["locality__territory__province__name"],
                "latitude": row["locality_latitude"],
                "longitude": row["locality_longitude"],
            },
            "held_on": row["held_on"],
            "meeting_type": row["meeting_type"],
            "stakeholder_groups": orjson.loads(row["stakeholder_groups_json"]),
            "women_consulted_separately": row["women_consulted_separately"],
            "topics": row["topics"],
            "participants": {name: row[name] for name in SEX_AGE_FIELDS},
            "concerns": _concerns(orjson.loads(row["concerns_json"]), own_bases is None or row["base_id"] in own_bases),
            "follow_ups": [
                dict(zip(FOLLOW_UP_FIELDS, values, strict=True)) for values in orjson.loads(row["follow_ups_json"])
            ],
            "review_status": row["review_status"],
            "created_at": iso(row["created_at"]),
            "updated_at": iso(row["updated_at"]),
        }


def _concerns(rows: list[list], with_protected: bool) -> list[dict]:
    """Concerns from their arrays of ``CONCERN_FIELDS`` values, the protected ones only
    ``with_protected`` and then with their description emptied."""
    concerns = []
    for values in rows:
        concern = dict(zip(CONCERN_FIELDS, values, strict=True))
        if is_protected(concern["category"]):
            if not with_protected:
                continue
            concern["description"] = None
        concerns.append(concern)
    return concerns


MEETING_COLUMNS = (
    "id",
    "base_id",
    "base__code",
    "base__name",
    "locality__name",
    "locality__territory__name",
    "locality__territory__province__name",
    "held_on",
    "meeting_type",
    "women_consulted_separately",
    "topics",
    *SEX_AGE_FIELDS,
    "review_status",
    "created_at",
    "updated_at",
)
# The fields of each concern and follow-up, in their serializer's order: the view builds their
# arrays in SQL in this order (they are the model fields' names too) and ``to_representation``
# names them back, so a field declared on the serializer reaches the output with no other change.
CONCERN_FIELDS = tuple(ConcernSerializer._declared_fields)
FOLLOW_UP_FIELDS = tuple(FollowUpSerializer._declared_fields)


class PlanActionSerializer(serializers.Serializer):
    uid = serializers.UUIDField()
    description = serializers.CharField()
    responsible = serializers.CharField()
    deadline = serializers.DateField(allow_null=True)
    status = serializers.CharField()
    review_on = serializers.DateField(allow_null=True)


class PlanThreatSerializer(serializers.Serializer):
    uid = serializers.UUIDField()
    category = serializers.CharField()
    perpetrator_type = serializers.CharField()
    description = serializers.CharField(allow_null=True, help_text="null for sexual-violence threats")
    at_risk_groups = serializers.ListField(child=serializers.CharField())
    at_risk_detail = serializers.CharField(allow_null=True)
    vulnerabilities = serializers.CharField(allow_null=True)
    capacities = serializers.CharField(allow_null=True)
    actions = PlanActionSerializer(many=True)


def _threat(threat) -> dict:
    hidden = is_protected(threat.category)
    return {
        "uid": threat.uid,
        "category": threat.category,
        "perpetrator_type": threat.perpetrator_type,
        "description": None if hidden else threat.description,
        "at_risk_groups": threat.at_risk_groups,
        "at_risk_detail": None if hidden else threat.at_risk_detail,
        "vulnerabilities": None if hidden else threat.vulnerabilities,
        "capacities": None if hidden else threat.capacities,
        "actions": [
            {
                "uid": a.uid,
                "description": a.description,
                "responsible": a.responsible,
                "deadline": a.deadline,
                "status": a.status,
                "review_on": a.review_on,
            }
            for a in threat.api_actions
        ],
    }


class PlanSerializer(serializers.Serializer):
    uid = serializers.UUIDField()
    base = BaseRefSerializer()
    locality = LocalityRefSerializer()
    period_start = serializers.DateField()
    period_end = serializers.DateField()
    review_on = serializers.DateField(allow_null=True)
    version = serializers.IntegerField()
    summary = serializers.CharField()
    consulted = SexAgeSerializer(help_text="People consulted to draw the plan up.")
    threats = PlanThreatSerializer(many=True)
    review_status = serializers.CharField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    def to_representation(self, plan) -> dict:
        return {
            "uid": plan.uid,
            "base": base_ref(plan.base),
            "locality": locality_ref(plan.locality),
            "period_start": plan.period_start,
            "period_end": plan.period_end,
            "review_on": plan.review_on,
            "version": plan.version,
            "summary": plan.summary,
            "consulted": sex_age(plan),
            "threats": [_threat(threat) for threat in plan.api_threats],
            "review_status": plan.review_status,
            "created_at": iso(plan.created_at),
            "updated_at": iso(plan.updated_at),
        }
