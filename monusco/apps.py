from django.apps import AppConfig
from django.db.models.signals import post_migrate


class MonuscoConfig(AppConfig):
    name = "monusco"
    verbose_name = "MONUSCO"

    def ready(self) -> None:
        from . import audit, roles

        audit.connect_signals()
        post_migrate.connect(roles.sync_roles_after_migrate, dispatch_uid="monusco_sync_roles")
