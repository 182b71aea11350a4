from django import template

register = template.Library()


@register.filter
def percent(value) -> str:
    """0.256 -> "26%"; nothing to divide -> "–"."""
    return "–" if value is None else f"{value * 100:.0f}%"


@register.filter
def text_in(texts: dict, language: str) -> str:
    return texts.get(language) or texts.get("fr", "")


@register.filter
def item_text(item, language: str) -> str:
    return item.text_for(language)


@register.simple_tag
def report_url(report_type, report) -> str:
    """The report's own page, when its app has one."""
    from django.urls import NoReverseMatch, reverse

    if not report_type.detail_url_name:
        return ""
    try:
        return reverse(report_type.detail_url_name, kwargs={"uid": report.uid})
    except NoReverseMatch:
        return ""
