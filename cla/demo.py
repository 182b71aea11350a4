"""Demo data for the cla app: real South Kivu bases, their coverage, CLAs and duty officers."""

from datetime import date, timedelta

from monusco.demo import DemoContext, register

# code: (name, kind, parent code, locality, contingent, opened, closed/handed over, handed to, covered localities)
BASES = {
    "cob-uvira": ("Uvira", "cob", None, "Uvira", "PAKBAT", date(2005, 3, 1), None, "", ["Uvira", "Kiliba", "Sange"]),
    "tob-sange": ("Sange", "tob", "cob-uvira", "Sange", "PAKBAT", date(2011, 6, 1), None, "", ["Sange"]),
    "cob-minembwe": (
        "Minembwe",
        "cob",
        None,
        "Minembwe",
        "PAKBAT",
        date(2019, 9, 1),
        None,
        "",
        ["Minembwe", "Fizi", "Baraka", "Misisi"],
    ),
    "cob-mikenge": (
        "Mikenge",
        "cob",
        None,
        "Mikenge",
        "BANBAT",
        date(2020, 2, 1),
        None,
        "",
        ["Mikenge", "Mwenga", "Kamituga"],
    ),
    "cob-kamanyola": (
        "Kamanyola",
        "cob",
        None,
        "Kamanyola",
        "URUBATT",
        date(2005, 1, 15),
        date(2024, 2, 28),
        "Police nationale congolaise",
        ["Kamanyola", "Walungu"],
    ),
    "cob-bunyakiri": (
        "Bunyakiri",
        "cob",
        None,
        "Bunyakiri",
        "PAKBAT",
        date(2009, 5, 1),
        date(2024, 4, 19),
        "Autorités nationales",
        ["Bunyakiri", "Kalehe"],
    ),
    "cob-kavumu": (
        "Kavumu",
        "cob",
        None,
        "Kavumu",
        "PAKBAT",
        date(2010, 1, 1),
        date(2024, 4, 30),
        "FARDC",
        ["Kavumu", "Kabare"],
    ),
}

STAFF = {
    # username: (base code, function, languages)
    "demo-cla": ("cob-uvira", "cla", ["fr", "sw", "bmb"]),
    "demo-cla2": ("cob-minembwe", "cla", ["fr", "sw", "rw"]),
    "demo-duty": ("cob-uvira", "duty_officer", ["en", "fr"]),
}


def _locality(name):
    from monusco.models import Locality

    return Locality.objects.get(name=name, territory__province__name="South Kivu")


@register(10, "operating bases and CLAs")
def seed_bases(ctx: DemoContext) -> None:
    from .models import BaseAssignment, CommunityLiaisonAssistant, OperatingBase

    bases = {}
    for code, (name, kind, parent, place, contingent, opened, closed, handed_to, covered) in BASES.items():
        base, _ = OperatingBase.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "kind": kind,
                "parent": bases.get(parent),
                "locality": _locality(place),
                "contingent": contingent,
                "opened_on": opened,
                "closed_on": closed,
                "handed_over_on": closed if handed_to else None,
                "handed_over_to": handed_to,
            },
        )
        base.coverage.set([_locality(n) for n in covered])
        bases[code] = base
    ctx.data["bases"] = bases
    start = ctx.today - timedelta(days=400)
    for username, (code, function, languages) in STAFF.items():
        user = ctx.users[username]
        if function == "cla":
            CommunityLiaisonAssistant.objects.update_or_create(
                user=user, defaults={"languages": languages, "is_gender_focal_point": username == "demo-cla"}
            )
        BaseAssignment.objects.get_or_create(
            user=user, base=bases[code], function=function, ends_on=None, defaults={"starts_on": start}
        )


# --- Meetings and protection plans (order 15) ------------------------------------------------------

EXTRA_CLAS = {
    # username: (first name, last name, base code): CLAs of bases without a demo login (no password)
    "fbyamungu": ("Furaha", "Byamungu", "tob-sange"),
    "amwamba": ("Alliance", "Mwamba", "cob-mikenge"),
}

TOPICS = [
    "Sécurité sur les routes vers les champs et le marché",
    "Cohabitation entre communautés et gestion des conflits fonciers",
    "Fonctionnement du réseau d'alerte communautaire (CAN)",
    "Tracasseries aux barrières et taxes illégales",
    "Protection des femmes et des filles aux points d'eau",
    "Retour des déplacés et accès aux terres",
    "Relations entre la population, les FARDC et la PNC",
    "Recrutement des jeunes par les groupes armés",
    "Préparation de la patrouille conjointe et des escortes du jour de marché",
]

CONCERNS = [
    ("armed_attack", "Incursions nocturnes d'hommes armés signalées sur la route des champs.", ["men", "boys"]),
    ("looting", "Pillage de bétail et de récoltes dans les villages en hauteur.", ["women", "men"]),
    ("extortion", "Taxes illégales exigées aux barrières sur la route du marché.", ["women", "men"]),
    (
        "sexual_violence",
        "Des femmes disent ne plus aller seules aux champs après des agressions sexuelles signalées.",
        ["women", "girls"],
    ),
    ("abduction", "Enlèvements contre rançon sur l'axe routier, surtout de commerçants.", ["men"]),
    ("land_conflict", "Litige foncier entre deux familles autour d'un champ proche de la rivière.", ["men", "women"]),
    ("state_abuse", "Arrestations arbitraires de jeunes lors de bouclages.", ["boys", "men"]),
    ("displacement", "Arrivée de familles déplacées sans abri ni vivres.", ["displaced", "women", "girls", "boys"]),
    (
        "sexual_violence",
        "Risque de violences sexuelles pour les filles qui vont chercher du bois de chauffe.",
        ["girls"],
    ),
    ("killing", "Un commerçant tué sur la route; la population demande plus de patrouilles.", ["men"]),
]

FOLLOW_UPS = [
    ("Demander une patrouille de nuit sur l'axe signalé.", "monusco"),
    ("Plaidoyer auprès de l'administrateur du territoire contre les barrières illégales.", "local_authority"),
    ("Organiser des déplacements en groupe vers les champs.", "community"),
    ("Informer le commandant FARDC le plus proche.", "fardc"),
    ("Relayer les numéros d'alerte à tous les chefs de quartier.", "community"),
    ("Demander à la PNC une présence au marché le jour de marché.", "pnc"),
]

PLAN_THREATS = [
    (
        "sexual_violence",
        "armed_group",
        "Violences sexuelles sur les femmes et les filles sur le chemin des champs.",
        ["women", "girls"],
        "Femmes et filles, le matin tôt, sur les sentiers des champs et vers les points d'eau.",
        "Champs éloignés, pas de réseau téléphonique sur certains tronçons.",
        "Groupes de femmes qui vont ensemble aux champs; comité de vigilance.",
    ),
    (
        "extortion",
        "fardc",
        "Taxes illégales aux barrières routières.",
        ["women", "men"],
        "Commerçantes et commerçants les jours de marché.",
        "Dépendance au marché hebdomadaire.",
        "Associations de commerçants capables de documenter les cas.",
    ),
    (
        "armed_attack",
        "armed_group",
        "Attaques nocturnes de villages isolés.",
        ["men", "boys", "women"],
        "Habitants des villages en hauteur, la nuit.",
        "Habitations dispersées, pas d'éclairage.",
        "Réseau d'alerte communautaire et numéro vert connus.",
    ),
    (
        "land_conflict",
        "community",
        "Conflits fonciers entre communautés éleveurs et agriculteurs.",
        ["men", "boys"],
        "Jeunes bergers et agriculteurs près des pâturages.",
        "Limites de terres mal définies.",
        "Comité local de paix et chefs coutumiers.",
    ),
]

PLAN_ACTIONS = [
    ("Patrouilles régulières sur les axes des champs", "monusco"),
    ("Accompagnement en groupe des femmes aux champs", "community"),
    ("Sensibilisation sur le numéro d'alerte", "community"),
    ("Plaidoyer pour lever les barrières illégales", "local_authority"),
    ("Présence policière au marché", "pnc"),
    ("Déploiement FARDC au poste avancé", "fardc"),
    ("Médiation par le comité local de paix", "local_authority"),
]

STAKEHOLDERS = [
    "chief",
    "local_authority",
    "civil_society",
    "women_associations",
    "youth",
    "churches",
    "displaced",
    "fardc",
    "pnc",
]


def _split(rng, total: int, parts: int) -> list[int]:
    cuts = sorted(rng.randint(0, total) for _ in range(parts - 1))
    return [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]


def _extra_clas(ctx: DemoContext, bases) -> dict:
    from django.contrib.auth.models import Group

    from monusco.models import User

    from .models import BaseAssignment, CommunityLiaisonAssistant

    authors = {"cob-uvira": ctx.users["demo-cla"], "cob-minembwe": ctx.users["demo-cla2"]}
    for username, (first, last, code) in EXTRA_CLAS.items():
        user, created = User.objects.get_or_create(
            username=username, defaults={"first_name": first, "last_name": last, "preferred_language": "sw"}
        )
        if created:
            user.set_unusable_password()
            user.save()
        user.groups.set([Group.objects.get(name="cla")])
        CommunityLiaisonAssistant.objects.get_or_create(user=user, defaults={"languages": ["fr", "sw"]})
        BaseAssignment.objects.get_or_create(
            user=user,
            base=bases[code],
            function="cla",
            ends_on=None,
            defaults={"starts_on": ctx.today - timedelta(days=300)},
        )
        authors[code] = user
    return authors


@register(15, "meetings and protection plans")
def seed_meetings_and_plans(ctx: DemoContext) -> None:
    import random

    from gender.models import ReviewStatus
    from gender.services import report_submit

    from .models import (
        CommunityProtectionPlan,
        MeetingFollowUp,
        PlanAction,
        PlanRevision,
        PlanThreat,
        SecurityConcern,
        UrafikiMeeting,
    )
    from .services import plan_snapshot

    rng = random.Random(15)  # own generator: the same data whatever earlier seeders drew
    bases = ctx.data["bases"]
    authors = _extra_clas(ctx, bases)
    open_bases = [b for b in bases.values() if b.is_open]
    meetings = []
    for base in open_bases:
        author = authors[base.code]
        covered = list(base.coverage.order_by("name"))
        facilitator = author.cla_profile
        for month in range(6):
            for n in range(rng.randint(2, 4)):
                held_on = ctx.today - timedelta(days=month * 30 + rng.randint(0, 27) + 1)
                locality = covered[(month + n) % len(covered)]
                kind = "urafiki" if n % 3 != 2 else rng.choice(["women_forum", "security_committee", "youth_dialogue"])
                women, men, girls, boys = rng.randint(5, 40), rng.randint(5, 40), rng.randint(0, 10), rng.randint(0, 10)
                bands = {}
                if rng.random() < 0.4:
                    child, adult = _split(rng, girls + boys, 3), _split(rng, women + men, 3)
                    bands = dict(
                        zip(
                            ("age_0_5", "age_6_12", "age_13_17", "age_18_49", "age_50_59", "age_60_plus"),
                            child + adult,
                            strict=True,
                        )
                    )
                meeting, _ = UrafikiMeeting.objects.get_or_create(
                    base=base,
                    locality=locality,
                    held_on=held_on,
                    meeting_type=kind,
                    defaults={
                        "created_by": author,
                        "women": women,
                        "men": men,
                        "girls": girls,
                        "boys": boys,
                        **bands,
                        "stakeholder_groups": rng.sample(STAKEHOLDERS, rng.randint(3, 6)),
                        "women_consulted_separately": rng.random() < 0.5,
                        "topics": "\n".join(rng.sample(TOPICS, 2)),
                    },
                )
                meeting.facilitators.add(facilitator)
                for category, description, groups in rng.sample(CONCERNS, rng.randint(1, 3)):
                    SecurityConcern.objects.get_or_create(
                        meeting=meeting,
                        category=category,
                        description=description,
                        defaults={"at_risk_groups": groups},
                    )
                for action, responsible in rng.sample(FOLLOW_UPS, rng.randint(0, 2)):
                    MeetingFollowUp.objects.get_or_create(
                        meeting=meeting,
                        action=action,
                        defaults={
                            "responsible": responsible,
                            "due_on": held_on + timedelta(days=14),
                            "status": "done" if month > 1 else rng.choice(["planned", "in_progress"]),
                        },
                    )
                meetings.append(meeting)
    # Older meetings go to the gender office (which reviews them in its own seeder); the last
    # fortnight's are mostly still drafts.
    meetings = list({m.pk: m for m in meetings}.values())
    for meeting in meetings:
        meeting.refresh_from_db()
        recent = (ctx.today - meeting.held_on).days <= 14
        if meeting.review_status == ReviewStatus.DRAFT and not (recent and meeting.pk % 3):
            report_submit(report=meeting, user=meeting.created_by)
    ctx.data["cla_meetings"] = meetings

    # One plan per covered locality of the open bases; a TOB keeps the plan of its own locality.
    period_start = (ctx.today.replace(day=1) - timedelta(days=95)).replace(day=1)
    period_end = (period_start + timedelta(days=190)).replace(day=1) - timedelta(days=1)
    planned = set()
    plans = []
    for base in sorted(open_bases, key=lambda b: (b.kind != "tob", b.code)):
        for locality in base.coverage.order_by("name"):
            if locality.pk in planned:
                continue
            planned.add(locality.pk)
            plan, created = CommunityProtectionPlan.objects.get_or_create(
                locality=locality,
                period_start=period_start,
                defaults={
                    "base": base,
                    "period_end": period_end,
                    "created_by": authors[base.code],
                    "review_on": ctx.today + timedelta(days=rng.randint(-10, 60)),
                    "summary": f"Plan communautaire de protection de {locality.name}, élaboré avec le chef de "
                    "localité, la société civile, les associations de femmes et les jeunes.",
                    "women": 12,
                    "men": 14,
                    "girls": 3,
                    "boys": 4,
                },
            )
            for t_index, (category, perpetrator, description, groups, detail, vuln, capa) in enumerate(
                rng.sample(PLAN_THREATS, rng.randint(2, 4))
            ):
                threat, _ = PlanThreat.objects.get_or_create(
                    plan=plan,
                    category=category,
                    description=description,
                    defaults={
                        "perpetrator_type": perpetrator,
                        "at_risk_groups": groups,
                        "at_risk_detail": detail,
                        "vulnerabilities": vuln,
                        "capacities": capa,
                    },
                )
                for a_index, (action, responsible) in enumerate(rng.sample(PLAN_ACTIONS, rng.randint(1, 3))):
                    offset = rng.randint(-40, 60)
                    status = (
                        "done"
                        if offset < -30
                        else ("planned" if offset > 0 else rng.choice(["in_progress", "blocked"]))
                    )
                    PlanAction.objects.get_or_create(
                        threat=threat,
                        description=action,
                        defaults={
                            "responsible": responsible,
                            "deadline": ctx.today + timedelta(days=offset),
                            "status": status,
                            "review_on": ctx.today + timedelta(days=offset + 14) if (t_index + a_index) % 2 else None,
                        },
                    )
            if len(plans) % 2 == 0 and not plan.revisions.exists():
                # Keep an earlier version so the plan's history has something to show.
                PlanRevision.objects.create(
                    plan=plan, version=1, snapshot=plan_snapshot(plan), saved_by=authors[base.code]
                )
                CommunityProtectionPlan.objects.filter(pk=plan.pk).update(version=2)
            plans.append(plan)
    for plan in plans[::2]:
        plan.refresh_from_db()
        if plan.review_status == ReviewStatus.DRAFT:
            report_submit(report=plan, user=plan.created_by)
    ctx.data["cla_plans"] = plans
