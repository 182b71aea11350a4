"""The main menu, one per role, defined in one place (as the roles are): the same links on every
page, whichever app the page belongs to. A user with several roles gets each role's links once."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from .roles import Role, user_has_role

# (url name, query string, label) per role, in the order shown.
ROLE_MENUS = {
    Role.CLA: [
        ("cla:home", "", _("CLA home")),
        ("cla:meeting-list", "", _("Meetings")),
        ("cla:plan-list", "", _("Protection plans")),
        ("can:alert-create", "", _("Log an alert")),
        ("can:focalpoint-list", "", _("Focal points")),
        ("can:callback-list", "", _("Call-backs")),
    ],
    Role.DUTY_OFFICER: [
        ("can:inbox", "", _("Alerts inbox")),
        ("can:callback-list", "", _("Call-backs")),
        ("can:alert-create", "", _("Log an alert")),
        ("can:focalpoint-list", "", _("Focal points")),
        ("can:response-times", "", _("Response times")),
        ("map", "", _("Map")),
    ],
    Role.GENDER_REVIEWER: [
        ("gender:queue", "", _("Review queue")),
        ("gender:dashboard", "", _("Gender dashboard")),
        ("map", "", _("Map")),
    ],
    Role.MANAGER: [
        ("gender:dashboard", "", _("Gender dashboard")),
        ("admin:jpt_jptmission_changelist", "status__exact=planned", _("Missions awaiting your approval")),
        ("map", "", _("Map")),
    ],
    Role.JPT_LEAD: [
        ("admin:jpt_jptmission_changelist", "", _("JPT missions")),
        ("map", "", _("Map")),
    ],
    Role.ADMINISTRATOR: [
        ("admin:index", "", _("Administration")),
    ],
}


ROLES_SESSION_KEY = "menu_roles"


def remember_roles(sender, request, user, **kwargs) -> None:
    """At sign-in, the user's roles for the menu: the menu then costs no query per page. (A role
    given or taken during a session shows in the menu at the next sign-in; what a user may do is
    checked on every request, never from this.)"""
    request.session[ROLES_SESSION_KEY] = _roles_of(user)


def _roles_of(user) -> list[str]:
    return sorted(role.value for role in ROLE_MENUS if user_has_role(user, role))


def _roles(request) -> list[str]:
    roles = request.session.get(ROLES_SESSION_KEY)
    if roles is None:
        roles = request.session[ROLES_SESSION_KEY] = _roles_of(request.user)
    return roles


def menu_for(request) -> list[dict]:
    """The signed-in user's links; the one for the page shown is marked current."""
    roles = _roles(request)
    seen: set[str] = set()
    items: list[dict] = []
    for role, entries in ROLE_MENUS.items():
        if role.value not in roles:
            continue
        for url_name, query, label in entries:
            try:
                url = reverse(url_name) + (f"?{query}" if query else "")
            except NoReverseMatch:
                continue
            if url not in seen:
                seen.add(url)
                items.append({"url": url, "label": label, "path": url.split("?")[0]})
    current = max((str(i["path"]) for i in items if request.path.startswith(i["path"])), key=len, default=None)
    for item in items:
        item["current"] = item["path"] == current
    return items


def context(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"main_menu": []}
    return {"main_menu": SimpleLazyObject(lambda: menu_for(request))}
