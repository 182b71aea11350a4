"""``Authorization: Token <key>`` for API clients.

The client's service user becomes ``request.user`` and the client ``request.auth``. The user's
scope is set from the client's provinces and territories, so every selector that calls
``scope_for(user)`` cuts to the client's scope without knowing about API clients.

Reads (GET, HEAD, OPTIONS) reuse the client, its user and its scope for ``CLIENT_CACHE_SECONDS``
within one process, keyed by the token's digest: a page costs no query for the token. Any save or
delete of an API client, a data-sharing agreement or a user, and any change to a client's
provinces or territories, empties this cache in the process that made it (the admin, ``create_api_client``, the services, tests);
other worker processes see the change within ``CLIENT_CACHE_SECONDS``. Writes always read the
client afresh.
"""

from __future__ import annotations

import threading

from cachetools import TTLCache
from django.db import transaction
from django.db.models import BooleanField, Value
from django.db.models.signals import m2m_changed, post_delete, post_save
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import SAFE_METHODS

from monusco.models import ApiClient, DataSharingAgreement, User
from monusco.scope import Scope, remember_scope

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
        digest = key_digest(key)
        reading = request.method in SAFE_METHODS
        if reading:
            with _lock:
                cached = _clients.get(digest)
            if cached is not None:
                return cached
        user, client = _client_for(digest)
        if reading:
            with _lock:
                _clients[digest] = (user, client)
        return user, client

    def authenticate_header(self, request) -> str:
        return f'{self.keyword} realm="api"'


def _client_for(digest: str) -> tuple[User, ApiClient]:
    client = ApiClient.objects.select_related("user", "agreement").filter(key_hash=digest, is_active=True).first()
    if client is None or not client.user.is_active:
        raise AuthenticationFailed(messages.BAD_TOKEN)
    user = client.user
    remember_scope(user, client_scope(client))
    return user, client


CLIENT_CACHE_SECONDS = 5
CLIENT_CACHE_SIZE = 1000
# (user, client) by token digest. A TTLCache is not thread-safe: every access holds the lock.
_clients: TTLCache[str, tuple[User, ApiClient]] = TTLCache(maxsize=CLIENT_CACHE_SIZE, ttl=CLIENT_CACHE_SECONDS)
_lock = threading.Lock()


def forget_clients(**kwargs) -> None:
    """Empty the cache of authenticated clients (connected to the signals below), now and again
    when the change commits (a read in between may have cached the state before it)."""
    with _lock:
        _clients.clear()
    transaction.on_commit(_clear)


def _clear() -> None:
    with _lock:
        _clients.clear()


for _model in (ApiClient, DataSharingAgreement, User):
    post_save.connect(forget_clients, sender=_model, dispatch_uid=f"api-clients-{_model.__name__}-save")
    post_delete.connect(forget_clients, sender=_model, dispatch_uid=f"api-clients-{_model.__name__}-delete")
for _through in (ApiClient.provinces.through, ApiClient.territories.through):
    m2m_changed.connect(forget_clients, sender=_through, dispatch_uid=f"api-clients-{_through.__name__}")


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
