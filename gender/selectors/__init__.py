"""Scoped reads for the gender app, one module per job:

- ``reports``: the reports of each registered type in the user's scope, and the dashboard's filters;
- ``reviews``: a report's review rounds, what changed between them, and the checklist to answer;
- ``queue``: the gender office's queue of submitted reports;
- ``dashboard``: every indicator of the gender dashboard;
- ``suppression``: the sexual-violence figures, from cells suppressed one by one;
- ``protected``: who sees records of a protected threat category, and the reads of them, logged;
- ``places``: the provinces, territories and bases a user may filter by.
"""
