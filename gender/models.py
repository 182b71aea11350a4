"""Sex/age disaggregation for every report, the review lifecycle, checklists and reviews."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from monusco.models import BaseModel

# The band names stay importable from here; their home is ``gender.sadd``.
from .sadd import ADULT_BANDS, AGE_BANDS, CHILD_BANDS, bands_add_up_condition  # noqa: F401


class SexAgeDisaggregation(models.Model):
    """Women, men, girls and boys (18 is the adult line), with optional finer age bands.

    The database rejects negative counts and bands that do not add up to the totals: either every
    band is empty, or the child bands sum to girls + boys and the adult bands to women + men. The
    rule and its one message live in ``gender.sadd``; forms check it first, so nobody meets the
    constraint's own message.
    """

    women = models.PositiveIntegerField(_("women"), default=0)
    men = models.PositiveIntegerField(_("men"), default=0)
    girls = models.PositiveIntegerField(_("girls"), default=0)
    boys = models.PositiveIntegerField(_("boys"), default=0)
    age_0_5 = models.PositiveIntegerField(_("aged 0–5"), null=True, blank=True)
    age_6_12 = models.PositiveIntegerField(_("aged 6–12"), null=True, blank=True)
    age_13_17 = models.PositiveIntegerField(_("aged 13–17"), null=True, blank=True)
    age_18_49 = models.PositiveIntegerField(_("aged 18–49"), null=True, blank=True)
    age_50_59 = models.PositiveIntegerField(_("aged 50–59"), null=True, blank=True)
    age_60_plus = models.PositiveIntegerField(_("aged 60 and over"), null=True, blank=True)

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=Q(women__gte=0, men__gte=0, girls__gte=0, boys__gte=0),
                name="%(app_label)s_%(class)s_sadd_not_negative",
            ),
            models.CheckConstraint(
                condition=bands_add_up_condition(),
                name="%(app_label)s_%(class)s_sadd_bands_add_up",
            ),
        ]

    @property
    def total_people(self) -> int:
        return self.women + self.men + self.girls + self.boys

    @property
    def has_age_bands(self) -> bool:
        return self.age_0_5 is not None


class ReviewStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned with comments")
    APPROVED = "approved", _("Approved")


class Report(SexAgeDisaggregation):
    """Any record a person writes about the field. Subclasses register with ``gender.registry``.

    ``review_round`` counts submissions: 1 on first submission, 2 on the first resubmission, ...
    """

    review_status = models.CharField(
        _("review status"), max_length=10, choices=ReviewStatus, default=ReviewStatus.DRAFT, db_index=True
    )
    review_round = models.PositiveSmallIntegerField(_("review round"), default=0)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    reviewed_at = models.DateTimeField(_("reviewed"), null=True, blank=True)

    class Meta:
        abstract = True
        constraints = SexAgeDisaggregation.Meta.constraints + [
            models.CheckConstraint(
                condition=Q(review_status__in=["draft", "submitted", "returned", "approved"]),
                name="%(app_label)s_%(class)s_review_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(review_status="draft") | Q(submitted_at__isnull=False, review_round__gte=1),
                name="%(app_label)s_%(class)s_submitted_has_date",
            ),
        ]


class ReviewChecklist(BaseModel):
    """The checklist for one report type. Versioned: editing items makes a new version, and a past
    review keeps pointing at the version it was made with."""

    report_type = models.CharField(_("report type"), max_length=40)
    version = models.PositiveIntegerField(_("version"), default=1)
    is_active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        ordering = ["report_type", "-version"]
        verbose_name = _("review checklist")
        verbose_name_plural = _("review checklists")
        constraints = [
            models.UniqueConstraint(fields=["report_type", "version"], name="checklist_unique_version"),
            models.UniqueConstraint(
                fields=["report_type"], condition=Q(is_active=True), name="checklist_one_active_per_type"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.report_type} v{self.version}"


class ChecklistItem(BaseModel):
    class Measure(models.TextChoices):
        """The IASC Gender with Age Marker measures an item is drawn from."""

        GENDER_ANALYSIS = "gender_analysis", _("Gender analysis")
        TARGETING = "targeting", _("Targeting")
        SADD = "sadd", _("Sex and age disaggregated data")
        TAILORED = "tailored", _("Tailored activities")
        GBV = "gbv", _("Protection from gender-based violence")
        COORDINATION = "coordination", _("Coordination with gender actors")
        INFLUENCE = "influence", _("Influence on decisions")
        FEEDBACK = "feedback", _("Feedback and complaints")
        TRANSPARENCY = "transparency", _("Transparency")
        BENEFITS = "benefits", _("Benefits")
        SATISFACTION = "satisfaction", _("Satisfaction")
        PROBLEMS = "problems", _("Problems raised")
        WHOLE_SOCIETY = "whole_society", _("Gender as the whole society")

    checklist = models.ForeignKey(ReviewChecklist, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    measure = models.CharField(_("GAM measure"), max_length=20, choices=Measure.choices)
    text_fr = models.TextField(_("question (French)"))
    text_sw = models.TextField(_("question (Swahili)"))
    text_en = models.TextField(_("question (English)"))

    class Meta:
        ordering = ["checklist", "position"]
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist items")
        constraints = [
            models.UniqueConstraint(fields=["checklist", "position"], name="checklistitem_unique_position"),
        ]

    def __str__(self) -> str:
        return self.text_en[:80]

    def text_for(self, language: str) -> str:
        return getattr(self, f"text_{(language or 'fr')[:2]}", None) or self.text_fr


class Review(BaseModel):
    """One round of review of one report: the reviewer's answers, comment and decision."""

    class Decision(models.TextChoices):
        APPROVED = "approved", _("Approved")
        RETURNED = "returned", _("Returned for correction")

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    report = GenericForeignKey("content_type", "object_id")
    round = models.PositiveSmallIntegerField(_("round"))
    checklist = models.ForeignKey(ReviewChecklist, on_delete=models.PROTECT, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="reviews_made")
    decision = models.CharField(_("decision"), max_length=10, choices=Decision.choices)
    comment = models.TextField(_("overall comment"), blank=True)
    report_snapshot = models.JSONField(_("report as reviewed"), default=dict, blank=True)
    report_type = models.CharField(_("report type"), max_length=40, default="", db_index=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    days_to_review = models.FloatField(_("days to review"), null=True, blank=True)
    # Copies of the report's date and place and of the answers, written with the review by
    # ``review_record``, so the dashboard reads reviews without joining every report table.
    # ``answer_codes`` holds one letter per checklist item, in item order (y, p, n, x = n.a.):
    # a used checklist never changes (edits make a new version), so the letters stay true.
    report_date = models.DateField(_("report date"), null=True, blank=True)
    report_base_id = models.BigIntegerField(_("report base"), null=True, blank=True)
    report_territory_id = models.BigIntegerField(_("report territory"), null=True, blank=True)
    report_province_id = models.BigIntegerField(_("report province"), null=True, blank=True)
    answer_codes = models.CharField(_("answers in short"), max_length=100, blank=True, default="")

    class Meta:
        ordering = ["content_type", "object_id", "round"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="review_report_idx"),
            models.Index(fields=["report_type", "object_id"], name="review_type_report_idx"),
            models.Index(fields=["report_type", "report_date"], name="review_type_date_idx"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["content_type", "object_id", "round"], name="review_one_per_round"),
            models.CheckConstraint(condition=Q(decision__in=["approved", "returned"]), name="review_decision_valid"),
        ]
        permissions = [
            ("review_report", "Can review reports"),
            ("view_dashboard", "Can view the gender dashboard"),
            ("view_sexual_violence_detail", "Can view sexual-violence detail (need to know)"),
        ]

    def __str__(self) -> str:
        return f"{self.content_type.model} {self.object_id} round {self.round}: {self.decision}"


class ReviewAnswer(models.Model):
    class Answer(models.TextChoices):
        YES = "yes", _("Yes")
        PARTLY = "partly", _("Partly")
        NO = "no", _("No")
        NOT_APPLICABLE = "na", _("Not applicable")

    CODES = {"yes": "y", "partly": "p", "no": "n", "na": "x"}

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="answers")
    answer = models.CharField(_("answer"), max_length=7, choices=Answer.choices)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        verbose_name = _("review answer")
        verbose_name_plural = _("review answers")
        constraints = [
            models.UniqueConstraint(fields=["review", "item"], name="reviewanswer_one_per_item"),
            models.CheckConstraint(condition=Q(answer__in=["yes", "partly", "no", "na"]), name="reviewanswer_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.item_id}: {self.answer}"
