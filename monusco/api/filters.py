from django_filters import rest_framework as filters

from monusco.models import Locality

from .base import ApiFilterSet, uid_filter


class LocalityFilter(ApiFilterSet):
    territory = uid_filter("territory__uid", "territory")
    province = uid_filter("territory__province__uid", "province")
    name = filters.CharFilter(field_name="name", lookup_expr="icontains", help_text="Part of the name.")

    class Meta:
        model = Locality
        fields = ["territory", "province", "name", "updated_since"]
