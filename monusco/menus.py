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
    ],
    Role.DUTY_OFFICER: [
        ("can:inbox", "", _("Alerts inbox")),
        ("can:alert-create", "", _("Log an alert")),
        ("can:focalpoint-list", "", _("Focal points")),
    ],
    Role.GENDER_REVIEWER: [
        ("gender:queue", "", _("Review queue")),
        ("gender:dashboard", "", _("Gender dashboard")),
    ],
    Role.MANAGER: [
        ("gender:dashboard", "", _("Gender dashboard")),
        ("admin:jpt_jptmission_changelist", "status__exact=planned", _("Missions awaiting your approval")),
    ],
    Role.JPT_LEAD: [
        ("admin:jpt_jptmission_changelist", "", _("JPT missions")),
    ],
    Role.ADMINISTRATOR: [
        ("admin:index", "", _("Administration")),
    ],
}


def menu_for(request) -> list[dict]:
    """The signed-in user's links; the one for the page shown is marked current."""
    user = request.user
    seen, items = set(), []
    for role, entries in ROLE_MENUS.items():
        if not user_has_role(user, role):
            continue
        for url_name, query, label in entries:
            try:
                url = reverse(url_name) + (f"?{query}" if query else "")
            except NoReverseMatch:
                continue
            if url not in seen:
                seen.add(url)
                items.append({"url": url, "label": label, "path": url.split("?")[0]})
    current = max((i["path"] for i in items if request.path.startswith(i["path"])), key=len, default=None)
    for item in items:
        item["current"] = item["path"] == current
    return items


def context(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"main_menu": []}
    return {"main_menu": SimpleLazyObject(lambda: menu_for(request))}
