"""Joint Protection Team missions: team, itinerary, meetings held, findings, recommendations.

A mission is a report: its sex/age fields (from ``gender.models.Report``) count the people the team
met, and once its report is submitted it joins the gender office's review queue.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gender.models import Report, SexAgeDisaggregation
from monusco.choices import ThreatCategory
from monusco.map_positions import PositionFields, position_constraints
from monusco.models import BaseModel, Locality


def _valid(field: str, choices: type[models.TextChoices]) -> Q:
    return Q(**{f"{field}__in": [c.value for c in choices]})


class MissionStatus(models.TextChoices):
    PLANNED = "planned", pgettext_lazy("mission status", "Planned")
    APPROVED = "approved", pgettext_lazy("mission status", "Approved")
    ONGOING = "ongoing", pgettext_lazy("mission status", "Ongoing")
    COMPLETED = "completed", pgettext_lazy("mission status", "Completed")
    REPORT_SUBMITTED = "report_submitted", pgettext_lazy("mission status", "Report submitted")


class Section(models.TextChoices):
    CIVIL_AFFAIRS = "civil_affairs", _("Civil Affairs")
    HUMAN_RIGHTS = "human_rights", _("Human Rights")
    CHILD_PROTECTION = "child_protection", _("Child Protection")
    GENDER = "gender", _("Gender")
    POLITICAL_AFFAIRS = "political_affairs", _("Political Affairs")
    PUBLIC_INFORMATION = "public_information", _("Public Information")
    UN_POLICE = "un_police", _("UN Police")
    MILITARY = "military", _("Military")
    CLA = "cla", _("Community Liaison Assistant")


class MemberSex(models.TextChoices):
    FEMALE = "f", _("Female")
    MALE = "m", _("Male")


class MeetingKind(models.TextChoices):
    COMMUNITY = "community", _("Community")
    AUTHORITIES = "authorities", _("Local authorities")
    WOMEN = "women", _("Women's group")
    YOUTH = "youth", _("Youth")
    SURVIVORS = "survivors", _("Survivors (Human Rights interviews)")
    CIVIL_SOCIETY = "civil_society", _("Civil society")
    SECURITY_FORCES = "security_forces", _("Security forces (FARDC, PNC)")
    DISPLACED = "displaced", _("Displaced people")
    OTHER = "other", _("Other")


class ResponsibleEntity(models.TextChoices):
    COMMUNITY = "community", _("Community")
    LOCAL_AUTHORITY = "local_authority", _("Local authority")
    PROVINCIAL_AUTHORITY = "provincial_authority", _("Provincial authority")
    FARDC = "fardc", _("FARDC")
    PNC = "pnc", _("Police (PNC)")
    MONUSCO = "monusco", _("MONUSCO")
    HUMANITARIAN = "humanitarian", _("Humanitarian partners")
    CIVIL_SOCIETY = "civil_society", _("Civil society")
    OTHER = "other", _("Other")


class FollowUpStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("recommendation follow-up", "Not started")
    IN_PROGRESS = "in_progress", pgettext_lazy("recommendation follow-up", "In progress")
    BLOCKED = "blocked", pgettext_lazy("recommendation follow-up", "Blocked")
    DONE = "done", pgettext_lazy("recommendation follow-up", "Done")
    DROPPED = "dropped", pgettext_lazy("recommendation follow-up", "Dropped")


OPEN_FOLLOW_UP = (FollowUpStatus.OPEN, FollowUpStatus.IN_PROGRESS, FollowUpStatus.BLOCKED)


class JPTMission(BaseModel, Report):
    """One Joint Protection Team mission. The sex/age fields count the people the team met."""

    title = models.CharField(_("title"), max_length=200)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="jpt_missions_led", verbose_name=_("lead")
    )
    status = models.CharField(
        _("status"), max_length=20, choices=MissionStatus, default=MissionStatus.PLANNED, db_index=True
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    localities = models.ManyToManyField(Locality, related_name="jpt_missions", verbose_name=_("area (localities)"))
    bases = models.ManyToManyField(
        "cla.OperatingBase", related_name="jpt_missions", blank=True, verbose_name=_("operating bases concerned")
    )
    objectives = models.TextField(_("objectives"))
    terms_of_reference = models.TextField(_("terms of reference"), blank=True)
    summary = models.TextField(_("report summary"), blank=True)

    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("started by"),
    )
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("completed by"),
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    report_submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("report submitted by"),
    )
    report_submitted_at = models.DateTimeField(_("report submitted at"), null=True, blank=True)

    class Meta:
        ordering = ["-start_date", "-id"]
        verbose_name = _("JPT mission")
        verbose_name_plural = _("JPT missions")
        permissions = [("approve_jptmission", "Can approve JPT missions")]
        constraints = Report.Meta.constraints + [
            models.CheckConstraint(condition=_valid("status", MissionStatus), name="jptmission_status_valid"),
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="jptmission_dates_in_order",
                violation_error_message=_("The mission cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(status="planned") | Q(approved_at__isnull=False), name="jptmission_approval_recorded"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["planned", "approved"]) | Q(started_at__isnull=False),
                name="jptmission_start_recorded",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["planned", "approved", "ongoing"]) | Q(completed_at__isnull=False),
                name="jptmission_completion_recorded",
            ),
            models.CheckConstraint(
                condition=~Q(status="report_submitted") | Q(report_submitted_at__isnull=False),
                name="jptmission_submission_recorded",
            ),
        ]
        indexes = [models.Index(fields=["status", "-start_date"], name="jptmission_status_start_idx")]

    def __str__(self) -> str:
        return f"{self.title} ({self.start_date:%Y-%m-%d})"


def team_member_choices() -> Q:
    """Who may be picked as a team member: active staff users, never the service user of an API
    client (another tool's account) nor anyone holding the API client role."""
    return Q(is_active=True, is_staff=True, api_client__isnull=True) & ~Q(groups__name="api_client")


class MissionMember(BaseModel):
    """A team member: a user of the system, or someone named (other sections, interpreters...)."""

    mission = models.ForeignKey(JPTMission, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="jpt_memberships",
        verbose_name=_("user"),
        limit_choices_to=team_member_choices,
    )
    external_name = models.CharField(_("name (if not a user)"), max_length=150, blank=True)
    section = models.CharField(_("section"), max_length=20, choices=Section)
    sex = models.CharField(_("sex"), max_length=1, choices=MemberSex)
    role = models.CharField(_("role in the team"), max_length=100, blank=True)

    class Meta:
        ordering = ["mission", "id"]
        verbose_name = _("team member")
        verbose_name_plural = _("team members")
        constraints = [
            models.CheckConstraint(condition=_valid("section", Section), name="missionmember_section_valid"),
            models.CheckConstraint(condition=_valid("sex", MemberSex), name="missionmember_sex_valid"),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(external_name=""),
                name="missionmember_user_or_name",
                violation_error_message=_("Choose a user or write the member's name."),
            ),
            models.UniqueConstraint(
                fields=["mission", "user"],
                condition=Q(user__isnull=False),
                name="missionmember_user_once",
                violation_error_message=_("This person is already on the team."),
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return str(self.user) if self.user_id else self.external_name


class ItineraryStop(BaseModel, PositionFields):
    mission = models.ForeignKey(JPTMission, on_delete=models.CASCADE, related_name="stops")
    locality = models.ForeignKey(
        Locality, on_delete=models.PROTECT, related_name="jpt_stops", verbose_name=_("locality")
    )
    arrive_on = models.DateField(_("arrival"))
    leave_on = models.DateField(_("departure"))
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        ordering = ["mission", "arrive_on", "id"]
        verbose_name = _("itinerary stop")
        verbose_name_plural = _("itinerary stops")
        constraints = [
            models.CheckConstraint(
                condition=Q(leave_on__gte=F("arrive_on")),
                name="itinerarystop_dates_in_order",
                violation_error_message=_("Departure cannot be before arrival."),
            ),
            *position_constraints("itinerarystop"),
        ]

    def __str__(self) -> str:
        return f"{self.locality} {self.arrive_on:%Y-%m-%d}"


class MeetingHeld(BaseModel, SexAgeDisaggregation):
    """A meeting with a community, its authorities or survivors, with the people met by sex/age."""

    mission = models.ForeignKey(JPTMission, on_delete=models.CASCADE, related_name="meetings")
    locality = models.ForeignKey(
        Locality, on_delete=models.PROTECT, related_name="jpt_meetings", verbose_name=_("locality")
    )
    held_on = models.DateField(_("date"))
    kind = models.CharField(_("who was met"), max_length=20, choices=MeetingKind)
    with_whom = models.CharField(_("community or authority"), max_length=200)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["mission", "held_on", "id"]
        verbose_name = _("meeting held")
        verbose_name_plural = _("meetings held")
        constraints = SexAgeDisaggregation.Meta.constraints + [
            models.CheckConstraint(condition=_valid("kind", MeetingKind), name="meetingheld_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.with_whom} ({self.held_on:%Y-%m-%d})"


class Finding(BaseModel):
    mission = models.ForeignKey(JPTMission, on_delete=models.CASCADE, related_name="findings")
    category = models.CharField(_("threat category"), max_length=20, choices=ThreatCategory.choices)
    locality = models.ForeignKey(
        Locality,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="jpt_findings",
        verbose_name=_("locality"),
    )
    description = models.TextField(_("finding"))

    class Meta:
        ordering = ["mission", "id"]
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        constraints = [
            models.CheckConstraint(condition=_valid("category", ThreatCategory), name="finding_category_valid"),
        ]

    def __str__(self) -> str:
        # The category only: a description may be protected (sexual violence).
        return str(self.get_category_display())


class Recommendation(BaseModel):
    mission = models.ForeignKey(JPTMission, on_delete=models.CASCADE, related_name="recommendations")
    text = models.TextField(_("recommendation"))
    responsible = models.CharField(_("responsible entity"), max_length=20, choices=ResponsibleEntity)
    responsible_detail = models.CharField(_("responsible (detail)"), max_length=150, blank=True)
    deadline = models.DateField(_("deadline"))
    follow_up_status = models.CharField(
        _("follow-up status"), max_length=12, choices=FollowUpStatus, default=FollowUpStatus.OPEN
    )
    last_update_on = models.DateField(_("last update"), null=True, blank=True)
    last_update_note = models.TextField(_("last update note"), blank=True)

    class Meta:
        ordering = ["deadline", "id"]
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")
        constraints = [
            models.CheckConstraint(
                condition=_valid("responsible", ResponsibleEntity), name="recommendation_responsible_valid"
            ),
            models.CheckConstraint(
                condition=_valid("follow_up_status", FollowUpStatus), name="recommendation_status_valid"
            ),
        ]
        indexes = [
            models.Index(
                fields=["deadline"],
                name="recommendation_open_idx",
                condition=Q(follow_up_status__in=["open", "in_progress", "blocked"]),
            ),
        ]

    def __str__(self) -> str:
        return self.text[:80]

    @property
    def is_open(self) -> bool:
        return self.follow_up_status in OPEN_FOLLOW_UP


class RecommendationUpdate(BaseModel):
    """One step of the follow-up history of a recommendation."""

    recommendation = models.ForeignKey(Recommendation, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(_("follow-up status"), max_length=12, choices=FollowUpStatus)
    note = models.TextField(_("note"), blank=True)
    updated_on = models.DateField(_("date"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by")
    )

    class Meta:
        ordering = ["recommendation", "updated_on", "id"]
        verbose_name = _("recommendation update")
        verbose_name_plural = _("recommendation updates")
        constraints = [
            models.CheckConstraint(
                condition=_valid("status", FollowUpStatus), name="recommendationupdate_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.updated_on:%Y-%m-%d}: {self.get_status_display()}"
