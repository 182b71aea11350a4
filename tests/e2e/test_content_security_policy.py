"""Every main page, the admin and the API docs work under the Content-Security-Policy: the browser
reports no violation and no error, as each role walks its pages."""

import datetime

import pytest

from tests.e2e.conftest import log_out, login
from tests.factories import PASSWORD, MissionFactory, make_meeting

WATCH = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__violations.push(event.violatedDirective + " " + (event.blockedURI || "inline") + " " + event.sourceFile);
});
"""


def visit(page, path, problems, *, ready=None):
    page.goto(f"{page.base_url}{path}")
    page.wait_for_load_state("networkidle")
    if ready:
        page.wait_for_selector(ready)
    assert page.evaluate("document.contentType") == "text/html", path
    problems.extend(f"{path}: {v}" for v in page.evaluate("window.__violations"))


@pytest.mark.django_db(transaction=True)
def test_each_roles_pages_and_the_api_docs_load_under_the_policy(page, world, users):
    meeting = make_meeting(world=world, author=users["cla"], locality=world.sange, women=3, men=4)
    mission = MissionFactory(
        title="Sange–Kiliba",
        lead=users["jpt"],
        localities=[world.sange],
        start_date=datetime.date(2026, 10, 5),
        end_date=datetime.date(2026, 10, 9),
    )
    problems = []
    page.add_init_script(WATCH)

    def on_console(message):
        if message.type in ("error", "warning") and not message.location.get("url", "").endswith("/favicon.ico"):
            problems.append(f"console {message.type}: {message.text} ({message.location.get('url')})")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))

    visit(page, "/accounts/login/", problems)
    visit(page, "/api/v1/docs/", problems, ready=".swagger-ui .info .title")
    walks = {
        "t-cla": [
            "/cla/",
            "/cla/meetings/new/",
            "/cla/plans/",
            "/can/alerts/new/",
            "/can/focal-points/",
            "/accounts/two-factor/",
            "/accounts/two-factor/setup/",
        ],
        "t-duty": ["/can/inbox/"],
        "t-gender": ["/gender/queue/", f"/gender/review/meeting/{meeting.uid}/", "/gender/dashboard/"],
        "t-jpt": [
            "/admin/",
            "/admin/jpt/jptmission/",
            "/admin/jpt/jptmission/add/",
            f"/admin/jpt/jptmission/{mission.pk}/change/",
            f"/jpt/missions/{mission.uid}/report/",
        ],
        "t-admin": [
            "/admin/",
            "/admin/monusco/user/",
            f"/admin/monusco/user/{users['cla'].pk}/change/",
            "/admin/monusco/auditlog/",
            "/admin/axes/accessattempt/",
            "/admin/otp_totp/totpdevice/",
        ],
    }
    for username, paths in walks.items():
        login(page, username, PASSWORD)
        for path in paths:
            visit(page, path, problems)
        visit(page, "/accounts/two-factor/", problems)  # a page with the site's header, to log out from
        log_out(page)
    assert problems == [], "\n".join(sorted(set(problems)))
    # The report's Print button is added by its script (the page has no inline code).
    login(page, "t-jpt", PASSWORD)
    visit(page, f"/jpt/missions/{mission.uid}/report/", problems)
    assert page.locator("#print-report").is_visible()
