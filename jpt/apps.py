from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JptConfig(AppConfig):
    name = "jpt"
    verbose_name = _("Joint Protection Teams")

    def ready(self) -> None:
        from gender.registry import register

        from . import selectors
        from .models import JPTMission

        register(
            JPTMission,
            slug="jpt_mission",
            label=_("JPT mission report"),
            date_field="start_date",
            base_path="bases__id",
            territory_path="localities__territory_id",
            province_path="localities__territory__province_id",
            author_field="lead",
            threat_path="findings__category",
            detail_url_name="jpt:mission-report",
            review_children=("findings", "recommendations"),
            # Also in the scope of the bases covering the mission's area, as on the mission pages.
            scope_queryset=lambda user: JPTMission.objects.filter(pk__in=selectors.mission_ids_in_scope(user=user)),
        )
        from monusco.map import register_layer

        from . import map_layers

        register_layer(map_layers.ITINERARIES)
