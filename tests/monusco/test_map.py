"""The map page and its GeoJSON layers: who may see them, scope (404 outside it), small-count
suppression of sexual-violence alerts, exact positions only for the record's base, query counts,
and the same data as a table grouped by territory."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from can.models import AlertStatus
from monusco.map_outlines import convex_hull, widened_hull
from monusco.models import Locality, Province, Territory
from tests.factories import ActionFactory, MissionFactory, StopFactory, ThreatFactory, make_meeting, make_user
from tests.factories.can import make_alert

TODAY = timezone.localdate


def layer(client, slug, **params):
    return client.get(reverse("map-layer", kwargs={"slug": slug}), params)


def _alert(world, base=None, **kw):
    kw.setdefault("received_on", TODAY() - datetime.timedelta(days=2))
    return make_alert(base or world.base, **kw)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "status"),
    [("duty", 200), ("gender", 200), ("jpt", 200), ("manager", 200), ("admin", 200), ("cla", 403), ("norole", 403)],
)
def test_the_map_page_is_for_duty_officers_gender_office_jpt_leads_and_managers(client, users, who, status):
    client.force_login(users[who])
    assert client.get(reverse("map")).status_code == status
    assert layer(client, "alerts").status_code == status
    assert client.get(reverse("map-outlines")).status_code == status


@pytest.mark.django_db
def test_anonymous_is_sent_to_sign_in(client, world):
    response = client.get(reverse("map-layer", kwargs={"slug": "alerts"}))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.django_db
def test_alert_positions_are_exact_only_for_the_alerts_base(client, world, users):
    alert = _alert(world, locality=world.sange, latitude=Decimal("-3.10000"), longitude=Decimal("29.10000"))
    alert.position_accuracy = 12
    alert.save(update_fields=["position_accuracy"])
    client.force_login(users["duty"])
    own = layer(client, "alerts").json()["features"]
    assert own == [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [29.1, -3.1]},
            "properties": {
                "label": f"{alert.reference} · Armed attack · Received",
                "territory": "Uvira",
                "url": f"/can/alerts/{alert.uid}/",
                "date": alert.received_on.isoformat(),
                "kind": "received",
                "threat": "armed_attack",
                "exact": True,
            },
        }
    ]
    for who in ("manager", "gender", "jpt"):
        client.force_login(users[who])
        (other,) = layer(client, "alerts").json()["features"]
        assert other["geometry"] == {"type": "Point", "coordinates": [29.12, -3.08]}, who  # Sange's coordinates
        assert other["properties"]["exact"] is False


@pytest.mark.django_db
def test_alerts_are_cut_to_the_scope_period_state_and_threat(client, world, users):
    in_uvira = _alert(world, locality=world.uvira)
    _alert(world, world.other_base, locality=world.minembwe)
    _alert(world, world.far_base, locality=world.beni)
    _alert(world, locality=world.uvira, received_on=TODAY() - datetime.timedelta(days=40))
    closed = _alert(world, locality=world.sange, status=AlertStatus.CLOSED, threat_category="looting")
    client.force_login(users["duty"])
    urls = [f["properties"]["url"] for f in layer(client, "alerts").json()["features"]]
    assert sorted(urls) == sorted(f"/can/alerts/{a.uid}/" for a in (in_uvira, closed))
    assert [f["properties"]["url"] for f in layer(client, "alerts", status="closed").json()["features"]] == [
        f"/can/alerts/{closed.uid}/"
    ]
    looting = layer(client, "alerts", threat="looting").json()["features"]
    assert [f["properties"]["threat"] for f in looting] == ["looting"]
    older = layer(client, "alerts", date_from=(TODAY() - datetime.timedelta(days=45)).isoformat()).json()
    assert len(older["features"]) == 3
    client.force_login(users["manager"])
    assert len(layer(client, "alerts").json()["features"]) == 3  # South Kivu: Uvira twice and Minembwe
    client.force_login(users["far_manager"])
    assert [f["properties"]["territory"] for f in layer(client, "alerts").json()["features"]] == ["Beni"]


@pytest.mark.django_db
def test_a_territory_outside_the_scope_is_a_404_and_bad_filters_a_400(client, world, users):
    client.force_login(users["duty"])
    assert layer(client, "alerts", territory=str(world.beni_t.uid)).status_code == 404
    assert client.get(reverse("map"), {"territory": str(world.beni_t.uid)}).status_code == 404
    assert layer(client, "alerts", territory=str(world.uvira_t.uid)).status_code == 200
    assert layer(client, "no-such-layer").status_code == 404
    bad = layer(client, "alerts", territory="x' OR 1=1")
    assert bad.status_code == 400
    reversed_period = layer(client, "alerts", date_from="2026-11-20", date_to="2026-11-01")
    assert reversed_period.status_code == 400
    assert reversed_period.json() == {"errors": ["The end of the period is before its start."]}
    users["duty"].preferred_language = "fr"
    users["duty"].save(update_fields=["preferred_language"])
    page = client.get(reverse("map"), {"date_from": "2026-11-20", "date_to": "2026-11-01"})
    assert page.status_code == 400
    assert "La fin de la période est avant son début." in page.content.decode()
    assert layer(client, "alerts", date_from="not a date").status_code == 400
    assert layer(client, "alerts", status="nonsense").status_code == 400


@pytest.mark.django_db
def test_sexual_violence_alerts_are_counts_per_territory_never_points(client, world, users):
    for _ in range(3):
        _alert(world, locality=world.uvira, threat_category="sexual_violence")
    for _ in range(6):
        _alert(world, world.other_base, locality=world.minembwe, threat_category="sexual_violence")
    client.force_login(users["gender"])
    assert layer(client, "alerts").json()["features"] == []
    features = layer(client, "sexual-violence").json()["features"]
    counts = {f["properties"]["territory"]: f["properties"]["count"] for f in features}
    assert (counts.pop("Uvira"), counts.pop("Fizi")) == ("<5", "6")
    assert set(counts.values()) == {"<5"}  # South Kivu's other territories: none counted
    assert {f["properties"]["kind"] for f in features} == {"count"}
    client.force_login(users["duty"])  # the base's own staff too: counts only
    assert layer(client, "alerts").json()["features"] == []
    (uvira,) = layer(client, "sexual-violence").json()["features"]
    assert uvira["properties"]["count"] == "<5"
    places = list(Locality.objects.filter(territory=world.uvira_t).values_list("longitude", "latitude"))
    middle = [round(float(sum(p[i] for p in places) / len(places)), 5) for i in (0, 1)]
    assert uvira["geometry"] == {"type": "Point", "coordinates": middle}  # the middle of the territory's localities
    assert "url" in uvira["properties"] and uvira["properties"]["url"] == ""


@pytest.mark.django_db
def test_a_territory_with_no_sexual_violence_alert_also_reads_under_5(client, world, users):
    client.force_login(users["manager"])
    features = layer(client, "sexual-violence").json()["features"]
    assert {
        f["properties"]["territory"]: f["properties"]["count"]
        for f in features
        if f["properties"]["territory"] in ("Uvira", "Fizi")
    } == {"Uvira": "<5", "Fizi": "<5"}
    assert "Beni" not in {f["properties"]["territory"] for f in features}


@pytest.mark.django_db
def test_meetings_plan_actions_bases_and_itineraries(client, world, users, plan):
    meeting = make_meeting(world=world, author=users["cla"], locality=world.sange, women=3, men=4)
    meeting.held_on = TODAY() - datetime.timedelta(days=3)
    meeting.latitude, meeting.longitude = Decimal("-3.09"), Decimal("29.11")
    meeting.save()
    mission = MissionFactory(
        title="Sange–Kiliba",
        lead=users["jpt"],
        localities=[world.sange],
        start_date=TODAY() - datetime.timedelta(days=5),
        end_date=TODAY() - datetime.timedelta(days=1),
    )
    mission.bases.set([world.base])
    StopFactory(mission=mission, locality=world.uvira, arrive_on=mission.start_date, leave_on=mission.start_date)
    StopFactory(
        mission=mission,
        locality=world.sange,
        arrive_on=mission.end_date,
        leave_on=mission.end_date,
        latitude=Decimal("-3.07"),
        longitude=Decimal("29.125"),
    )
    client.force_login(users["duty"])
    (own_meeting,) = layer(client, "meetings").json()["features"]
    assert own_meeting["geometry"]["coordinates"] == [29.11, -3.09]
    assert own_meeting["properties"]["url"] == f"/cla/meetings/{meeting.uid}/"
    assert layer(client, "itineraries").status_code == 404  # duty officers do not read JPT missions
    client.force_login(make_user("manager", base=world.base))  # a manager of the mission's base
    itinerary = layer(client, "itineraries").json()["features"]
    assert [f["geometry"]["type"] for f in itinerary] == ["Point", "Point", "LineString"]
    assert itinerary[2]["geometry"]["coordinates"] == [[29.1378, -3.3953], [29.125, -3.07]]
    assert itinerary[0]["properties"]["url"] == f"/jpt/missions/{mission.uid}/report/"
    client.force_login(users["duty"])
    bases = layer(client, "bases").json()["features"]
    assert [(f["properties"]["kind"], f["properties"]["label"]) for f in bases] == [
        ("base", "Uvira"),
        ("locality", "Sange"),
        ("locality", "Uvira"),
    ]
    (action,) = layer(client, "plan-actions").json()["features"]
    assert action["properties"]["url"] == f"/cla/plans/{plan.uid}/"
    assert action["geometry"]["coordinates"] == [29.12, -3.08]
    client.force_login(users["manager"])  # not of the base: the localities' coordinates
    assert layer(client, "meetings").json()["features"][0]["geometry"]["coordinates"] == [29.12, -3.08]
    assert layer(client, "itineraries").json()["features"][2]["geometry"]["coordinates"] == [
        [29.1378, -3.3953],
        [29.12, -3.08],
    ]
    client.force_login(users["far_manager"])
    for slug in ("meetings", "itineraries", "plan-actions"):
        assert layer(client, slug).json()["features"] == [], slug


@pytest.mark.django_db
def test_sexual_violence_plan_actions_stay_with_the_plans_base(client, world, users, plan):
    threat = ThreatFactory(plan=plan, category="sexual_violence")
    ActionFactory(threat=threat, description="Escort to the health centre")
    client.force_login(users["duty"])
    assert len(layer(client, "plan-actions").json()["features"]) == 2
    client.force_login(users["manager"])
    assert len(layer(client, "plan-actions").json()["features"]) == 1
    client.force_login(users["gender"])  # need to know
    assert len(layer(client, "plan-actions").json()["features"]) == 2


@pytest.mark.django_db
def test_outlines_cover_the_territories_in_scope(client, world, users):
    client.force_login(users["duty"])
    data = client.get(reverse("map-outlines")).json()
    assert data["approximate"] is True
    assert [(f["properties"]["kind"], f["properties"]["label"]) for f in data["features"]] == [
        ("province", "South Kivu"),
        ("territory", "Uvira"),
    ]
    client.force_login(users["admin"])
    labels = [f["properties"]["label"] for f in client.get(reverse("map-outlines")).json()["features"]]
    with_places = Territory.objects.filter(localities__isnull=False).distinct()
    provinces = Province.objects.filter(territories__in=with_places).distinct()
    assert sorted(labels) == sorted([t.name for t in with_places] + [p.name for p in provinces])
    assert {"Beni", "Fizi", "Uvira", "North Kivu", "South Kivu"} <= set(labels)


def test_hulls():
    assert convex_hull([(0, 0), (1, 0), (1, 1), (0, 1), (0.5, 0.5)]) == [(0, 0), (1, 0), (1, 1), (0, 1)]
    ring = widened_hull([(29.0, -3.0)], margin=0.05)
    assert len(ring) == 9 and ring[0] == ring[-1]
    assert [29.05, -3.0] in ring and [28.95, -3.0] in ring


@pytest.mark.django_db
def test_the_page_lists_the_same_data_by_territory(client, world, users):
    alert = _alert(world, locality=world.sange)
    _alert(world, world.other_base, locality=world.minembwe, threat_category="sexual_violence")
    client.force_login(users["manager"])
    html = client.get(reverse("map")).content.decode()
    assert f'<a href="/can/alerts/{alert.uid}/">{alert.reference} · Armed attack · Received</a>' in html
    assert html.index("<h3>Fizi</h3>") < html.index("<h3>Uvira</h3>")
    assert "<td>&lt;5</td>" in html
    assert "vendor/leaflet-1.9.4/leaflet.js" in html


@pytest.mark.django_db
def test_no_other_page_loads_leaflet(client, world, users):
    client.force_login(users["duty"])
    for url in ("/can/inbox/", "/can/alerts/new/"):
        assert "leaflet" not in client.get(url).content.decode(), url


@pytest.mark.django_db
def test_query_counts(client, world, users, django_assert_num_queries, plan):
    for _ in range(3):
        _alert(world, locality=world.sange)
    client.force_login(users["duty"])
    client.get(reverse("map"))  # the session's menu roles, once
    # Each request: session, user, savepoint, groups, 2 for permissions, user scope, base
    # assignments, savepoint released (9); then the layer's own queries.
    with django_assert_num_queries(9 + 1):
        assert len(layer(client, "alerts").json()["features"]) == 3
    with django_assert_num_queries(9 + 4):  # territories of the bases, territories, counts, middles
        layer(client, "sexual-violence")
    with django_assert_num_queries(9 + 3):  # bases, their localities, the localities' territories
        layer(client, "bases")
    with django_assert_num_queries(9 + 1):
        layer(client, "plan-actions")
    with django_assert_num_queries(9 + 3):  # territories of the bases, territories, localities
        client.get(reverse("map-outlines"))
    for n in range(2):
        mission = MissionFactory(lead=users["jpt"], localities=[world.sange], start_date=TODAY(), end_date=TODAY())
        mission.bases.set([world.base])
        for place in (world.uvira, world.sange):
            StopFactory(mission=mission, locality=place, arrive_on=TODAY(), leave_on=TODAY())
    client.force_login(users["manager"])
    client.get(reverse("map"))
    with django_assert_num_queries(9 + 3):  # missions, their stops, their bases
        layer(client, "itineraries")


@pytest.mark.django_db
def test_tiles_are_set_by_map_tile_url_and_allowed_on_the_map_page_only(client, world, users, settings):
    client.force_login(users["duty"])
    assert "tile.openstreetmap.org" not in client.get(reverse("map"))["Content-Security-Policy"]
    settings.MAP_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    response = client.get(reverse("map"))
    assert 'data-tiles="https://tile.openstreetmap.org/{z}/{x}/{y}.png"' in response.content.decode()
    assert "img-src 'self' data: https://tile.openstreetmap.org" in response["Content-Security-Policy"]
    assert "tile.openstreetmap.org" not in client.get("/can/inbox/")["Content-Security-Policy"]


@pytest.mark.django_db
def test_the_map_page_with_leaflet_weighs_under_100_kb_compressed(client, world, users):
    from bench.page_weight import measure

    client.force_login(users["manager"])
    result = measure(client, reverse("map"))
    assert "/static/vendor/leaflet-1.9.4/leaflet.js" in result["assets"]
    assert result["first_load"] <= 100 * 1024
