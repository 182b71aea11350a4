"""``{% meeting_error_summary form concerns follow_ups as summary %}`` and
``{% plan_error_summary editor as summary %}``: the list ``cla/_error_summary.html`` shows."""

from django import template

from cla.forms import errors as form_errors

register = template.Library()

register.simple_tag(form_errors.meeting_error_summary, name="meeting_error_summary")
register.simple_tag(form_errors.plan_error_summary, name="plan_error_summary")
