"""Read serializers shared by every app's API, and the locality resource.

Read serializers declare their fields (for the schema) and build each row as a plain dict from
objects whose relations were loaded in bulk: no query per row, and little work per row.
"""

from __future__ import annotations

import datetime

from rest_framework import serializers

from monusco.choices import PROTECTED_THREAT_CATEGORIES


def hxl_sex_age(prefix: str, tag: str) -> list[tuple[str, str, str]]:
    """CSV columns for a sex/age block serialized under ``prefix`` (HXL ``#affected``/``#reached``)."""
    attrs = {
        "women": "+f+adults",
        "men": "+m+adults",
        "girls": "+f+children",
        "boys": "+m+children",
        "age_0_5": "+age0_5",
        "age_6_12": "+age6_12",
        "age_13_17": "+age13_17",
        "age_18_49": "+age18_49",
        "age_50_59": "+age50_59",
        "age_60_plus": "+age60plus",
    }
    return [(f"{prefix}.{name}", f"{prefix}_{name}", f"{tag}{attrs[name]}") for name in SEX_AGE_FIELDS]


def iso(moment) -> str | None:
    """A datetime as ISO 8601 in UTC, ``Z``-suffixed, the same in JSON, CSV and GeoJSON."""
    if moment is None:
        return None
    if moment.tzinfo is not datetime.UTC:  # as the database gives them, they already are
        moment = moment.astimezone(datetime.UTC)
    return moment.isoformat().replace("+00:00", "Z")


def is_protected(category: str) -> bool:
    return category in PROTECTED_THREAT_CATEGORIES


class SexAgeSerializer(serializers.Serializer):
    women = serializers.IntegerField(min_value=0)
    men = serializers.IntegerField(min_value=0)
    girls = serializers.IntegerField(min_value=0)
    boys = serializers.IntegerField(min_value=0)
    age_0_5 = serializers.IntegerField(min_value=0, allow_null=True, required=False)
    age_6_12 = serializers.IntegerField(min_value=0, allow_null=True, required=False)
    age_13_17 = serializers.IntegerField(min_value=0, allow_null=True, required=False)
    age_18_49 = serializers.IntegerField(min_value=0, allow_null=True, required=False)
    age_50_59 = serializers.IntegerField(min_value=0, allow_null=True, required=False)
    age_60_plus = serializers.IntegerField(min_value=0, allow_null=True, required=False)


# The order of the declared fields (``monusco`` imports no app; ``gender.sadd.SADD_FIELDS`` is the
# same tuple, and a test keeps them equal).
SEX_AGE_FIELDS = tuple(SexAgeSerializer._declared_fields)


def sex_age(obj) -> dict:
    return {name: getattr(obj, name) for name in SEX_AGE_FIELDS}


class AreaRefSerializer(serializers.Serializer):
    uid = serializers.UUIDField()
    name = serializers.CharField()


# For an API client whose data-sharing agreement allows only territories (or provinces), a place's
# uid and name (and territory) are null and its point is the area's centroid (``geography``).
class LocalityRefSerializer(serializers.Serializer):
    uid = serializers.UUIDField(allow_null=True, help_text="null under a territory- or province-level agreement")
    name = serializers.CharField(allow_null=True, help_text="null under a territory- or province-level agreement")
    territory = serializers.CharField(allow_null=True, help_text="null under a province-level agreement")
    province = serializers.CharField()
    latitude = serializers.FloatField(allow_null=True, help_text="the territory's or province's centroid if coarsened")
    longitude = serializers.FloatField(allow_null=True, help_text="the territory's or province's centroid if coarsened")


def locality_ref(locality) -> dict:
    """Needs ``territory__province`` loaded."""
    return {
        "uid": locality.uid,
        "name": locality.name,
        "territory": locality.territory.name,
        "province": locality.territory.province.name,
        "latitude": float(locality.latitude),
        "longitude": float(locality.longitude),
    }


LOCALITY_REF_CSV = [
    ("locality.uid", "locality_uid", "#loc+code"),
    ("locality.name", "locality", "#loc+name"),
    ("locality.territory", "territory", "#adm2+name"),
    ("locality.province", "province", "#adm1+name"),
    ("locality.latitude", "latitude", "#geo+lat"),
    ("locality.longitude", "longitude", "#geo+lon"),
]


class BaseRefSerializer(serializers.Serializer):
    uid = serializers.UUIDField()
    code = serializers.CharField()
    name = serializers.CharField()


def base_ref(base) -> dict | None:
    if base is None:
        return None
    return {"uid": base.uid, "code": base.code, "name": base.name}


BASE_REF_CSV = [("base.code", "base", "#org+code"), ("base.name", "base_name", "#org+name")]


class LocalitySerializer(serializers.Serializer):
    uid = serializers.UUIDField()
    name = serializers.CharField()
    territory = AreaRefSerializer()
    province = AreaRefSerializer()
    latitude = serializers.FloatField()
    longitude = serializers.FloatField()
    precision = serializers.CharField(help_text="town, or approximate (good to about 10 km)")
    updated_at = serializers.DateTimeField()

    def to_representation(self, loc) -> dict:
        territory, province = loc.territory, loc.territory.province
        return {
            "uid": loc.uid,
            "name": loc.name,
            "territory": {"uid": territory.uid, "name": territory.name},
            "province": {"uid": province.uid, "name": province.name},
            "latitude": float(loc.latitude),
            "longitude": float(loc.longitude),
            "precision": loc.precision,
            "updated_at": iso(loc.updated_at),
        }
