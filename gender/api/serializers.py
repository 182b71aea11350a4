"""Gender reviews and the dashboard indicators (aggregates; small sexual-violence counts are
suppressed: ``null`` means nothing to show, see ``gender.selectors.suppression.protected_figures``)."""

from rest_framework import serializers

from monusco.api.serializers import iso

from ..sadd import SEX_FIELDS


class ReviewSerializer(serializers.Serializer):
    uid = serializers.UUIDField()
    report_type = serializers.CharField(help_text="meeting, protection_plan, alert, jpt_mission...")
    report_uid = serializers.UUIDField(allow_null=True)
    round = serializers.IntegerField()
    decision = serializers.CharField()
    checklist_version = serializers.IntegerField()
    answers = serializers.DictField(child=serializers.IntegerField(), help_text="Counts of yes, partly, no, na.")
    comment = serializers.CharField(allow_null=True, help_text="Signed-in users only; null for API clients.")
    submitted_at = serializers.DateTimeField(allow_null=True)
    reviewed_at = serializers.DateTimeField()
    days_to_review = serializers.FloatField(allow_null=True)

    def to_representation(self, review) -> dict:
        return {
            "uid": review.uid,
            "report_type": review.report_type,
            "report_uid": review.report_uid,
            "round": review.round,
            "decision": review.decision,
            "checklist_version": review.checklist.version,
            "answers": {"yes": review.n_yes, "partly": review.n_partly, "no": review.n_no, "na": review.n_na},
            "comment": None if self.context.get("client") is not None else review.comment,
            "submitted_at": iso(review.submitted_at),
            "reviewed_at": iso(review.created_at),
            "days_to_review": review.days_to_review,
        }


def _count(value):
    """The dashboard's suppressed counts ("<5" or "12") as integers, or None when suppressed."""
    if isinstance(value, str):
        return None if value.startswith("<") else int(value)
    return value


class TypeFiguresSerializer(serializers.Serializer):
    report_type = serializers.CharField()
    reports = serializers.IntegerField()
    reviewed = serializers.IntegerField()
    returned = serializers.IntegerField()
    waiting = serializers.IntegerField()
    share_reviewed = serializers.FloatField(allow_null=True)
    share_returned = serializers.FloatField(allow_null=True)


class ThreatFiguresSerializer(serializers.Serializer):
    category = serializers.CharField()
    protected = serializers.BooleanField()
    alerts = serializers.IntegerField(allow_null=True)
    women = serializers.IntegerField(allow_null=True)
    men = serializers.IntegerField(allow_null=True)
    girls = serializers.IntegerField(allow_null=True)
    boys = serializers.IntegerField(allow_null=True)


class MonthFiguresSerializer(serializers.Serializer):
    month = serializers.DateField()
    reports = serializers.IntegerField()
    reviewed = serializers.IntegerField()
    women = serializers.IntegerField()
    people = serializers.IntegerField()
    women_share = serializers.FloatField(allow_null=True)


class SexualViolenceFiguresSerializer(serializers.Serializer):
    alerts = serializers.IntegerField(allow_null=True)
    women = serializers.IntegerField(allow_null=True)
    men = serializers.IntegerField(allow_null=True)
    girls = serializers.IntegerField(allow_null=True)
    boys = serializers.IntegerField(allow_null=True)
    reports_mentioning = serializers.IntegerField(allow_null=True)


class IndicatorsSerializer(serializers.Serializer):
    reports = serializers.IntegerField()
    reviewed = serializers.IntegerField()
    returned = serializers.IntegerField()
    waiting = serializers.IntegerField()
    share_reviewed = serializers.FloatField(allow_null=True)
    share_returned = serializers.FloatField(allow_null=True)
    median_days_to_review = serializers.FloatField(allow_null=True)
    participants = serializers.DictField(child=serializers.IntegerField())
    women_share = serializers.FloatField(allow_null=True)
    women_and_girls_share = serializers.FloatField(allow_null=True)
    meetings = serializers.IntegerField()
    meetings_without_women = serializers.IntegerField()
    meetings_women_consulted_separately = serializers.IntegerField()
    by_report_type = TypeFiguresSerializer(many=True)
    threats = ThreatFiguresSerializer(many=True)
    sexual_violence = SexualViolenceFiguresSerializer()
    months = MonthFiguresSerializer(many=True)

    def to_representation(self, d) -> dict:
        return {
            "reports": d.reports,
            "reviewed": d.reviewed,
            "returned": d.returned,
            "waiting": d.waiting,
            "share_reviewed": d.share_reviewed,
            "share_returned": d.share_returned,
            "median_days_to_review": d.median_days,
            "participants": dict(d.participants),
            "women_share": d.women_share,
            "women_and_girls_share": d.women_and_girls_share,
            "meetings": d.meetings,
            "meetings_without_women": d.meetings_no_women,
            "meetings_women_consulted_separately": d.meetings_separate,
            "by_report_type": [
                {
                    key: row[key]
                    for key in ("reports", "reviewed", "returned", "waiting", "share_reviewed", "share_returned")
                }
                | {"report_type": row["slug"]}
                for row in d.by_type
            ],
            "threats": [
                {
                    "category": row["category"],
                    "protected": row["protected"],
                    "alerts": _count(row["n"]),
                    **{name: _count(row[name]) for name in SEX_FIELDS},
                }
                for row in d.threats
            ],
            "sexual_violence": {key: _count(value) for key, value in d.sexual_violence.items()},
            "months": [
                {key: row[key] for key in ("month", "reports", "reviewed", "women", "people", "women_share")}
                for row in d.months
            ],
        }
