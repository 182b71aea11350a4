"""``Authorization: Token <key>`` for API clients.

The client's service user becomes ``request.user`` and the client ``request.auth``. The user's
scope is set from the client's provinces and territories, so every selector that calls
``scope_for(user)`` cuts to the client's scope without knowing about API clients.
"""

from __future__ import annotations

from django.db.models import BooleanField, Value
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from monusco.models import ApiClient
from monusco.scope import Scope

from . import messages
from .tokens import key_digest


class ApiTokenAuthentication(BaseAuthentication):
    keyword = "Token"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword.lower().encode():
            return None
        if len(parts) != 2:
            raise AuthenticationFailed(messages.BAD_TOKEN_HEADER)
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed(messages.BAD_TOKEN_HEADER) from None
        client = ApiClient.objects.select_related("user").filter(key_hash=key_digest(key), is_active=True).first()
        if client is None or not client.user.is_active:
            raise AuthenticationFailed(messages.BAD_TOKEN)
        user = client.user
        user._scope_cache = client_scope(client)
        return user, client

    def authenticate_header(self, request) -> str:
        return f'{self.keyword} realm="api"'


def client_scope(client: ApiClient) -> Scope:
    """The client's provinces and territories, read in one query."""
    provinces = ApiClient.provinces.through.objects.filter(apiclient_id=client.pk).values_list(
        "province_id", Value(True, output_field=BooleanField())
    )
    territories = ApiClient.territories.through.objects.filter(apiclient_id=client.pk).values_list(
        "territory_id", Value(False, output_field=BooleanField())
    )
    rows = list(provinces.union(territories, all=True))
    return Scope(
        province_ids=frozenset(pk for pk, is_province in rows if is_province),
        territory_ids=frozenset(pk for pk, is_province in rows if not is_province),
    )


def api_client_of(request) -> ApiClient | None:
    """The API client making the request, or None for a browser session."""
    auth = getattr(request, "auth", None)
    return auth if isinstance(auth, ApiClient) else None


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "monusco.api.auth.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema) -> dict:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "The API client's token, as `Token <key>`.",
        }
