from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def open_alerts_panel(request):
    """CLA home: the open alerts of the user's bases."""
    from django.urls import reverse

    from . import selectors

    if not request.user.has_perm("can.view_alert"):
        return None
    return {
        "title": _("Open alerts"),
        "template": "can/panels/open_alerts.html",
        "count": selectors.open_alert_count(user=request.user),
        "url": reverse("can:inbox"),
    }


class CanConfig(AppConfig):
    name = "can"
    verbose_name = _("Community Alert Network")

    def ready(self) -> None:
        from gender.registry import register
        from gender.threat_records import register_threat_record_provider
        from monusco import metrics
        from monusco.home import register_panel

        from . import metrics as can_metrics
        from . import providers
        from .models import Alert

        register(
            Alert,
            slug="alert",
            label=_("Alert"),
            date_field="received_on",
            base_path="base_id",
            # ``territory`` is the locality's territory, or the base's until the place is known.
            territory_path="territory_id",
            province_path="territory__province_id",
            author_field="reported_by",
            threat_path="threat_category",
            detail_url_name="can:alert-detail",
        )
        register_panel("cla", open_alerts_panel)
        from monusco.map import register_layer

        from . import map_layers

        register_layer(map_layers.ALERTS)
        register_layer(map_layers.SEXUAL_VIOLENCE)
        register_threat_record_provider(providers.alert_threat_on_record)
        metrics.register(can_metrics.collect)
        metrics.register(can_metrics.collect_spool)  # apart: read from disk, served with the database down
