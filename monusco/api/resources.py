"""The resources of ``/api/v1/`` an API client can be granted."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Resource(models.TextChoices):
    LOCALITIES = "localities", _("Localities")
    BASES = "bases", _("Operating bases")
    MEETINGS = "meetings", _("Community meetings")
    PLANS = "plans", _("Community protection plans")
    ALERTS = "alerts", _("Alerts")
    MISSIONS = "missions", _("JPT missions")
    REVIEWS = "reviews", _("Gender reviews")
    INDICATORS = "indicators", _("Dashboard indicators")


# Resources a client may be granted the right to create (through the owning app's services).
WRITABLE_RESOURCES = frozenset({Resource.ALERTS})
