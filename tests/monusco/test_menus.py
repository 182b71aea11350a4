"""One main menu per role, the same on every page of every app."""

import re

import pytest
from django.urls import reverse

MENU = re.compile(r'<nav class="nav"[^>]*>(.*?)</nav>', re.S)


def _menu(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return re.findall(r'<a href="([^"]+)"', MENU.search(response.content.decode()).group(1))


@pytest.mark.parametrize(
    ("role", "pages", "links"),
    [
        (
            "cla",
            ["cla:home", "cla:meeting-list", "can:alert-create", "can:focalpoint-list"],
            ["/cla/", "/cla/meetings/", "/cla/plans/", "/can/alerts/new/", "/can/focal-points/", "/can/call-backs/"],
        ),
        (
            "duty",
            ["can:inbox", "can:alert-create", "can:focalpoint-list", "cla:home"],
            [
                "/can/inbox/",
                "/can/call-backs/",
                "/can/alerts/new/",
                "/can/focal-points/",
                "/can/response-times/",
                "/map/",
            ],
        ),
        ("gender", ["gender:queue", "gender:dashboard"], ["/gender/queue/", "/gender/dashboard/", "/map/"]),
        (
            "manager",
            ["gender:dashboard", "cla:meeting-list"],
            ["/gender/dashboard/", "/admin/jpt/jptmission/?status__exact=planned", "/map/"],
        ),
    ],
)
def test_each_role_has_one_menu_on_every_page(client, users, role, pages, links):
    client.force_login(users[role])
    assert {tuple(_menu(client, reverse(name))) for name in pages} == {tuple(links)}


def test_the_page_shown_is_marked_in_the_menu(client, users):
    client.force_login(users["cla"])
    html = client.get(reverse("cla:meeting-create")).content.decode()
    assert re.findall(r'<a href="([^"]+)" aria-current="page">', MENU.search(html).group(1)) == ["/cla/meetings/"]
