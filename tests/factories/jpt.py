"""Factories for JPT missions and their parts."""

import datetime

import factory

from jpt.models import (
    Finding,
    ItineraryStop,
    JPTMission,
    MeetingHeld,
    MissionMember,
    Recommendation,
    RecommendationUpdate,
)


class MissionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = JPTMission
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Mission {n}")
    start_date = datetime.date(2026, 10, 5)
    end_date = datetime.date(2026, 10, 9)
    objectives = "Assess protection threats and meet communities."

    @factory.post_generation
    def localities(self, create, extracted, **kwargs):
        if create and extracted:
            self.localities.set(extracted)


class MemberFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MissionMember

    mission = factory.SubFactory(MissionFactory)
    external_name = factory.Sequence(lambda n: f"Officer {n}")
    section = "civil_affairs"
    sex = "m"


class StopFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ItineraryStop

    arrive_on = datetime.date(2026, 10, 5)
    leave_on = datetime.date(2026, 10, 6)


class MeetingHeldFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MeetingHeld

    held_on = datetime.date(2026, 10, 6)
    kind = "community"
    with_whom = "Comité local de protection"
    women = 5
    men = 7


class FindingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Finding

    category = "armed_attack"
    description = "Armed men attacked the market road twice this month."


class RecommendationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Recommendation

    text = "Increase night patrols on the market road."
    responsible = "fardc"
    deadline = datetime.date(2026, 11, 1)


class RecommendationUpdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RecommendationUpdate

    status = "in_progress"
    note = "Patrols started twice a week."
    updated_on = datetime.date(2026, 11, 5)
