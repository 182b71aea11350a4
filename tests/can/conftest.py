import pytest

from can import parsing, services
from can.sms import MemoryBackend


@pytest.fixture(autouse=True)
def _fresh_caches(settings):
    from django.utils import translation

    translation.activate("en")  # assertions read English; French is the site default
    parsing.clear_cache()
    services.sms_channel_cache_clear()
    MemoryBackend.outbox.clear()
    settings.SMS_BACKEND = "can.sms.MemoryBackend"
    from django.core.cache import cache

    cache.delete_many(["can:lock:sweep", "can:lock:escalate"])  # only ours: the cache may be a shared Redis
    # The channel throttle's counters: each test its own (channel ids repeat from test to test).
    import uuid

    from can import throttle

    throttle._namespace = f"can:sms-rate:test-{uuid.uuid4().hex}"
    throttle._local.clear()
    throttle._full_until.clear()
    yield
    parsing.clear_cache()
    translation.deactivate()


@pytest.fixture
def channel(world):
    from tests.factories import make_channel

    return make_channel(world.base, name="Uvira gateway")
