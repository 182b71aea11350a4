import datetime

import pytest

from tests.jpt.factories import MissionFactory


@pytest.fixture
def mission(world, users):
    """A planned mission led by the test JPT lead, in Uvira territory."""
    return MissionFactory(title="Sange–Kiliba", lead=users["jpt"], localities=[world.sange],
                          start_date=datetime.date(2026, 10, 5), end_date=datetime.date(2026, 10, 9))
