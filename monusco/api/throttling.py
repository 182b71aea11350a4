"""A throttle rate per API client; browser sessions share the ``user`` rate."""

from rest_framework.throttling import SimpleRateThrottle, UserRateThrottle

from .auth import api_client_of


class ApiClientRateThrottle(SimpleRateThrottle):
    scope = "api_client"

    def __init__(self):  # the rate comes from the client, per request
        pass

    def allow_request(self, request, view) -> bool:
        client = api_client_of(request)
        if client is None:
            return True
        self.rate = client.throttle_rate
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": getattr(api_client_of(request), "pk", None)}


class SessionUserRateThrottle(UserRateThrottle):
    def allow_request(self, request, view) -> bool:
        if api_client_of(request) is not None:
            return True
        return super().allow_request(request, view)
