"""Pages of the jpt app outside the admin: the printable mission report."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render

from monusco.choices import PROTECTED_THREAT_CATEGORIES

from . import selectors
from .models import JPTMission, MeetingKind


@login_required
def mission_report(request, uid):
    """The mission report to print: team, itinerary, meetings, findings, recommendations.
    Protected data never appears: sexual-violence findings and survivor meetings are withheld."""
    if not request.user.has_perm("jpt.view_jptmission"):
        raise Http404
    try:
        mission = selectors.mission_get(user=request.user, uid=uid)
    except JPTMission.DoesNotExist as exc:
        raise Http404 from exc
    data = selectors.mission_report_data(mission=mission)
    return render(
        request,
        "jpt/mission_report.html",
        {
            "mission": mission,
            **data,
            "protected_categories": [str(c) for c in PROTECTED_THREAT_CATEGORIES],
            "survivors": MeetingKind.SURVIVORS.value,
        },
    )
