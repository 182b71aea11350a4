"""Roles, defined in one place. Each role is a group with these permissions.

``sync_roles()`` is idempotent; it runs after every ``migrate`` and from ``manage.py sync_roles``.
Permissions are named ``app_label.codename``; model permissions not yet created are skipped and
picked up by the next run.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CLA = "cla", _("Community Liaison Assistant")
    DUTY_OFFICER = "duty_officer", _("Base duty officer")
    JPT_LEAD = "jpt_lead", _("JPT lead")
    GENDER_REVIEWER = "gender_reviewer", _("Gender reviewer")
    MANAGER = "manager", _("Mission manager")
    API_CLIENT = "api_client", _("API client")
    ADMINISTRATOR = "administrator", _("Administrator")


def _crud(app: str, *models_: str, actions=("view", "add", "change")) -> list[str]:
    return [f"{app}.{action}_{model}" for model in models_ for action in actions]


_GEO_READ = _crud("monusco", "province", "territory", "locality", actions=("view",))
_BASE_READ = _crud("cla", "operatingbase", "communityliaisonassistant", "baseassignment", actions=("view",))
_REPORTS_READ = (
    _crud(
        "cla",
        "urafikimeeting",
        "securityconcern",
        "meetingfollowup",
        "communityprotectionplan",
        "planthreat",
        "planaction",
        "planrevision",
        actions=("view",),
    )
    + _crud("can", "alert", "alertevent", actions=("view",))
    + _crud("gender", "review", "reviewchecklist", "checklistitem", actions=("view",))
)
# JPT missions: read by CLAs, the gender office and managers; written by JPT leads only.
_JPT_MODELS = (
    "jptmission",
    "missionmember",
    "itinerarystop",
    "meetingheld",
    "finding",
    "recommendation",
    "recommendationupdate",
)
_JPT_READ = _crud("jpt", *_JPT_MODELS, actions=("view",))

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.CLA: _GEO_READ
    + _BASE_READ
    + _REPORTS_READ
    + _JPT_READ
    + _crud(
        "cla",
        "urafikimeeting",
        "securityconcern",
        "meetingfollowup",
        "communityprotectionplan",
        "planthreat",
        "planaction",
    )
    + _crud("can", "focalpoint", "alert", "alertevent")
    + ["can.view_focalpoint_identity"],
    Role.DUTY_OFFICER: _GEO_READ
    + _BASE_READ
    + _REPORTS_READ
    + _crud("can", "alert", "alertevent", "focalpoint", actions=("view", "change"))
    + ["can.add_alert", "can.view_focalpoint_identity"],
    Role.JPT_LEAD: _GEO_READ
    + _BASE_READ
    + _REPORTS_READ
    + _crud("jpt", *_JPT_MODELS)
    + _crud("jpt", "missionmember", "itinerarystop", "meetingheld", "finding", "recommendation", actions=("delete",))
    + ["monusco.view_user"],  # to pick team members (admin autocomplete)
    Role.GENDER_REVIEWER: _GEO_READ
    + _BASE_READ
    + _REPORTS_READ
    + _JPT_READ
    + _crud("gender", "review", "reviewanswer")
    + _crud("gender", "reviewchecklist", "checklistitem")
    + ["gender.view_dashboard", "gender.review_report", "gender.view_sexual_violence_detail"],
    Role.MANAGER: _GEO_READ
    + _BASE_READ
    + _REPORTS_READ
    + _JPT_READ
    + ["gender.view_dashboard", "jpt.approve_jptmission"],
    Role.API_CLIENT: _GEO_READ,
    Role.ADMINISTRATOR: [],  # administrators are superusers; the group marks the role
}


def sync_roles() -> dict[str, int]:
    """Create or update one group per role with exactly its permissions. Returns permission counts."""
    from django.contrib.auth.models import Group, Permission

    wanted = {perm for perms in ROLE_PERMISSIONS.values() for perm in perms}
    by_name = {
        f"{app}.{codename}": pk
        for pk, app, codename in Permission.objects.filter(
            content_type__app_label__in={p.split(".")[0] for p in wanted}
        ).values_list("pk", "content_type__app_label", "codename")
    }
    counts = {}
    for role, perms in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role.value if hasattr(role, "value") else role)
        ids = sorted({by_name[p] for p in perms if p in by_name})
        group.permissions.set(ids)
        counts[group.name] = len(ids)
    return counts


def sync_roles_after_migrate(**kwargs) -> None:
    sync_roles()


def user_has_role(user, role: str) -> bool:
    if not user.is_authenticated:
        return False
    cache = getattr(user, "_role_cache", None)
    if cache is None:
        cache = set(user.groups.values_list("name", flat=True))
        user._role_cache = cache
    return role in cache or (role == Role.ADMINISTRATOR and user.is_superuser)
