"""Small charts drawn on the server as SVG: no JavaScript, no CDN, a few hundred bytes each."""

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe


def column_chart(
    *, title: str, points: list[tuple[str, float, float]], width: int = 600, height: int = 180
) -> SafeString:
    """Monthly columns: ``points`` are ``(label, total, part)``; the part (e.g. reviewed) is drawn
    darker inside the total."""
    if not points:
        return mark_safe("")
    top = max((total for _label, total, _part in points), default=0) or 1
    slot = width / len(points)
    bar = max(slot * 0.7, 2)
    chart_h = height - 30
    bars = []
    for i, (label, total, part) in enumerate(points):
        x = i * slot + (slot - bar) / 2
        h_total = chart_h * total / top
        h_part = chart_h * part / top
        bars.append(
            (
                f"{x:.1f}",
                f"{chart_h - h_total:.1f}",
                f"{bar:.1f}",
                f"{h_total:.1f}",
                f"{x:.1f}",
                f"{chart_h - h_part:.1f}",
                f"{bar:.1f}",
                f"{h_part:.1f}",
                f"{x + bar / 2:.1f}",
                f"{height - 12}",
                label,
                f"{x + bar / 2:.1f}",
                f"{max(chart_h - h_total - 3, 10):.1f}",
                int(total),
            )
        )
    body = format_html_join(
        "",
        '<rect x="{}" y="{}" width="{}" height="{}" fill="#9ec5ea"/>'
        '<rect x="{}" y="{}" width="{}" height="{}" fill="#0b5cad"/>'
        '<text x="{}" y="{}" text-anchor="middle" font-size="11">{}</text>'
        '<text x="{}" y="{}" text-anchor="middle" font-size="11">{}</text>',
        bars,
    )
    return format_html(
        '<svg role="img" aria-label="{}" viewBox="0 0 {} {}" width="100%" preserveAspectRatio="xMidYMid meet">'
        "<title>{}</title>{}</svg>",
        title,
        width,
        height,
        title,
        body,
    )


def bar_chart(*, title: str, rows: list[tuple[str, float | None, str]], width: int = 600) -> SafeString:
    """Horizontal bars for shares between 0 and 1: ``rows`` are ``(label, share, shown value)``."""
    if not rows:
        return mark_safe("")
    row_h = 22
    height = row_h * len(rows) + 4
    label_w = width * 0.55
    bar_w = width - label_w - 50
    parts = []
    for i, (label, share, shown) in enumerate(rows):
        y = i * row_h + 2
        length = bar_w * (share or 0)
        short = label if len(label) <= 60 else label[:57] + "…"
        parts.append(
            (
                f"{y + 15}",
                short,
                f"{label_w:.1f}",
                f"{y + 3}",
                f"{bar_w:.1f}",
                f"{label_w:.1f}",
                f"{y + 3}",
                f"{length:.1f}",
                f"{label_w + bar_w + 4:.1f}",
                f"{y + 15}",
                shown,
            )
        )
    body = format_html_join(
        "",
        '<text x="0" y="{}" font-size="11">{}</text>'
        '<rect x="{}" y="{}" width="{}" height="14" fill="#e3e7ec"/>'
        '<rect x="{}" y="{}" width="{}" height="14" fill="#0b5cad"/>'
        '<text x="{}" y="{}" font-size="11">{}</text>',
        parts,
    )
    return format_html(
        '<svg role="img" aria-label="{}" viewBox="0 0 {} {}" width="100%"><title>{}</title>{}</svg>',
        title,
        width,
        height,
        title,
        body,
    )
