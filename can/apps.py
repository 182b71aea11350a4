from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CanConfig(AppConfig):
    name = "can"
    verbose_name = _("Community Alert Network")
