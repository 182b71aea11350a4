"""JPT missions with their recommendations. Findings are not exposed (they may hold
sexual-violence detail); the report summary is left out (``null``) for API clients."""

from rest_framework import serializers

from monusco.api.serializers import SexAgeSerializer, iso, sex_age


class MissionLocalitySerializer(serializers.Serializer):
    uid = serializers.UUIDField(allow_null=True, help_text="null under a territory- or province-level agreement")
    name = serializers.CharField(allow_null=True, help_text="null under a territory- or province-level agreement")
    territory = serializers.CharField(allow_null=True, help_text="null under a province-level agreement")


class RecommendationSerializer(serializers.Serializer):
    uid = serializers.UUIDField()
    text = serializers.CharField()
    responsible = serializers.CharField()
    deadline = serializers.DateField()
    follow_up_status = serializers.CharField()
    last_update_on = serializers.DateField(allow_null=True)


class MissionSerializer(serializers.Serializer):
    uid = serializers.UUIDField()
    title = serializers.CharField()
    status = serializers.CharField()
    start_date = serializers.DateField()
    end_date = serializers.DateField()
    localities = MissionLocalitySerializer(many=True)
    bases = serializers.ListField(child=serializers.CharField(), help_text="Codes of the operating bases concerned.")
    objectives = serializers.CharField()
    summary = serializers.CharField(allow_null=True, help_text="Report summary; null for API clients.")
    team_size = serializers.IntegerField()
    women_on_team = serializers.IntegerField()
    people_met = SexAgeSerializer()
    recommendations = RecommendationSerializer(many=True)
    overdue_recommendations = serializers.IntegerField()
    review_status = serializers.CharField()
    updated_at = serializers.DateTimeField()

    def to_representation(self, mission) -> dict:
        return {
            "uid": mission.uid,
            "title": mission.title,
            "status": mission.status,
            "start_date": mission.start_date,
            "end_date": mission.end_date,
            "localities": [
                {"uid": loc.uid, "name": loc.name, "territory": loc.territory.name} for loc in mission.localities.all()
            ],
            "bases": [base.code for base in mission.api_bases],
            "objectives": mission.objectives,
            "summary": None if self.context.get("client") is not None else mission.summary,
            "team_size": mission.team_size,
            "women_on_team": mission.women_on_team,
            "people_met": sex_age(mission),
            "recommendations": [
                {
                    "uid": r.uid,
                    "text": r.text,
                    "responsible": r.responsible,
                    "deadline": r.deadline,
                    "follow_up_status": r.follow_up_status,
                    "last_update_on": r.last_update_on,
                }
                for r in mission.api_recommendations
            ],
            "overdue_recommendations": mission.overdue_count,
            "review_status": mission.review_status,
            "updated_at": iso(mission.updated_at),
        }
