from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JptConfig(AppConfig):
    name = "jpt"
    verbose_name = _("Joint Protection Teams")
