from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_default_checklists(sender, **kwargs) -> None:
    """After every ``migrate``, as the roles are synced: every registered report type has a
    checklist (a type registered after the last migration gets its defaults on the next one).
    Idempotent; it creates only what is missing, and changes nothing else."""
    from .services import checklist_ensure_defaults

    checklist_ensure_defaults()


class GenderConfig(AppConfig):
    name = "gender"
    verbose_name = _("Gender")

    def ready(self) -> None:
        post_migrate.connect(_sync_default_checklists, sender=self, dispatch_uid="gender_default_checklists")
