"""Demo data for the jpt app: six JPT missions in South Kivu over the last six months, one or more
in every status, with their teams, itineraries, meetings, findings and recommendations.

Some teams are deliberately incomplete (no woman, no Human Rights or Gender officer where sexual
violence is on record, no CLA from the covering base) so the admin's composition warnings show.
Natural keys everywhere: running it twice changes no count.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from monusco.demo import DemoContext, register

# Each mission: title -> spec. Offsets are days relative to today.
MISSIONS = {
    "Kiliba–Sange: protection assessment along the plain": {
        "start": -160,
        "days": 5,
        "status": "report_submitted",
        "localities": ["Kiliba", "Sange"],
        "bases": ["cob-uvira", "tob-sange"],
        "objectives": "Assess threats to civilians along the Ruzizi plain after the attacks reported by the "
        "CAN; meet local authorities, women's associations and displaced families.",
        "team": [
            ("demo-jpt", "civil_affairs", "f", "Team leader"),
            ("demo-cla", "cla", "f", "Community liaison, interpretation (Kibembe)"),
            ("Aline Mwamini", "human_rights", "f", "Human Rights officer"),
            ("Patrick Otieno", "un_police", "m", "UNPOL adviser"),
            ("Capt. Imran Siddiqui", "military", "m", "PAKBAT escort commander"),
            ("Joseph Kabemba", "child_protection", "m", "Child Protection officer"),
        ],
        "stops": [("Kiliba", 0, 1), ("Sange", 2, 4)],
        "meetings": [
            ("Kiliba", 0, "authorities", "Chef de groupement and the local security committee", (2, 9, 0, 0)),
            ("Kiliba", 1, "women", "Association des mamans de Kiliba", (24, 0, 6, 0)),
            ("Sange", 2, "displaced", "Displaced families at the Sange parish site", (31, 18, 12, 9)),
            ("Sange", 3, "community", "Community meeting, Sange market square", (40, 52, 0, 0)),
        ],
        "findings": [
            (
                "armed_attack",
                "Sange",
                "Two night attacks on farms near the river in the last month; farmers no longer sleep in the fields.",
            ),
            ("extortion", "Kiliba", "Illegal taxes at two barriers on the road to the market, on market days."),
            (
                "sexual_violence",
                "Sange",
                "Women collecting firewood report assaults; cases referred through the Human Rights officer.",
            ),
        ],
        "recommendations": [
            (
                "Deploy a night patrol between Sange and the river fields.",
                "monusco",
                "PAKBAT, COB Uvira",
                -140,
                "done",
                [
                    (-150, "in_progress", "Patrol plan agreed with the base commander."),
                    (-138, "done", "Night patrols twice a week since last month."),
                ],
            ),
            (
                "Dismantle the illegal barriers on the Kiliba market road.",
                "local_authority",
                "Administrateur du territoire d'Uvira",
                -120,
                "in_progress",
                [(-130, "in_progress", "Raised at the territorial security council; one barrier removed.")],
            ),
            (
                "Organise escorted firewood collection for women.",
                "fardc",
                "FARDC sector command",
                -100,
                "blocked",
                [
                    (-110, "in_progress", "Discussed with the FARDC sector commander."),
                    (-95, "blocked", "No escort available since the redeployment."),
                ],
            ),
        ],
    },
    "Minembwe highlands: inter-community tensions": {
        "start": -120,
        "days": 5,
        "status": "report_submitted",
        "localities": ["Minembwe"],
        "bases": ["cob-minembwe"],
        "objectives": "Facilitate dialogue between communities after cattle raids; assess displacement "
        "around Minembwe.",
        "team": [
            ("demo-jpt", "civil_affairs", "f", "Team leader"),
            ("demo-cla2", "cla", "m", "Community liaison, interpretation (Kinyarwanda)"),
            ("Eric Mulamba", "political_affairs", "m", "Political Affairs officer"),
            ("Daniel Kasereka", "human_rights", "m", "Human Rights officer"),
            ("Maj. Bilal Ahmed", "military", "m", "PAKBAT company commander"),
        ],
        "stops": [("Minembwe", 0, 4)],
        "meetings": [
            ("Minembwe", 0, "authorities", "Chef de secteur and community leaders", (1, 11, 0, 0)),
            ("Minembwe", 2, "community", "Inter-community dialogue", (15, 34, 0, 0)),
            ("Minembwe", 3, "displaced", "Displaced households near the base", (22, 10, 8, 7)),
        ],
        "findings": [
            ("land_conflict", "Minembwe", "Disputes over grazing land fuel cattle raids between communities."),
            ("displacement", "Minembwe", "About 300 households displaced near the base since the raids."),
            ("killing", "Minembwe", "Three herders killed in a raid two weeks before the mission."),
        ],
        "recommendations": [
            (
                "Convene a monthly inter-community dialogue with the chef de secteur.",
                "local_authority",
                "Chef de secteur",
                -90,
                "in_progress",
                [(-100, "in_progress", "First dialogue held; second postponed.")],
            ),
            (
                "Coordinate with humanitarian partners on shelter for displaced households.",
                "humanitarian",
                "OCHA, UNHCR",
                -60,
                "open",
                [],
            ),
            (
                "Dialogue on transhumance routes with provincial authorities.",
                "provincial_authority",
                "Provincial ministry of agriculture",
                -30,
                "dropped",
                [(-40, "dropped", "Replaced by the territorial process on land.")],
            ),
        ],
    },
    "Fizi–Baraka lakeshore": {
        "start": -75,
        "days": 4,
        "status": "completed",
        "localities": ["Baraka", "Fizi"],
        "bases": ["cob-minembwe"],
        "objectives": "Assess abductions and looting reported along the lakeshore road.",
        "team": [
            ("demo-cla2", "cla", "m", "Community liaison"),
            ("Serge Ngoy", "civil_affairs", "m", "Civil Affairs officer"),
            ("Lt. Kamal Hossain", "military", "m", "Escort"),
            ("Samuel Mbuyi", "public_information", "m", "Public Information officer"),
        ],
        "stops": [("Baraka", 0, 1), ("Fizi", 2, 3)],
        "meetings": [
            ("Baraka", 0, "civil_society", "Société civile de Baraka", (3, 8, 0, 0)),
            ("Fizi", 2, "authorities", "Administrateur du territoire and PNC commander", (0, 5, 0, 0)),
        ],
        "findings": [
            ("abduction", "Baraka", "Fishermen abducted for ransom on the lake; three cases this quarter."),
            ("looting", "Fizi", "Shops looted at night in Fizi centre."),
        ],
        "recommendations": [
            ("Set up a CAN focal point in Baraka fishing community.", "monusco", "COB Minembwe CLAs", -40, "open", []),
            (
                "Increase PNC presence at night in Fizi centre.",
                "pnc",
                "PNC commander, Fizi",
                -20,
                "in_progress",
                [(-30, "in_progress", "Two more officers deployed.")],
            ),
        ],
    },
    "Mwenga–Kamituga mining areas": {
        "start": -3,
        "days": 5,
        "status": "ongoing",
        "localities": ["Kamituga", "Mwenga"],
        "bases": ["cob-mikenge"],
        "objectives": "Assess extortion and child labour around artisanal mining sites.",
        "team": [
            ("demo-jpt", "civil_affairs", "f", "Team leader"),
            ("Grace Bahati", "child_protection", "f", "Child Protection officer"),
            ("Ahmed Karim", "military", "m", "BANBAT escort"),
            ("Olivier Lukusa", "public_information", "m", "Public Information officer"),
        ],
        "stops": [("Kamituga", 0, 2), ("Mwenga", 3, 4)],
        "meetings": [
            ("Kamituga", 0, "community", "Miners' cooperative", (6, 21, 2, 5)),
        ],
        "findings": [],
        "recommendations": [],
    },
    "Uvira town: follow-up of the plain mission": {
        "start": 10,
        "days": 4,
        "status": "approved",
        "localities": ["Uvira"],
        "bases": ["cob-uvira"],
        "objectives": "Follow up the recommendations of the Kiliba–Sange mission with authorities in Uvira.",
        "team": [
            ("demo-jpt", "civil_affairs", "f", "Team leader"),
            ("demo-cla", "cla", "f", "Community liaison"),
            ("Aline Mwamini", "human_rights", "f", "Human Rights officer"),
        ],
        "stops": [("Uvira", 0, 3)],
        "meetings": [],
        "findings": [],
        "recommendations": [],
    },
    "Sange: response to assaults on women": {
        "start": 30,
        "days": 5,
        "status": "planned",
        "localities": ["Sange"],
        "bases": ["tob-sange"],
        "objectives": "Meet women's associations and authorities about the assaults reported on firewood routes.",
        "team": [
            ("Serge Ngoy", "civil_affairs", "m", "Civil Affairs officer"),
            ("Capt. Imran Siddiqui", "military", "m", "PAKBAT escort commander"),
        ],
        "stops": [("Sange", 0, 4)],
        "meetings": [],
        "findings": [],
        "recommendations": [],
    },
}

STAMPS = {  # status -> the lifecycle steps it has passed
    "planned": [],
    "approved": ["approved"],
    "ongoing": ["approved", "started"],
    "completed": ["approved", "started", "completed"],
    "report_submitted": ["approved", "started", "completed", "report_submitted"],
}


def _locality(name):
    from monusco.models import Locality

    return Locality.objects.get(name=name, territory__province__name="South Kivu")


def _at(day: date, hour: int = 9) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


@register(30, "JPT missions")
def seed_missions(ctx: DemoContext) -> None:
    from .models import (
        Finding,
        ItineraryStop,
        JPTMission,
        MeetingHeld,
        MissionMember,
        Recommendation,
        RecommendationUpdate,
    )

    lead = ctx.users["demo-jpt"]
    approver = ctx.users["demo-manager"]
    bases = ctx.data.get("bases", {})
    missions = {}
    for title, spec in MISSIONS.items():
        start = ctx.today + timedelta(days=spec["start"])
        end = start + timedelta(days=spec["days"] - 1)
        totals = [sum(m[4][i] for m in spec["meetings"]) for i in range(4)]
        defaults = {
            "lead": lead,
            "status": spec["status"],
            "start_date": start,
            "end_date": end,
            "objectives": spec["objectives"],
            "terms_of_reference": "Joint assessment led by Civil Affairs with the sections listed in the team.",
            "summary": "See findings and recommendations." if spec["findings"] else "",
            "women": totals[0],
            "men": totals[1],
            "girls": totals[2],
            "boys": totals[3],
        }
        steps = STAMPS[spec["status"]]
        step_dates = {
            "approved": start - timedelta(days=10),
            "started": start,
            "completed": end,
            "report_submitted": end + timedelta(days=5),
        }
        for step in ("approved", "started", "completed", "report_submitted"):
            done = step in steps
            defaults[f"{step}_by"] = (approver if step == "approved" else lead) if done else None
            defaults[f"{step}_at"] = _at(step_dates[step]) if done else None
        create_defaults = dict(defaults)
        if spec["status"] == "report_submitted":
            # Set only when created: the gender seeder (and reviewers) move the review on afterwards.
            create_defaults.update(
                review_status="submitted", review_round=1, submitted_at=defaults["report_submitted_at"]
            )
        mission, _ = JPTMission.objects.update_or_create(
            title=title, lead=lead, defaults=defaults, create_defaults=create_defaults
        )
        mission.localities.set([_locality(n) for n in spec["localities"]])
        mission.bases.set([bases[c] for c in spec["bases"] if c in bases])
        for name, section, sex, role in spec["team"]:
            if name in ctx.users:
                MissionMember.objects.update_or_create(
                    mission=mission, user=ctx.users[name], defaults={"section": section, "sex": sex, "role": role}
                )
            else:
                MissionMember.objects.update_or_create(
                    mission=mission,
                    external_name=name,
                    user=None,
                    defaults={"section": section, "sex": sex, "role": role},
                )
        for place, first, last in spec["stops"]:
            ItineraryStop.objects.update_or_create(
                mission=mission,
                locality=_locality(place),
                arrive_on=start + timedelta(days=first),
                defaults={"leave_on": start + timedelta(days=last)},
            )
        for place, day, kind, with_whom, (women, men, girls, boys) in spec["meetings"]:
            MeetingHeld.objects.update_or_create(
                mission=mission,
                with_whom=with_whom,
                held_on=start + timedelta(days=day),
                defaults={
                    "locality": _locality(place),
                    "kind": kind,
                    "women": women,
                    "men": men,
                    "girls": girls,
                    "boys": boys,
                },
            )
        for category, place, description in spec["findings"]:
            Finding.objects.update_or_create(
                mission=mission,
                description=description,
                defaults={"category": category, "locality": _locality(place)},
            )
        for text, responsible, detail, deadline, status, updates in spec["recommendations"]:
            last = updates[-1] if updates else None
            rec, _ = Recommendation.objects.update_or_create(
                mission=mission,
                text=text,
                defaults={
                    "responsible": responsible,
                    "responsible_detail": detail,
                    "deadline": ctx.today + timedelta(days=deadline),
                    "follow_up_status": status,
                    "last_update_on": ctx.today + timedelta(days=last[0]) if last else None,
                    "last_update_note": last[2] if last else "",
                },
            )
            for offset, update_status, note in updates:
                RecommendationUpdate.objects.update_or_create(
                    recommendation=rec,
                    updated_on=ctx.today + timedelta(days=offset),
                    status=update_status,
                    defaults={"note": note, "author": lead},
                )
        missions[title] = mission
    ctx.data["jpt_missions"] = missions
