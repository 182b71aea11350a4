"""Demo data for the cla app: real South Kivu bases, their coverage, CLAs and duty officers."""

from datetime import date, timedelta

from monusco.demo import DemoContext, register

# code: (name, kind, parent code, locality, contingent, opened, closed/handed over, handed to, covered localities)
BASES = {
    "cob-uvira": ("Uvira", "cob", None, "Uvira", "PAKBAT", date(2005, 3, 1), None, "", ["Uvira", "Kiliba", "Sange"]),
    "tob-sange": ("Sange", "tob", "cob-uvira", "Sange", "PAKBAT", date(2011, 6, 1), None, "", ["Sange"]),
    "cob-minembwe": ("Minembwe", "cob", None, "Minembwe", "PAKBAT", date(2019, 9, 1), None, "", ["Minembwe", "Fizi", "Baraka", "Misisi"]),
    "cob-mikenge": ("Mikenge", "cob", None, "Mikenge", "BANBAT", date(2020, 2, 1), None, "", ["Mikenge", "Mwenga", "Kamituga"]),
    "cob-kamanyola": ("Kamanyola", "cob", None, "Kamanyola", "URUBATT", date(2005, 1, 15), date(2024, 2, 28), "Police nationale congolaise", ["Kamanyola", "Walungu"]),
    "cob-bunyakiri": ("Bunyakiri", "cob", None, "Bunyakiri", "PAKBAT", date(2009, 5, 1), date(2024, 4, 19), "Autorités nationales", ["Bunyakiri", "Kalehe"]),
    "cob-kavumu": ("Kavumu", "cob", None, "Kavumu", "PAKBAT", date(2010, 1, 1), date(2024, 4, 30), "FARDC", ["Kavumu", "Kabare"]),
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
