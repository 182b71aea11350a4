"""Telling Swahili from French in an SMS, for the language of the reply (``can.services.replies``)
when the focal point has none set: common words of each, counted. French when it cannot tell."""

from __future__ import annotations

import re

from .models import SenderLanguage

_SWAHILI = frozenset(
    [
        "na",
        "ya",
        "wa",
        "za",
        "kwa",
        "ni",
        "katika",
        "watu",
        "wanajeshi",
        "wameingia",
        "wamevamia",
        "wamechoma",
        "kijiji",
        "mtaa",
        "shambulio",
        "tafadhali",
        "msaada",
        "haraka",
        "leo",
        "jana",
        "usiku",
        "asubuhi",
        "hapa",
        "huko",
        "wameua",
        "wamepora",
        "wamewateka",
        "nyumba",
        "wanawake",
        "watoto",
        "wanaume",
        "askari",
        "waasi",
        "vita",
        "risasi",
        "hatari",
        "tunaomba",
        "kuna",
        "hakuna",
        "sana",
        "mji",
        "sasa",
        "wamekuja",
        "wamefika",
        "wamekimbia",
        "wakimbizi",
        "ng'ombe",
        "mbuzi",
    ]
)
_FRENCH = frozenset(
    [
        "le",
        "la",
        "les",
        "de",
        "des",
        "du",
        "un",
        "une",
        "et",
        "est",
        "sont",
        "dans",
        "sur",
        "avec",
        "pour",
        "par",
        "au",
        "aux",
        "ce",
        "cette",
        "il",
        "ils",
        "elles",
        "village",
        "attaque",
        "hommes",
        "armes",
        "armés",
        "femmes",
        "enfants",
        "maison",
        "maisons",
        "brûlé",
        "brulé",
        "brûlées",
        "pillage",
        "enlèvement",
        "enlevé",
        "tué",
        "tués",
        "blessés",
        "nuit",
        "matin",
        "hier",
        "aujourd'hui",
        "aide",
        "urgent",
        "militaires",
        "rebelles",
        "coups",
        "feu",
        "quartier",
        "sont",
        "ont",
    ]
)


def guess_language(text: str) -> str:
    """Swahili or French, from the words of the text (French when it cannot tell)."""
    words = re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)?", (text or "").casefold())
    swahili = sum(word in _SWAHILI for word in words)
    french = sum(word in _FRENCH for word in words)
    return SenderLanguage.SWAHILI if swahili > french else SenderLanguage.FRENCH
