from django.apps import AppConfig
from django.db.models.signals import post_migrate


class MonuscoConfig(AppConfig):
    name = "monusco"
    verbose_name = "MONUSCO"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from . import audit, menus, roles

        audit.connect_signals()
        user_logged_in.connect(menus.remember_roles, dispatch_uid="monusco_menu_roles")
        post_migrate.connect(roles.sync_roles_after_migrate, dispatch_uid="monusco_sync_roles")
