"""Who may call an endpoint. Rows outside the caller's scope are cut by the selectors (404)."""

from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import SAFE_METHODS, BasePermission

from . import messages
from .agreements import check_agreement
from .auth import api_client_of


class ResourcePermission(BasePermission):
    """Token clients: a data-sharing agreement in force covering the resource (``agreements``),
    and the resource granted (and the write explicitly granted).
    Session users: the Django permissions the view lists for reading or writing."""

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        reading = request.method in SAFE_METHODS
        client = api_client_of(request)
        if client is not None:
            if getattr(view, "session_only", False):
                raise PermissionDenied(messages.SESSION_ONLY)
            check_agreement(client, view.resource)
            if view.resource not in client.resources:
                raise PermissionDenied(messages.RESOURCE_NOT_GRANTED)
            if not reading and view.resource not in client.write_resources:
                raise PermissionDenied(messages.WRITE_NOT_GRANTED)
            return True
        needed = view.read_permissions if reading else view.write_permissions
        if not needed or not user.has_perms(needed):
            raise PermissionDenied(messages.ROLE_NOT_ALLOWED)
        return True
