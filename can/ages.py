"""How long an alert has waited, as a person reads it: "15 h 24 min", "yesterday 14:02".

Under 12 hours the wait itself matters to the duty officer, so it is a duration; past that, the
clock time (Africa/Lubumbashi) and the day say more than a count of hours.
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

DURATION_HOURS = 12


def age_text(then: datetime.datetime, now: datetime.datetime) -> str:
    """``then`` seen from ``now``: "just now", "5 min ago", "15 h 24 min ago" (under 12 hours),
    then "today 02:10", "yesterday 14:02" or "30/11/2026 14:02" in local time."""
    minutes = max(int((now - then).total_seconds() // 60), 0)
    if minutes < 1:
        return _("just now")
    if minutes < 60:
        return _("%(minutes)s min ago") % {"minutes": minutes}
    if minutes < DURATION_HOURS * 60:
        return _("%(hours)s h %(minutes)s min ago") % {"hours": minutes // 60, "minutes": minutes % 60}
    local, today = timezone.localtime(then), timezone.localdate(now)
    clock = local.strftime("%H:%M")
    if local.date() == today:
        return _("today %(time)s") % {"time": clock}
    if local.date() == today - datetime.timedelta(days=1):
        return _("yesterday %(time)s") % {"time": clock}
    return date_format(local, "d/m/Y H:i")
