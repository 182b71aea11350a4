"""Writes for API clients: create one (its token is returned once, never stored) and rotate keys."""

from __future__ import annotations

import uuid

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from monusco.models import ApiClient, Province, Territory
from monusco.roles import Role, sync_roles

from .resources import WRITABLE_RESOURCES, Resource
from .tokens import key_digest, new_key


def _check_grants(*, resources: list[str], write_resources: list[str], throttle_rate: str) -> None:
    unknown = sorted(set(resources) - set(Resource.values))
    if unknown:
        raise ValidationError(_("Unknown resources: %(names)s.") % {"names": ", ".join(unknown)})
    not_writable = sorted(set(write_resources) - set(WRITABLE_RESOURCES))
    if not_writable:
        raise ValidationError(
            _("These resources cannot be written through the API: %(names)s.") % {"names": ", ".join(not_writable)}
        )
    ApiClient._meta.get_field("throttle_rate").run_validators(throttle_rate)


def _service_user(name: str):
    user = get_user_model()(username=f"api-{uuid.uuid4().hex[:12]}", first_name=name[:150], is_active=True)
    user.set_unusable_password()
    user.save()
    group = Group.objects.filter(name=Role.API_CLIENT).first()
    if group is None:
        sync_roles()
        group = Group.objects.get(name=Role.API_CLIENT)
    user.groups.add(group)
    return user


@transaction.atomic
def api_client_create(
    *,
    name: str,
    provinces: list[Province] | None = None,
    territories: list[Territory] | None = None,
    resources: list[str] | None = None,
    write_resources: list[str] | None = None,
    throttle_rate: str = "600/minute",
    note: str = "",
) -> tuple[ApiClient, str]:
    """A new client and its token. The token is returned here once and only its digest is kept."""
    resources = list(resources if resources is not None else Resource.values)
    write_resources = list(write_resources or [])
    _check_grants(resources=resources, write_resources=write_resources, throttle_rate=throttle_rate)
    if not name.strip():
        raise ValidationError(_("Give the API client a name."))
    if ApiClient.objects.filter(name=name).exists():
        raise ValidationError(_("An API client with this name already exists."))
    if not (provinces or territories):
        raise ValidationError(_("Give the API client at least one province or territory."))
    key = new_key()
    client = ApiClient.objects.create(
        name=name,
        user=_service_user(name),
        key_hash=key_digest(key),
        key_prefix=key[:8],
        resources=resources,
        write_resources=write_resources,
        throttle_rate=throttle_rate,
        note=note,
    )
    client.provinces.set(provinces or [])
    client.territories.set(territories or [])
    return client, key


@transaction.atomic
def api_client_prepare(*, client: ApiClient) -> str:
    """Give a client built in the admin its service user and first token, and save it."""
    _check_grants(
        resources=client.resources, write_resources=client.write_resources, throttle_rate=client.throttle_rate
    )
    key = new_key()
    client.user = _service_user(client.name)
    client.key_hash = key_digest(key)
    client.key_prefix = key[:8]
    client.save()
    return key


@transaction.atomic
def api_client_rotate_key(*, client: ApiClient) -> str:
    """A new token for the client; the old one stops working at once."""
    client = ApiClient.objects.select_for_update().get(pk=client.pk)
    key = new_key()
    client.key_hash = key_digest(key)
    client.key_prefix = key[:8]
    client.save(update_fields=["key_hash", "key_prefix", "updated_at"])
    return key
