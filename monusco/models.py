"""Foundations every app shares: the base model, users and their scope, geography, the audit log."""

import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class BaseModel(models.Model):
    """Every table: an integer key for joins, a UUID for URLs and the API, and timestamps."""

    uid = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True, db_index=True)

    class Meta:
        abstract = True


class User(AbstractUser):
    """A person who signs in. Roles are groups (see ``monusco.roles``); scope is ``UserScope``."""

    uid = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    preferred_language = models.CharField(
        _("preferred language"), max_length=5, choices=settings.LANGUAGES, default="fr"
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.get_full_name() or self.username


class Province(BaseModel):
    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("province")
        verbose_name_plural = _("provinces")

    def __str__(self) -> str:
        return self.name


class Territory(BaseModel):
    class Kind(models.TextChoices):
        TERRITORY = "territory", _("Territory")
        CITY = "city", _("City")

    province = models.ForeignKey(Province, on_delete=models.PROTECT, related_name="territories")
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.TERRITORY)

    class Meta:
        ordering = ["province__name", "name"]
        verbose_name = _("territory")
        verbose_name_plural = _("territories")
        constraints = [
            models.UniqueConstraint(fields=["province", "name"], name="territory_unique_name_per_province"),
            models.CheckConstraint(condition=Q(kind__in=["territory", "city"]), name="territory_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.name


class Locality(BaseModel):
    class Precision(models.TextChoices):
        TOWN = "town", _("Town centre")
        APPROXIMATE = "approximate", _("Approximate (about 10 km)")

    territory = models.ForeignKey(Territory, on_delete=models.PROTECT, related_name="localities")
    name = models.CharField(_("name"), max_length=100)
    latitude = models.DecimalField(_("latitude"), max_digits=8, decimal_places=5)
    longitude = models.DecimalField(_("longitude"), max_digits=8, decimal_places=5)
    precision = models.CharField(_("precision"), max_length=12, choices=Precision.choices, default=Precision.TOWN)
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("locality")
        verbose_name_plural = _("localities")
        constraints = [
            models.UniqueConstraint(fields=["territory", "name"], name="locality_unique_name_per_territory"),
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180),
                name="locality_coordinates_valid",
            ),
            models.CheckConstraint(condition=Q(precision__in=["town", "approximate"]), name="locality_precision_valid"),
        ]

    def __str__(self) -> str:
        return self.name


class UserScope(BaseModel):
    """A province or a territory a user works in. Base-level scope comes from base assignments
    (``cla.BaseAssignment``), contributed through ``monusco.scope.register_base_provider``."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scopes")
    province = models.ForeignKey(Province, null=True, blank=True, on_delete=models.CASCADE)
    territory = models.ForeignKey(Territory, null=True, blank=True, on_delete=models.CASCADE)

    class Meta:
        verbose_name = _("geographic scope")
        verbose_name_plural = _("geographic scopes")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(province__isnull=False, territory__isnull=True)
                    | Q(province__isnull=True, territory__isnull=False)
                ),
                name="userscope_exactly_one_area",
            ),
            models.UniqueConstraint(
                fields=["user", "province"], name="userscope_unique_province", condition=Q(province__isnull=False)
            ),
            models.UniqueConstraint(
                fields=["user", "territory"], name="userscope_unique_territory", condition=Q(territory__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return str(self.province or self.territory)


class AuditLog(models.Model):
    """Every change to any record, and every read of a protected record."""

    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Updated")
        DELETE = "delete", _("Deleted")
        VIEW_PROTECTED = "view_protected", _("Viewed protected data")

    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    model = models.CharField(_("record type"), max_length=100)
    object_pk = models.CharField(_("record id"), max_length=64)
    object_repr = models.CharField(_("record"), max_length=200, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        ordering = ["-at"]
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")
        indexes = [models.Index(fields=["model", "object_pk"], name="auditlog_record_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(action__in=["create", "update", "delete", "view_protected"]), name="auditlog_action_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_id} {self.action} {self.model}:{self.object_pk}"


class ApiClient(BaseModel):
    """Another UN tool reading this project's data through ``/api/v1/`` with a token.

    The token is shown once when issued; only its SHA-256 digest is stored. The client acts through
    its own service user (no password, API client role) so that anything it writes has an author.
    Its scope is its provinces and territories; ``resources`` lists what it may read and
    ``write_resources`` what it may create (read-only unless granted), both within what its
    data-sharing agreement covers.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="api_client", editable=False
    )
    key_hash = models.CharField(_("token digest"), max_length=64, unique=True, editable=False)
    key_prefix = models.CharField(_("token starts with"), max_length=8, editable=False)
    provinces = models.ManyToManyField(Province, blank=True, related_name="+", verbose_name=_("provinces"))
    territories = models.ManyToManyField(Territory, blank=True, related_name="+", verbose_name=_("territories"))
    resources = models.JSONField(_("resources it may read"), default=list, blank=True)
    write_resources = models.JSONField(_("resources it may create"), default=list, blank=True)
    throttle_rate = models.CharField(
        _("throttle rate"),
        max_length=20,
        default="600/minute",
        help_text=_("Requests allowed, e.g. 600/minute or 10000/day."),
        validators=[
            RegexValidator(
                r"^[1-9][0-9]*/(second|minute|hour|day)$",
                _("Write a number, a slash and second, minute, hour or day, e.g. 600/minute."),
            )
        ],
    )
    agreement = models.ForeignKey(
        "DataSharingAgreement",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="clients",
        verbose_name=_("data-sharing agreement"),
        help_text=_("A client without an agreement, or whose agreement has expired, is refused."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")

    def __str__(self) -> str:
        return self.name


class DataSharingAgreement(BaseModel):
    """What a partner may read from the API, signed with MONUSCO: which resources, until when, and
    the finest geography it may see. Every API client reads under one (``ApiClient.agreement``); a
    client without one, or whose agreement has expired or does not cover the resource, is refused
    (``monusco.api.permissions``). Coarser geography is applied to every format the API serves by
    ``monusco.api.geography``."""

    class Geography(models.TextChoices):
        LOCALITY = "locality", _("Locality")
        TERRITORY = "territory", _("Territory")
        PROVINCE = "province", _("Province")

    partner = models.CharField(_("partner"), max_length=200)
    purpose = models.TextField(_("purpose"))
    signed_on = models.DateField(_("signed on"))
    expires_on = models.DateField(_("expires on"), help_text=_("The last day data may be read under it."))
    resources = models.JSONField(_("resources it covers"), default=list, blank=True)
    geography = models.CharField(
        _("finest geography allowed"), max_length=10, choices=Geography.choices, default=Geography.TERRITORY
    )
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        ordering = ["expires_on", "partner"]
        verbose_name = _("data-sharing agreement")
        verbose_name_plural = _("data-sharing agreements")
        constraints = [
            models.CheckConstraint(
                condition=Q(geography__in=["locality", "territory", "province"]), name="agreement_geography_valid"
            ),
            models.CheckConstraint(condition=Q(expires_on__gte=models.F("signed_on")), name="agreement_dates_ordered"),
        ]

    def __str__(self) -> str:
        return f"{self.partner} ({self.signed_on:%Y-%m-%d} – {self.expires_on:%Y-%m-%d})"


class ApiAccessLog(models.Model):
    """Every read through the API by a token client: who, which endpoint, with which filters, how
    many rows it got. One INSERT per request, written by ``monusco.api.access_log``; rows older than
    ``API_ACCESS_LOG_DAYS`` are purged daily (``monusco.tasks.purge_api_access_log``). The client's
    name is kept so that a row still says who read once the client is deleted."""

    id = models.BigAutoField(primary_key=True)
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True)
    client = models.ForeignKey(
        ApiClient, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("API client")
    )
    client_name = models.CharField(_("API client name"), max_length=100)
    endpoint = models.CharField(_("endpoint"), max_length=200)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    status = models.PositiveSmallIntegerField(_("status"))
    rows = models.PositiveIntegerField(_("rows returned"))

    class Meta:
        ordering = ["-at"]
        verbose_name = _("API access log entry")
        verbose_name_plural = _("API access log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.client_name} {self.endpoint} {self.rows}"
