"""Builders for operating bases, meetings and protection plans."""

import datetime

import factory

from cla.models import (
    CommunityProtectionPlan,
    MeetingFollowUp,
    OperatingBase,
    PlanAction,
    PlanThreat,
    SecurityConcern,
    UrafikiMeeting,
)

from .monusco import LocalityFactory


class OperatingBaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OperatingBase
        django_get_or_create = ("code",)
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"cob-{n}")
    name = factory.Sequence(lambda n: f"Base {n}")
    kind = OperatingBase.Kind.COB
    locality = factory.SubFactory(LocalityFactory)
    opened_on = datetime.date(2015, 1, 1)

    @factory.post_generation
    def coverage(self, create, extracted, **kwargs):
        if create:
            self.coverage.set(extracted if extracted is not None else [self.locality])


class MeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UrafikiMeeting

    locality = factory.LazyAttribute(lambda o: o.base.locality)
    held_on = datetime.date(2024, 5, 10)
    meeting_type = "urafiki"
    women = 10
    men = 8
    girls = 3
    boys = 2
    topics = "Sécurité au marché"


class ConcernFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SecurityConcern

    category = "looting"
    description = "Pillage de récoltes"
    at_risk_groups = ["women"]


class FollowUpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MeetingFollowUp

    action = "Patrouille de nuit"
    responsible = "monusco"


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CommunityProtectionPlan

    locality = factory.LazyAttribute(lambda o: o.base.locality)
    period_start = factory.Sequence(lambda n: datetime.date(2024, 1, 1) + datetime.timedelta(days=n))
    period_end = datetime.date(2030, 6, 30)


class ThreatFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanThreat

    category = "extortion"
    perpetrator_type = "bandits"
    description = "Barrières illégales"


class ActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanAction

    description = "Plaidoyer"
    responsible = "local_authority"
    deadline = datetime.date(2024, 6, 1)
