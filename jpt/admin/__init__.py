"""The JPT lead's main door: missions with their team, itinerary, meetings, findings and
recommendations; lifecycle steps as actions and buttons; the overdue recommendations list.

Every queryset goes through ``jpt.selectors`` (scoped), and every choice and history page follows
the scope too (``monusco.admin_scope``); every lifecycle step, recommendation save and follow-up
update goes through ``jpt.services``. JPT leads edit their own missions; other missions in their
scope are read-only to them, as they are to CLAs, the gender office and managers.

- ``forms``: the mission, meeting and recommendation forms (the sex/age rule from ``gender.sadd``);
- ``filters``: the changelist filters;
- ``inlines``: the rows edited on the mission form;
- ``missions``: the mission admin, its lifecycle buttons and the overdue list;
- ``children``: the admins of the rows themselves (recommendations for everyone, the rest for
  administrators).
"""

from . import children, missions

__all__ = ["children", "missions"]
