from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GenderConfig(AppConfig):
    name = "gender"
    verbose_name = _("Gender")
