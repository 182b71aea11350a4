"""Small charts drawn on the server: no JavaScript, no CDN, no inline style (the page's CSP allows
none), a few hundred bytes each.

- ``column_chart``: monthly columns as SVG, for wide screens, with its value labels inside the
  drawing and a legend in the page's own text;
- ``bar_list``: horizontal bars as an HTML list, each label in full in the page's own text size,
  so it reads on a phone. Each bar is a tiny SVG whose rectangles are sized by attributes.
"""

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

TOTAL_FILL = "#9ec5ea"
PART_FILL = "#0b5cad"
TRACK_FILL = "#e3e7ec"
_TOP = 16  # room above the tallest column for its value label


def legend(entries: list[tuple[str, str]]) -> SafeString:
    """``entries`` are ``(colour, label)``: a swatch and a label each."""
    return format_html(
        '<ul class="legend">{}</ul>',
        format_html_join(
            "",
            '<li><svg aria-hidden="true" width="12" height="12" viewBox="0 0 12 12">'
            '<rect width="12" height="12" fill="{}"/></svg>{}</li>',
            entries,
        ),
    )


def column_chart(
    *, title: str, points: list[tuple[str, float, float]], width: int = 600, height: int = 196
) -> SafeString:
    """Monthly columns: ``points`` are ``(label, total, part)``; the part (e.g. reviewed) is drawn
    darker inside the total. The tallest column leaves room above it for its value."""
    if not points:
        return mark_safe("")
    top = max((total for _label, total, _part in points), default=0) or 1
    slot = width / len(points)
    bar = max(slot * 0.7, 2)
    chart_h = height - 30 - _TOP
    bars = []
    for i, (label, total, part) in enumerate(points):
        x = i * slot + (slot - bar) / 2
        h_total = chart_h * total / top
        h_part = chart_h * part / top
        bars.append(
            (
                f"{x:.1f}",
                f"{_TOP + chart_h - h_total:.1f}",
                f"{bar:.1f}",
                f"{h_total:.1f}",
                f"{x:.1f}",
                f"{_TOP + chart_h - h_part:.1f}",
                f"{bar:.1f}",
                f"{h_part:.1f}",
                f"{x + bar / 2:.1f}",
                f"{height - 12}",
                label,
                f"{x + bar / 2:.1f}",
                f"{_TOP + chart_h - h_total - 4:.1f}",
                int(total),
            )
        )
    body = format_html_join(
        "",
        '<rect x="{}" y="{}" width="{}" height="{}" fill="' + TOTAL_FILL + '"/>'
        '<rect x="{}" y="{}" width="{}" height="{}" fill="' + PART_FILL + '"/>'
        '<text x="{}" y="{}" text-anchor="middle" font-size="11">{}</text>'
        '<text x="{}" y="{}" text-anchor="middle" font-size="11">{}</text>',
        bars,
    )
    return format_html(
        '<svg class="chart" role="img" aria-label="{}" viewBox="0 0 {} {}" width="100%" '
        'preserveAspectRatio="xMidYMid meet"><title>{}</title>{}</svg>',
        title,
        width,
        height,
        title,
        body,
    )


def _bar(share: float | None, part: float | None) -> SafeString:
    """One bar, 0 to 100 wide, stretched to its box: the track, the share, and the part of it."""
    total = f"{100 * (share or 0):.1f}"
    dark = (
        "" if part is None else format_html('<rect width="{}" height="10" fill="{}"/>', f"{100 * part:.1f}", PART_FILL)
    )
    fill = TOTAL_FILL if part is not None else PART_FILL
    return format_html(
        '<svg class="bar" aria-hidden="true" viewBox="0 0 100 10" preserveAspectRatio="none">'
        '<rect width="100" height="10" fill="{}"/><rect width="{}" height="10" fill="{}"/>{}</svg>',
        TRACK_FILL,
        total,
        fill,
        dark,
    )


def bar_list(*, title: str, rows: list[tuple], css_class: str = "") -> SafeString:
    """Horizontal bars as a list: ``rows`` are ``(label, share, shown value)`` for shares between
    0 and 1, or ``(label, share, shown value, part)`` when a darker part is drawn inside the share.
    Labels are given in full and wrap."""
    if not rows:
        return mark_safe("")
    items = format_html_join(
        "",
        '<li><span class="bar-label">{}</span><span class="bar-track">{}<span class="bar-value">{}</span></span></li>',
        ((row[0], _bar(row[1], row[3] if len(row) > 3 else None), row[2]) for row in rows),
    )
    return format_html(
        '<figure class="bars {}"><figcaption class="sr">{}</figcaption><ul>{}</ul></figure>', css_class, title, items
    )
