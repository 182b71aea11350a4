from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in


class AccountsConfig(AppConfig):
    name = "monusco.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from . import middleware

        user_logged_in.connect(middleware.session_started, dispatch_uid="accounts_session_started")
