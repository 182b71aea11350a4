"""Choices shared by every app. One list of threat categories, close to ACLED's sub-events."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ThreatCategory(models.TextChoices):
    ARMED_ATTACK = "armed_attack", _("Armed attack")
    KILLING = "killing", _("Killing")
    ABDUCTION = "abduction", _("Abduction or kidnapping")
    SEXUAL_VIOLENCE = "sexual_violence", _("Sexual violence")
    LOOTING = "looting", _("Looting")
    EXTORTION = "extortion", _("Illegal taxation or extortion")
    LAND_CONFLICT = "land_conflict", _("Land or inter-community conflict")
    STATE_ABUSE = "state_abuse", _("Abuse by state forces")
    DISPLACEMENT = "displacement", _("Displacement")
    OTHER = "other", _("Other")


# Categories whose details are protected: need-to-know roles only, aggregates with small counts
# suppressed everywhere else.
PROTECTED_THREAT_CATEGORIES = frozenset({ThreatCategory.SEXUAL_VIOLENCE})


class Sex(models.TextChoices):
    FEMALE = "f", _("Female")
    MALE = "m", _("Male")
    UNKNOWN = "u", _("Not stated")


class Language(models.TextChoices):
    FRENCH = "fr", _("French")
    SWAHILI = "sw", _("Swahili")
    ENGLISH = "en", _("English")
    LINGALA = "ln", _("Lingala")
    MASHI = "shi", _("Mashi")
    KIHAVU = "hav", _("Kihavu")
    KIBEMBE = "bmb", _("Kibembe")
    KILEGA = "lea", _("Kilega")
    KINYARWANDA = "rw", _("Kinyarwanda")
