from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_checklists(sender, **kwargs) -> None:
    from .services import checklist_ensure_defaults, review_fill_copies

    checklist_ensure_defaults()
    review_fill_copies()


class GenderConfig(AppConfig):
    name = "gender"
    verbose_name = _("Gender")

    def ready(self) -> None:
        post_migrate.connect(_ensure_checklists, sender=self, dispatch_uid="gender_default_checklists")
