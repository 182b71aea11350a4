"""Operating bases, CLAs and their assignments, Urafiki meetings, Community Protection Plans."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from gender.models import Report
from monusco.choices import ThreatCategory
from monusco.map_positions import PositionFields, position_constraints
from monusco.models import BaseModel, Locality

from .validators import validate_past_date, validate_planning_date


class OperatingBase(BaseModel):
    """A Company Operating Base (permanent) or a Temporary Operating Base set up from a COB.

    Bases open, close and are handed over to national authorities: their dates are kept, and a
    closed base stays in the database with its history.
    """

    class Kind(models.TextChoices):
        COB = "cob", _("Company Operating Base (COB)")
        TOB = "tob", _("Temporary Operating Base (TOB)")

    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=3, choices=Kind.choices, default=Kind.COB)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="temporary_bases",
        verbose_name=_("parent COB"),
    )
    contingent = models.CharField(_("contingent"), max_length=100, blank=True)
    locality = models.ForeignKey(Locality, on_delete=models.PROTECT, related_name="bases_located")
    coverage = models.ManyToManyField(
        Locality, related_name="covering_bases", blank=True, verbose_name=_("localities covered")
    )
    opened_on = models.DateField(_("opened on"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    handed_over_on = models.DateField(_("handed over on"), null=True, blank=True)
    handed_over_to = models.CharField(_("handed over to"), max_length=100, blank=True)
    alert_ack_minutes = models.PositiveSmallIntegerField(
        _("minutes to acknowledge an alert before escalation"), default=15
    )
    callback_minutes = models.PositiveSmallIntegerField(
        _("minutes to call back a missed call before escalation"), default=10
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("operating base")
        verbose_name_plural = _("operating bases")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["cob", "tob"]), name="operatingbase_kind_valid"),
            models.CheckConstraint(
                condition=Q(kind="cob", parent__isnull=True) | Q(kind="tob", parent__isnull=False),
                name="operatingbase_tob_has_parent_cob",
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=models.F("opened_on")),
                name="operatingbase_closed_after_opened",
            ),
            models.CheckConstraint(condition=Q(alert_ack_minutes__gte=1), name="operatingbase_ack_minutes_positive"),
            models.CheckConstraint(
                condition=Q(callback_minutes__gte=1), name="operatingbase_callback_minutes_positive"
            ),
        ]
        indexes = [
            models.Index(fields=["name"], name="base_open_idx", condition=Q(closed_on__isnull=True)),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_open(self) -> bool:
        return self.closed_on is None


class CommunityLiaisonAssistant(BaseModel):
    """The CLA profile of a user. Base assignments over time are ``BaseAssignment`` rows."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="cla_profile")
    languages = models.JSONField(_("languages spoken"), default=list, blank=True)
    is_gender_focal_point = models.BooleanField(_("gender focal point"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["user__last_name", "user__first_name"]
        verbose_name = _("community liaison assistant")
        verbose_name_plural = _("community liaison assistants")

    def __str__(self) -> str:
        return str(self.user)


class BaseAssignment(BaseModel):
    """A user working at a base from one date to another (open-ended while ``ends_on`` is empty).
    CLAs, duty officers and anyone else whose scope is a base get one; it is their base scope."""

    class Function(models.TextChoices):
        CLA = "cla", _("Community Liaison Assistant")
        DUTY_OFFICER = "duty_officer", _("Duty officer")
        COMMANDER = "commander", _("Base commander")
        OTHER = "other", _("Other")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="base_assignments")
    base = models.ForeignKey(OperatingBase, on_delete=models.PROTECT, related_name="assignments")
    function = models.CharField(_("function"), max_length=20, choices=Function.choices, default=Function.CLA)
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = _("base assignment")
        verbose_name_plural = _("base assignments")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="baseassignment_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(function__in=["cla", "duty_officer", "commander", "other"]),
                name="baseassignment_function_valid",
            ),
            models.UniqueConstraint(
                fields=["user", "base", "function"],
                condition=Q(ends_on__isnull=True),
                name="baseassignment_one_open_per_user_base_function",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.base}"


def _labels(choices, values) -> list[str]:
    """Display labels of stored choice values (unknown values are shown as stored)."""
    names = dict(choices.choices)
    return [str(names.get(value, value)) for value in values or []]


class MeetingType(models.TextChoices):
    URAFIKI = "urafiki", _("Urafiki meeting")
    SECURITY_COMMITTEE = "security_committee", _("Local security committee")
    WOMEN_FORUM = "women_forum", _("Women's forum")
    YOUTH_DIALOGUE = "youth_dialogue", _("Youth dialogue")
    AUTHORITIES = "authorities", _("Meeting with local authorities")
    OTHER = "other", _("Other")


class StakeholderGroup(models.TextChoices):
    CHIEF = "chief", _("Chief (locality or groupement)")
    LOCAL_AUTHORITY = "local_authority", _("Local administration")
    CIVIL_SOCIETY = "civil_society", _("Civil society")
    WOMEN_ASSOCIATIONS = "women_associations", _("Women's associations")
    YOUTH = "youth", _("Youth representatives")
    CHURCHES = "churches", _("Churches and religious leaders")
    DISPLACED = "displaced", _("Displaced people's representatives")
    FARDC = "fardc", _("FARDC")
    PNC = "pnc", _("Police (PNC)")
    OTHER = "other", _("Other")


class AtRiskGroup(models.TextChoices):
    WOMEN = "women", _("Women")
    MEN = "men", _("Men")
    GIRLS = "girls", _("Girls")
    BOYS = "boys", _("Boys")
    ELDERLY = "elderly", _("Older people")
    DISPLACED = "displaced", _("Displaced people")
    DISABLED = "disabled", _("People with disabilities")


class ResponsibleActor(models.TextChoices):
    COMMUNITY = "community", _("Community")
    LOCAL_AUTHORITY = "local_authority", _("Local authority")
    FARDC = "fardc", _("FARDC")
    PNC = "pnc", _("Police (PNC)")
    MONUSCO = "monusco", _("MONUSCO")


class ActionStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    DONE = "done", _("Done")
    BLOCKED = "blocked", _("Blocked")
    DROPPED = "dropped", _("Dropped")


class UrafikiMeeting(BaseModel, Report, PositionFields):
    """A community meeting a CLA facilitated. The sex/age fields count the participants."""

    base = models.ForeignKey(OperatingBase, on_delete=models.PROTECT, related_name="meetings")
    locality = models.ForeignKey(Locality, on_delete=models.PROTECT, related_name="meetings")
    held_on = models.DateField(_("date"), validators=[validate_past_date])
    meeting_type = models.CharField(_("type"), max_length=20, choices=MeetingType, default=MeetingType.URAFIKI)
    facilitators = models.ManyToManyField(
        CommunityLiaisonAssistant, related_name="meetings_facilitated", blank=True, verbose_name=_("facilitating CLAs")
    )
    stakeholder_groups = models.JSONField(_("stakeholder groups present"), default=list, blank=True)
    women_consulted_separately = models.BooleanField(_("women consulted separately"), default=False)
    topics = models.TextField(_("topics discussed"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="meetings_written")
    # Set by the form when it is first shown: a form posted twice on a weak link makes one meeting.
    client_token = models.UUIDField(_("form token"), null=True, blank=True, unique=True, editable=False)
    # Grows with every save through ``cla.services``; a save made from an older version is refused.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        ordering = ["-held_on", "-id"]
        verbose_name = _("community meeting")
        verbose_name_plural = _("community meetings")
        constraints = Report.Meta.constraints + [
            models.CheckConstraint(
                condition=Q(meeting_type__in=[c.value for c in MeetingType]), name="urafikimeeting_type_valid"
            ),
            *position_constraints("urafikimeeting"),
        ]
        indexes = [models.Index(fields=["base", "-held_on"], name="meeting_base_date_idx")]

    def __str__(self) -> str:
        return f"{self.get_meeting_type_display()} – {self.locality} – {self.held_on:%Y-%m-%d}"

    @property
    def stakeholder_labels(self) -> list[str]:
        return _labels(StakeholderGroup, self.stakeholder_groups)


class SecurityConcern(BaseModel):
    meeting = models.ForeignKey(UrafikiMeeting, on_delete=models.CASCADE, related_name="concerns")
    category = models.CharField(_("threat category"), max_length=20, choices=ThreatCategory.choices)
    description = models.TextField(_("description"))
    at_risk_groups = models.JSONField(_("who is at risk"), default=list, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("security concern")
        verbose_name_plural = _("security concerns")
        constraints = [
            models.CheckConstraint(
                condition=Q(category__in=[c.value for c in ThreatCategory]), name="securityconcern_category_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.get_category_display()

    @property
    def at_risk_labels(self) -> list[str]:
        return _labels(AtRiskGroup, self.at_risk_groups)


class MeetingFollowUp(BaseModel):
    meeting = models.ForeignKey(UrafikiMeeting, on_delete=models.CASCADE, related_name="follow_ups")
    action = models.TextField(_("follow-up action"))
    responsible = models.CharField(_("responsible"), max_length=20, choices=ResponsibleActor)
    due_on = models.DateField(_("due"), null=True, blank=True, validators=[validate_planning_date])
    status = models.CharField(_("status"), max_length=12, choices=ActionStatus, default=ActionStatus.PLANNED)

    class Meta:
        ordering = ["id"]
        verbose_name = _("meeting follow-up")
        verbose_name_plural = _("meeting follow-ups")
        constraints = [
            models.CheckConstraint(
                condition=Q(responsible__in=[c.value for c in ResponsibleActor]),
                name="meetingfollowup_responsible_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=[c.value for c in ActionStatus]), name="meetingfollowup_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.action[:60]


class CommunityProtectionPlan(BaseModel, Report):
    """The protection plan of one locality for one period, kept by the base covering it.

    The sex/age fields count the people consulted to draw the plan up. ``version`` grows with each
    saved revision; earlier versions are kept as ``PlanRevision`` snapshots. A save made from an
    older version is refused (``cla.services.VersionConflict``).
    """

    base = models.ForeignKey(OperatingBase, on_delete=models.PROTECT, related_name="protection_plans")
    locality = models.ForeignKey(Locality, on_delete=models.PROTECT, related_name="protection_plans")
    period_start = models.DateField(_("period start"), validators=[validate_planning_date])
    period_end = models.DateField(_("period end"), validators=[validate_planning_date])
    review_on = models.DateField(_("next review"), null=True, blank=True, validators=[validate_planning_date])
    version = models.PositiveIntegerField(_("version"), default=1)
    summary = models.TextField(_("summary"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="plans_written")
    # Set by the form when it is first shown: a new-plan form posted twice makes one plan.
    client_token = models.UUIDField(_("form token"), null=True, blank=True, unique=True, editable=False)

    class Meta:
        ordering = ["locality__name", "-period_start"]
        verbose_name = _("community protection plan")
        verbose_name_plural = _("community protection plans")
        constraints = Report.Meta.constraints + [
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="plan_period_valid"),
            models.UniqueConstraint(fields=["locality", "period_start"], name="plan_one_per_locality_period"),
        ]

    def __str__(self) -> str:
        return f"{self.locality} {self.period_start:%Y-%m}–{self.period_end:%Y-%m}"


class PlanRevision(BaseModel):
    """A frozen copy of a plan (with its threats and actions) as it stood at one version."""

    plan = models.ForeignKey(CommunityProtectionPlan, on_delete=models.CASCADE, related_name="revisions")
    version = models.PositiveIntegerField(_("version"))
    snapshot = models.JSONField(_("content"))
    saved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["plan", "-version"]
        verbose_name = _("plan revision")
        verbose_name_plural = _("plan revisions")
        constraints = [models.UniqueConstraint(fields=["plan", "version"], name="planrevision_unique_version")]

    def __str__(self) -> str:
        return f"{self.plan} v{self.version}"


class PerpetratorType(models.TextChoices):
    ARMED_GROUP = "armed_group", _("Armed group")
    FARDC = "fardc", _("FARDC")
    PNC = "pnc", _("Police (PNC)")
    BANDITS = "bandits", _("Bandits")
    COMMUNITY = "community", _("Community members")
    UNKNOWN = "unknown", _("Unknown")


class PlanThreat(BaseModel):
    plan = models.ForeignKey(CommunityProtectionPlan, on_delete=models.CASCADE, related_name="threats")
    category = models.CharField(_("threat category"), max_length=20, choices=ThreatCategory.choices)
    perpetrator_type = models.CharField(_("perpetrator type"), max_length=20, choices=PerpetratorType)
    description = models.TextField(_("threat"))
    at_risk_groups = models.JSONField(_("groups at risk"), default=list, blank=True)
    at_risk_detail = models.TextField(_("who is at risk, where and when"), blank=True)
    vulnerabilities = models.TextField(_("vulnerabilities"), blank=True)
    capacities = models.TextField(_("community capacities"), blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("plan threat")
        verbose_name_plural = _("plan threats")
        constraints = [
            models.CheckConstraint(
                condition=Q(category__in=[c.value for c in ThreatCategory]), name="planthreat_category_valid"
            ),
            models.CheckConstraint(
                condition=Q(perpetrator_type__in=[c.value for c in PerpetratorType]),
                name="planthreat_perpetrator_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()}: {self.description[:60]}"

    @property
    def at_risk_labels(self) -> list[str]:
        return _labels(AtRiskGroup, self.at_risk_groups)


class PlanAction(BaseModel):
    threat = models.ForeignKey(PlanThreat, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField(_("action"))
    responsible = models.CharField(_("responsible actor"), max_length=20, choices=ResponsibleActor)
    deadline = models.DateField(_("deadline"), null=True, blank=True, validators=[validate_planning_date])
    status = models.CharField(_("status"), max_length=12, choices=ActionStatus, default=ActionStatus.PLANNED)
    review_on = models.DateField(_("review date"), null=True, blank=True, validators=[validate_planning_date])

    class Meta:
        ordering = ["deadline", "id"]
        verbose_name = _("plan action")
        verbose_name_plural = _("plan actions")
        constraints = [
            models.CheckConstraint(
                condition=Q(responsible__in=[c.value for c in ResponsibleActor]), name="planaction_responsible_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=[c.value for c in ActionStatus]), name="planaction_status_valid"
            ),
        ]
        indexes = [
            models.Index(
                fields=["deadline"],
                name="planaction_open_deadline_idx",
                condition=Q(status__in=["planned", "in_progress", "blocked"]),
            ),
        ]

    def __str__(self) -> str:
        return self.description[:60]
