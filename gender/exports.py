"""The gender dashboard as CSV: one row ``section, indicator, key, value`` per figure."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from monusco.redaction import spreadsheet_safe

from .selectors.dashboard import Dashboard
from .selectors.reports import SADD_TOTALS

HEADER = ["section", "indicator", "key", "value"]


def _fmt(value) -> str:
    """A CSV cell: numbers as numbers, text made safe for spreadsheets (no cell runs as a formula)."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, int):
        return str(value)
    return spreadsheet_safe(str(value))


def _counts(data: Dashboard) -> Iterator[list]:
    yield ["counts", "reports", "", data.reports]
    yield ["counts", "reviewed", "", data.reviewed]
    yield ["counts", "share_reviewed", "", data.share_reviewed]
    yield ["counts", "returned", "", data.returned]
    yield ["counts", "share_returned", "", data.share_returned]
    yield ["counts", "waiting", "", data.waiting]
    yield ["counts", "median_days_to_review", "", data.median_days]
    for row in data.by_type:
        for key in ("reports", "reviewed", "returned", "waiting", "share_reviewed", "share_returned"):
            yield ["by_type", key, row["slug"], row[key]]


def _participation(data: Dashboard) -> Iterator[list]:
    for name in SADD_TOTALS:
        yield ["participation", "participants", name, data.participants[name]]
    yield ["participation", "women_share", "", data.women_share]
    yield ["participation", "meetings", "", data.meetings]
    yield ["participation", "meetings_no_women", "", data.meetings_no_women]
    yield ["participation", "meetings_women_consulted_separately", "", data.meetings_separate]


def _checklist(data: Dashboard) -> Iterator[list]:
    for row in data.checklist:
        key = f"{row['report_type']} v{row['version']} #{row['position']}"
        yield ["checklist", "pass_rate", key, row["pass_rate"]]
        for answer in ("yes", "partly", "no", "na"):
            yield ["checklist", answer, key, row[answer]]


def _threats_and_months(data: Dashboard) -> Iterator[list]:
    for row in data.threats:
        for key in ("n", *SADD_TOTALS):
            yield ["alerts_by_threat", "alerts" if key == "n" else key, row["category"], row[key]]
    for key, value in data.sexual_violence.items():
        yield ["sexual_violence", key, "", value]
    for row in data.months:
        for key in ("reports", "reviewed", "women_share"):
            yield ["months", key, row["month"].strftime("%Y-%m"), row[key]]


def dashboard_rows(data: Dashboard) -> list[list[str]]:
    """The dashboard's indicators as rows ``section, indicator, key, value`` for the CSV export.
    Protected figures keep their "<5" suppression."""
    rows = [*_counts(data), *_participation(data), *_checklist(data), *_threats_and_months(data)]
    return [[_fmt(section), _fmt(indicator), _fmt(key), _fmt(value)] for section, indicator, key, value in rows]


def write_dashboard_csv(out, data: Dashboard) -> None:
    """Write the header and every row of ``dashboard_rows`` to ``out`` (a file or a response)."""
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(dashboard_rows(data))
