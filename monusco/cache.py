"""Django's Redis cache, failing open: while Redis is down, the site works without it.

Nothing the cache holds is the only copy of anything, so losing it must cost speed, never a
request. When Redis cannot be reached (or does not answer within the short socket timeouts of
``CACHES["default"]["OPTIONS"]``), a call answers as an empty cache would, and the cache's circuit
breaker (``monusco.breaker``) skips Redis altogether for ``REDIS_BREAKER_SECONDS``:

- reads miss (``get`` gives the default, ``get_many`` nothing), so callers read the database;
- writes are dropped (``set``, ``delete``...); ``incr`` answers as for a missing key (ValueError);
- ``add`` answers True, as if it stored the key: a lock taken through the cache (the periodic
  tasks' ``can.tasks.periodic_lock``) then lets the work run rather than stopping escalation;
- DRF's throttles read an empty history and let every request through (no throttling during the
  outage).

Each failure is counted by the breaker, which logs a warning when it opens and at most every
30 s while Redis stays down; ``/healthz`` reports ``"cache": "down"``.
"""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache, RedisCacheClient

from .breaker import breaker


class FailOpenRedisCacheClient(RedisCacheClient):
    breaker_name = "cache"

    def __init__(self, servers, **options):
        import redis

        super().__init__(servers, **options)
        self._unreachable = (redis.ConnectionError, redis.TimeoutError, OSError)

    def _breaker(self):
        return breaker(self.breaker_name, ",".join(self._servers))  # type: ignore[attr-defined]  # Django's, not in the stubs

    def _guarded(self, name: str, fail_open, *args):
        cache_breaker = self._breaker()
        if not cache_breaker.allows():
            return fail_open()
        try:
            result = getattr(super(), name)(*args)
        except self._unreachable as exc:
            cache_breaker.failed(exc)
            return fail_open()
        cache_breaker.succeeded()
        return result

    # What each call answers while Redis is unreachable: see the module's docstring.
    def get(self, key, default):
        return self._guarded("get", lambda: default, key, default)

    def get_many(self, keys):
        return self._guarded("get_many", dict, keys)

    def has_key(self, key):
        return self._guarded("has_key", lambda: False, key)

    def add(self, key, value, timeout):
        return self._guarded("add", lambda: True, key, value, timeout)

    def set(self, key, value, timeout):
        return self._guarded("set", lambda: None, key, value, timeout)

    def set_many(self, data, timeout):
        return self._guarded("set_many", lambda: None, data, timeout)

    def touch(self, key, timeout):
        return self._guarded("touch", lambda: False, key, timeout)

    def delete(self, key):
        return self._guarded("delete", lambda: False, key)

    def delete_many(self, keys):
        return self._guarded("delete_many", lambda: None, keys)

    def clear(self):
        return self._guarded("clear", lambda: False)

    def incr(self, key, delta):
        def missing():
            raise ValueError(f"Key '{key}' not found (the cache is unreachable).")

        return self._guarded("incr", missing, key, delta)

    def ping(self) -> bool:
        """Ask Redis itself, breaker or not (for ``/healthz``); the answer opens or closes it."""
        cache_breaker = self._breaker()
        try:
            self.get_client(write=True).ping()
        except self._unreachable as exc:
            cache_breaker.failed(exc)
            return False
        cache_breaker.succeeded()
        return True


class FailOpenRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = FailOpenRedisCacheClient

    def ping(self) -> bool:
        return self._cache.ping()  # type: ignore[attr-defined]  # Django's client, not in the stubs
