import pytest
from django.urls import reverse


@pytest.mark.django_db
def test_pages(client, users, mission):
    client.force_login(users["jpt"])
    for url in [reverse("admin:jpt_jptmission_changelist"), reverse("admin:jpt_jptmission_add"),
                reverse("admin:jpt_jptmission_change", args=[mission.pk]), reverse("admin:jpt_overdue_recommendations"),
                reverse("jpt:mission-report", args=[mission.uid])]:
        r = client.get(url)
        assert r.status_code == 200, (url, r.content[:3000])
