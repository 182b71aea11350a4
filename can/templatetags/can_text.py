"""``{% alert_text alert alert.description as text %}``: an alert's free text as the signed-in
user may read it (phone numbers typed in it masked outside the alert's base; see
``can.selectors.show_text``)."""

from django import template

from can import selectors

register = template.Library()


@register.simple_tag(takes_context=True)
def alert_text(context, alert, text) -> str:
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    return selectors.show_text(user=user, alert=alert, text=text or "")
