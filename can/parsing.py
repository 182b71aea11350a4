"""Reading an inbound SMS in French or Swahili: which locality, which kind of threat, and when the
gateway says it was sent.

Matching is on whole words after folding case and accents, so "Attaque à Sangé" finds the category
"armed attack" and the locality "Sange". Anything not understood is left for a human to triage.
Nothing here raises on any input: a message is never refused for what it holds.
"""

from __future__ import annotations

import re
import threading
import time
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cachetools import TTLCache
from django.utils.dateparse import parse_datetime

from monusco.choices import ThreatCategory

_SURROGATES = re.compile("[\ud800-\udfff]")


def clean_text(text: str | None) -> str:
    """The text as received, storable anywhere: NUL (which PostgreSQL text cannot hold) and lone
    surrogates (which no encoding can write, and JSON escapes can carry) become U+FFFD."""
    text = (text or "").replace("\x00", "\ufffd")
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            text = _SURROGATES.sub("\ufffd", text)
    return text


# --- the sender's date -----------------------------------------------------------------------

# A gateway's date is used only between these bounds: before 2000 no gateway of this network
# existed, and a phone's clock may run ahead, but not by more than a day.
EARLIEST_SENT_AT = datetime(2000, 1, 1, tzinfo=UTC)
SENT_AT_LEEWAY = timedelta(days=1)
MAX_DATE_TEXT = 64  # longer than any date-time; a longer "date" is not read, and kept cut

UNREADABLE, OUT_OF_RANGE = "unreadable", "out_of_range"


@dataclass(frozen=True)
class SentAt:
    """The sender's date as intake keeps it: ``value`` in UTC when usable; otherwise ``ignored``
    holds the date as received (at most 64 characters) and ``problem`` says why."""

    value: datetime | None = None
    ignored: str = ""
    problem: str = ""


def usable_sent_at(value: datetime, *, now: datetime) -> datetime | None:
    """``value`` in UTC if it lies between 2000-01-01 and ``now`` + 1 day, else None. A naive
    value is taken as UTC. Converting to UTC first means no offset ever reaches the database
    (PostgreSQL refuses offsets beyond ±15:59, Python allows up to ±23:59)."""
    if value.utcoffset() is None:
        value = value.replace(tzinfo=UTC)
    try:
        value = value.astimezone(UTC)
    except (OverflowError, ValueError):  # e.g. 0001-01-01T00:00+14:00 is in year 0 in UTC
        return None
    return value if EARLIEST_SENT_AT <= value <= now + SENT_AT_LEEWAY else None


def read_sent_at(raw: str | None, *, now: datetime) -> SentAt:
    """Read a gateway's ``date`` field (RFC 3339, or any ISO 8601 date-time Django reads; no
    offset means UTC). Never raises: an empty field is no date, anything else unusable is ignored."""
    text = clean_text(raw).strip()
    if not text:
        return SentAt()
    value = None
    if len(text) <= MAX_DATE_TEXT:
        try:
            value = parse_datetime(text[:-1] + "Z" if text[-1] == "z" else text)  # RFC 3339 allows "z"
        except (ValueError, OverflowError):  # a well-formed but impossible date, or offset
            value = None
    if value is None:
        return SentAt(ignored=text[:MAX_DATE_TEXT], problem=UNREADABLE)
    usable = usable_sent_at(value, now=now)
    if usable is None:
        return SentAt(ignored=text, problem=OUT_OF_RANGE)
    return SentAt(value=usable)


# Keyword stems (folded: lower case, no accents). A keyword matches a word starting with it, so
# "attaq" finds "attaque", "attaquent", "attaqué". The first category with a hit wins, in this
# order: the gravest first.
THREAT_KEYWORDS: list[tuple[str, tuple[str, ...]]] = [
    (
        ThreatCategory.SEXUAL_VIOLENCE,
        ("viol", "kubaka", "wamebaka", "abus sex", "violence sex", "unyanyasaji wa kingono"),
    ),
    (
        ThreatCategory.KILLING,
        (
            "tue",
            "tues",
            "tuee",
            "tuer",
            "mort",
            "assassin",
            "massacr",
            "cadavre",
            "kuua",
            "wameua",
            "ameuawa",
            "wameuawa",
            "mauaji",
            "maiti",
        ),
    ),
    (
        ThreatCategory.ABDUCTION,
        ("enlev", "kidnapp", "otage", "rapt", "kuteka", "wameteka", "ametekwa", "wametekwa", "utekaji"),
    ),
    (
        ThreatCategory.ARMED_ATTACK,
        (
            "attaq",
            "tirs",
            "coups de feu",
            "fusillade",
            "arme",
            "assaill",
            "shambulio",
            "kushambulia",
            "wameshambulia",
            "risasi",
            "bunduki",
            "vita",
            "mapigano",
            "combat",
            "affrontement",
        ),
    ),
    (
        ThreatCategory.LOOTING,
        (
            "pillag",
            "pille",
            "vol ",
            "vole",
            "voleur",
            "uporaji",
            "wameiba",
            "kuiba",
            "wezi",
            "mwizi",
            "wamepora",
            "kupora",
        ),
    ),
    (
        ThreatCategory.EXTORTION,
        ("taxe", "taxation", "extorsion", "rancon", "barriere", "peage", "kodi", "hongo", "ushuru", "kizuizi"),
    ),
    (
        ThreatCategory.LAND_CONFLICT,
        ("terre", "foncier", "champ", "conflit", "intercommunaut", "ardhi", "shamba", "mzozo", "ugomvi"),
    ),
    (
        ThreatCategory.STATE_ABUSE,
        ("fardc", "militaire", "soldat", "police", "pnc", "arrestation arbitraire", "askari", "wanajeshi", "polisi"),
    ),
    (
        ThreatCategory.DISPLACEMENT,
        (
            "deplac",
            "fuite",
            "fuient",
            "fuyant",
            "refugi",
            "wakimbizi",
            "kukimbia",
            "wamekimbia",
            "wanakimbia",
            "kuhama",
        ),
    ),
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
_LOCALITY_TTL = 60.0
_LOCALITY_CACHE: TTLCache = TTLCache(maxsize=1000, ttl=_LOCALITY_TTL, timer=time.monotonic)
_LOCALITY_CACHE_LOCK = threading.Lock()  # a TTLCache is not thread-safe; the queries run outside the lock


def _localities_for_base(base) -> list[tuple[str, int, int]]:
    with _LOCALITY_CACHE_LOCK:
        names = _LOCALITY_CACHE.get(base.pk)
    if names is not None:
        return names
    from monusco.models import Locality

    province_id = Locality.objects.filter(pk=base.locality_id).values_list("territory__province_id", flat=True).first()
    assert province_id is not None, "a base's locality is required and protected from deletion"
    rows = Locality.objects.filter(territory__province_id=province_id).values_list("name", "id", "territory_id")
    names = sorted(
        ((fold(name).strip(), pk, territory) for name, pk, territory in rows), key=lambda item: -len(item[0])
    )
    with _LOCALITY_CACHE_LOCK:
        _LOCALITY_CACHE[base.pk] = names
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
    with _LOCALITY_CACHE_LOCK:
        _LOCALITY_CACHE.clear()
