from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ClaConfig(AppConfig):
    name = "cla"
    verbose_name = _("Community liaison")

    def ready(self) -> None:
        from gender.registry import register
        from monusco.scope import register_base_provider

        from . import selectors
        from .models import AtRiskGroup, CommunityProtectionPlan, StakeholderGroup, UrafikiMeeting

        register_base_provider(selectors.assigned_base_ids)
        from monusco.map import register_layer, register_territory_provider

        from . import map_layers

        register_territory_provider(map_layers.territories_of_bases)
        for layer in (map_layers.MEETINGS, map_layers.BASES, map_layers.ACTIONS):
            register_layer(layer)
        register(
            UrafikiMeeting,
            slug="meeting",
            label=_("Community meeting"),
            date_field="held_on",
            base_path="base_id",
            territory_path="locality__territory_id",
            province_path="locality__territory__province_id",
            author_field="created_by",
            threat_path="concerns__category",
            detail_url_name="cla:meeting-detail",
            separate_consultation_field="women_consulted_separately",
            is_participation=True,
            review_children=("concerns", "follow_ups"),
            list_choices={"stakeholder_groups": StakeholderGroup, "at_risk_groups": AtRiskGroup},
        )
        register(
            CommunityProtectionPlan,
            slug="protection_plan",
            label=_("Community protection plan"),
            date_field="period_start",
            base_path="base_id",
            territory_path="locality__territory_id",
            province_path="locality__territory__province_id",
            author_field="created_by",
            threat_path="threats__category",
            detail_url_name="cla:plan-detail",
            is_participation=False,
            review_children=("threats",),
            list_choices={"at_risk_groups": AtRiskGroup},
        )
