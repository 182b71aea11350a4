from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_checklists(sender, **kwargs) -> None:
    from .services import checklist_ensure_defaults, review_fill_copies

    checklist_ensure_defaults()
    review_fill_copies()


def _returned_panel(request):
    """On an author's home page: their reports the gender office returned, with its comment."""
    from .selectors import returned_to_author

    rows = returned_to_author(user=request.user)
    if not rows:
        return None
    return {"title": _("Returned by the gender office"), "template": "gender/panel_returned.html", "rows": rows}


class GenderConfig(AppConfig):
    name = "gender"
    verbose_name = _("Gender")

    def ready(self) -> None:
        from monusco.home import register_panel

        post_migrate.connect(_ensure_checklists, sender=self, dispatch_uid="gender_default_checklists")
        register_panel("cla", _returned_panel)
