"""A data-sharing agreement in force for tests that need a token client: every resource, locality
geography (nothing coarsened), signed a year ago and expiring in a year."""

import datetime

from django.utils import timezone

from monusco.api.resources import Resource
from monusco.api.services import agreement_create
from monusco.models import DataSharingAgreement


def agreement_in_force(
    *, partner: str = "Test partner", geography: str = DataSharingAgreement.Geography.LOCALITY, **overrides
) -> DataSharingAgreement:
    today = timezone.localdate()
    values = {
        "purpose": "Testing",
        "signed_on": today - datetime.timedelta(days=365),
        "expires_on": today + datetime.timedelta(days=365),
        "resources": list(Resource.values),
        **overrides,
    }
    return agreement_create(partner=partner, geography=geography, **values)
