"""Reading an inbound SMS in French or Swahili: which locality, which kind of threat.

Matching is on whole words after folding case and accents, so "Attaque à Sangé" finds the category
"armed attack" and the locality "Sange". Anything not understood is left for a human to triage.
"""

from __future__ import annotations

import re
import time
import unicodedata
from dataclasses import dataclass

from monusco.choices import ThreatCategory

# Keyword stems (folded: lower case, no accents). A keyword matches a word starting with it, so
# "attaq" finds "attaque", "attaquent", "attaqué". The first category with a hit wins, in this
# order: the gravest first.
THREAT_KEYWORDS: list[tuple[str, tuple[str, ...]]] = [
    (ThreatCategory.SEXUAL_VIOLENCE, ("viol", "kubaka", "wamebaka", "abus sex", "violence sex", "unyanyasaji wa kingono")),
    (ThreatCategory.KILLING, ("tue", "tues", "tuee", "tuer", "mort", "assassin", "massacr", "cadavre", "kuua", "wameua", "ameuawa", "wameuawa", "mauaji", "maiti")),
    (ThreatCategory.ABDUCTION, ("enlev", "kidnapp", "otage", "rapt", "kuteka", "wameteka", "ametekwa", "wametekwa", "utekaji")),
    (ThreatCategory.ARMED_ATTACK, ("attaq", "tirs", "coups de feu", "fusillade", "arme", "assaill", "shambulio", "kushambulia", "wameshambulia", "risasi", "bunduki", "vita", "mapigano", "combat", "affrontement")),
    (ThreatCategory.LOOTING, ("pillag", "pille", "vol ", "vole", "voleur", "uporaji", "wameiba", "kuiba", "wezi", "mwizi", "wamepora", "kupora")),
    (ThreatCategory.EXTORTION, ("taxe", "taxation", "extorsion", "rancon", "barriere", "peage", "kodi", "hongo", "ushuru", "kizuizi")),
    (ThreatCategory.LAND_CONFLICT, ("terre", "foncier", "champ", "conflit", "intercommunaut", "ardhi", "shamba", "mzozo", "ugomvi")),
    (ThreatCategory.STATE_ABUSE, ("fardc", "militaire", "soldat", "police", "pnc", "arrestation arbitraire", "askari", "wanajeshi", "polisi")),
    (ThreatCategory.DISPLACEMENT, ("deplac", "fuite", "fuient", "fuyant", "refugi", "wakimbizi", "kukimbia", "wamekimbia", "wanakimbia", "kuhama")),
]

_WORD = re.compile(r"[a-z0-9]+")


def fold(text: str) -> str:
    """Lower case, accents removed, punctuation turned to spaces; padded with spaces."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    ascii_text = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()
    return " " + " ".join(_WORD.findall(ascii_text)) + " "


@dataclass(frozen=True)
class Parsed:
    threat_category: str | None
    locality_id: int | None
    territory_id: int | None = None

    @property
    def complete(self) -> bool:
        return self.threat_category is not None and self.locality_id is not None


def find_threat(folded: str) -> str | None:
    for category, stems in THREAT_KEYWORDS:
        for stem in stems:
            # A stem ending with a space is a whole word ("vol " is theft, "volontaire" is not).
            if f" {stem}" in folded:
                return category
    return None


# Locality names per base, cached in the process for a minute: intake must stay fast.
_LOCALITY_CACHE: dict[int, tuple[float, list[tuple[str, int, int]]]] = {}
_LOCALITY_TTL = 60.0


def _localities_for_base(base) -> list[tuple[str, int, int]]:
    now = time.monotonic()
    cached = _LOCALITY_CACHE.get(base.pk)
    if cached and now - cached[0] < _LOCALITY_TTL:
        return cached[1]
    from monusco.models import Locality

    province_id = Locality.objects.filter(pk=base.locality_id).values_list("territory__province_id", flat=True).first()
    rows = Locality.objects.filter(territory__province_id=province_id).values_list("name", "id", "territory_id")
    names = sorted(((fold(name).strip(), pk, territory) for name, pk, territory in rows), key=lambda item: -len(item[0]))
    _LOCALITY_CACHE[base.pk] = (now, names)
    return names


def find_locality(folded: str, base) -> tuple[int, int] | None:
    """(locality id, territory id) of the locality of the base's province named in the text; the
    longest name wins."""
    for name, pk, territory_id in _localities_for_base(base):
        if name and f" {name} " in folded:
            return pk, territory_id
    return None


def parse_message(text: str, base) -> Parsed:
    folded = fold(text)
    place = find_locality(folded, base)
    return Parsed(
        threat_category=find_threat(folded),
        locality_id=place[0] if place else None,
        territory_id=place[1] if place else None,
    )


def clear_cache() -> None:
    _LOCALITY_CACHE.clear()
