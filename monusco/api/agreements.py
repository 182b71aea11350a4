"""What a token client's data-sharing agreement allows, checked on every request it makes.

``check_agreement`` raises a 403 with a clear message when the client has no agreement, when it has
expired (the last valid day is ``expires_on``, in the mission's time zone), or when it does not
cover the resource. ``check_geography_filters`` refuses a query that would select by a place finer
than the agreement allows (``?locality=`` under a territory-level agreement): answering it would
tell the client where each record is, coarsened or not.
"""

from __future__ import annotations

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from rest_framework.exceptions import PermissionDenied

from monusco.models import ApiClient, DataSharingAgreement

from . import messages

Geography = DataSharingAgreement.Geography

# The query parameters naming a place at each level, finest first.
_FINER_THAN = {
    Geography.LOCALITY: (),
    Geography.TERRITORY: ("locality",),
    Geography.PROVINCE: ("locality", "territory"),
}


def check_agreement(client: ApiClient, resource: str) -> None:
    agreement = client.agreement
    if agreement is None:
        raise PermissionDenied(messages.NO_AGREEMENT)
    if agreement.expires_on < timezone.localdate():
        raise PermissionDenied(
            messages.AGREEMENT_EXPIRED % {"date": formats.date_format(agreement.expires_on, "Y-m-d")}
        )
    if resource not in agreement.resources:
        raise PermissionDenied(messages.RESOURCE_NOT_IN_AGREEMENT)


def geography_of(client: ApiClient | None) -> str:
    """The finest geography the caller may see: a locality for signed-in users."""
    if client is None or client.agreement is None:
        return Geography.LOCALITY
    return client.agreement.geography


def check_geography_filters(client: ApiClient | None, query_params) -> None:
    level = geography_of(client)
    too_fine = [name for name in _FINER_THAN[Geography(level)] if name in query_params]
    if too_fine:
        allowed = _("territory or province") if level == Geography.TERRITORY else _("province")
        raise PermissionDenied(messages.FILTER_TOO_FINE % {"level": Geography(level).label.lower(), "allowed": allowed})
