"""Writes for API clients and their data-sharing agreements: create an agreement, create a client
under one (its token is returned once, never stored), and rotate keys."""

from __future__ import annotations

import datetime
import uuid

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from monusco.models import ApiClient, DataSharingAgreement, Province, Territory
from monusco.roles import Role, sync_roles

from .resources import WRITABLE_RESOURCES, Resource
from .tokens import key_digest, new_key


def _check_resources(resources: list[str]) -> None:
    unknown = sorted(set(resources) - set(Resource.values))
    if unknown:
        raise ValidationError(_("Unknown resources: %(names)s.") % {"names": ", ".join(unknown)})


def _check_grants(
    *, resources: list[str], write_resources: list[str], throttle_rate: str, agreement: DataSharingAgreement | None
) -> None:
    _check_resources(resources)
    if agreement is not None:
        outside = sorted(set(resources) - set(agreement.resources))
        if outside:
            raise ValidationError(
                _("The data-sharing agreement does not cover these resources: %(names)s.")
                % {"names": ", ".join(outside)}
            )
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
def agreement_create(
    *,
    partner: str,
    purpose: str,
    signed_on: datetime.date,
    expires_on: datetime.date,
    resources: list[str],
    geography: str = DataSharingAgreement.Geography.TERRITORY,
    note: str = "",
) -> DataSharingAgreement:
    """A data-sharing agreement as signed: what it covers, until when, how fine its geography."""
    _check_resources(resources)
    if not partner.strip():
        raise ValidationError(_("Name the partner of the agreement."))
    if expires_on < signed_on:
        raise ValidationError(_("An agreement cannot expire before it is signed."))
    if geography not in DataSharingAgreement.Geography.values:
        raise ValidationError(_("Choose locality, territory or province as the finest geography."))
    return DataSharingAgreement.objects.create(
        partner=partner,
        purpose=purpose,
        signed_on=signed_on,
        expires_on=expires_on,
        resources=list(resources),
        geography=geography,
        note=note,
    )


@transaction.atomic
def api_client_create(
    *,
    name: str,
    agreement: DataSharingAgreement,
    provinces: list[Province] | None = None,
    territories: list[Territory] | None = None,
    resources: list[str] | None = None,
    write_resources: list[str] | None = None,
    throttle_rate: str = "600/minute",
    note: str = "",
) -> tuple[ApiClient, str]:
    """A new client under ``agreement``, and its token. The token is returned here once and only
    its digest is kept. It reads ``resources`` (by default, all that the agreement covers)."""
    resources = list(resources if resources is not None else agreement.resources)
    write_resources = list(write_resources or [])
    _check_grants(
        resources=resources, write_resources=write_resources, throttle_rate=throttle_rate, agreement=agreement
    )
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
        agreement=agreement,
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
        resources=client.resources,
        write_resources=client.write_resources,
        throttle_rate=client.throttle_rate,
        agreement=client.agreement,
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
