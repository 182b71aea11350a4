import datetime

import pytest

from tests.factories import MissionFactory


@pytest.fixture
def mission(world, users):
    """A planned mission led by the test JPT lead, in Uvira territory."""
    return MissionFactory(
        title="Sange–Kiliba",
        lead=users["jpt"],
        localities=[world.sange],
        start_date=datetime.date(2026, 10, 5),
        end_date=datetime.date(2026, 10, 9),
    )


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English (the source language); requests follow the user's language."""
    from django.utils import translation

    with translation.override("en"):
        yield
