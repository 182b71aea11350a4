"""Default review checklists, drawn from the IASC Gender with Age Marker (GAM) measures and the
points of the policy brief: men's roles and passivity, the routes women and youth walk, and gender
as the whole society rather than "also women".

Each item is ``(measure, fr, sw, en)``. Every report type gets the common items, then the items of
its own type (if any). A report type registered later gets the common items only.
"""

COMMON_ITEMS = [
    (
        "sadd",
        "Le rapport donne les chiffres par sexe et par âge (femmes, hommes, filles, garçons) et ils sont cohérents.",
        "Ripoti inatoa hesabu kwa jinsia na umri (wanawake, wanaume, wasichana, wavulana) na zinalingana.",
        "The report gives figures by sex and age (women, men, girls, boys) and they add up.",
    ),
    (
        "gender_analysis",
        "Il décrit comment la menace touche différemment les femmes, les hommes, les filles et les garçons.",
        "Inaeleza jinsi hatari inavyowagusa kwa njia tofauti wanawake, wanaume, wasichana na wavulana.",
        "It describes how the threat affects women, men, girls and boys differently.",
    ),
    (
        "whole_society",
        "Il traite le genre comme l'affaire de toute la communauté, pas seulement « aussi les femmes ».",
        "Inaona jinsia kama jambo la jamii nzima, si tu « pia wanawake ».",
        'It treats gender as a matter for the whole community, not only as "also women".',
    ),
    (
        "gender_analysis",
        "Il parle du rôle des hommes : leur passivité, leur place de chefs et de représentants, ce qui les empêche d'agir.",
        "Inazungumzia nafasi ya wanaume: kukaa bila kufanya kitu, nafasi yao kama viongozi, na kinachowazuia.",
        "It looks at men's roles: their passivity, their place as leaders and representatives, what holds them back.",
    ),
    (
        "targeting",
        "Il nomme les trajets risqués des femmes et des jeunes : champs, eau, bois ou charbon, marchés.",
        "Inataja njia za hatari za wanawake na vijana: mashambani, majini, kuni au makala, sokoni.",
        "It names the risky routes women and youth walk: to fields, water, firewood or charcoal, markets.",
    ),
    (
        "gbv",
        "Les violences sexuelles sont signalées sans nom ni détail qui permette d'identifier une survivante.",
        "Ukatili wa kingono unaripotiwa bila jina wala habari inayoweza kumtambulisha mwathirika.",
        "Sexual violence is reported without names or details that could identify a survivor.",
    ),
]

TYPE_ITEMS = {
    "meeting": [
        (
            "influence",
            "Des femmes, des jeunes et des déplacés ont pris la parole, pas seulement les chefs.",
            "Wanawake, vijana na wakimbizi wa ndani walipata kusema, si viongozi peke yao.",
            "Women, youth and displaced people spoke, not only the chiefs.",
        ),
        (
            "tailored",
            "Les femmes ont été consultées à part quand c'était nécessaire.",
            "Wanawake walishauriwa peke yao pale ilipohitajika.",
            "Women were consulted separately where needed.",
        ),
        (
            "problems",
            "Les préoccupations de chaque groupe sont notées, avec les suites données.",
            "Wasiwasi wa kila kundi umeandikwa, pamoja na hatua zilizochukuliwa.",
            "The concerns of each group are recorded, with the follow-up given.",
        ),
    ],
    "protection_plan": [
        (
            "targeting",
            "Pour chaque menace, le plan dit qui est exposé, par sexe et par âge.",
            "Kwa kila hatari, mpango unasema nani yuko hatarini, kwa jinsia na umri.",
            "For each threat, the plan says who is at risk, by sex and age.",
        ),
        (
            "tailored",
            "Les actions répondent aux risques de chaque groupe (par exemple escortes sur les trajets des femmes).",
            "Hatua zinajibu hatari za kila kundi (kwa mfano kusindikiza kwenye njia za wanawake).",
            "The actions answer each group's risks (for example escorts on women's routes).",
        ),
        (
            "influence",
            "Femmes et hommes ont participé aux décisions du plan, et ses capacités incluent celles des femmes.",
            "Wanawake na wanaume walishiriki maamuzi ya mpango, na uwezo wa wanawake umetajwa.",
            "Women and men took part in the plan's decisions, and it counts women's own capacities.",
        ),
    ],
    "alert": [
        (
            "targeting",
            "Les personnes en danger sont comptées par sexe et par âge.",
            "Watu walio hatarini wamehesabiwa kwa jinsia na umri.",
            "The people at risk are counted by sex and age.",
        ),
        (
            "feedback",
            "La personne qui a donné l'alerte a été rappelée et informée de la réponse.",
            "Aliyetoa taarifa alipigiwa simu tena na kujulishwa jibu lililotolewa.",
            "The person who raised the alert was called back and told of the response.",
        ),
    ],
    "jpt_mission": [
        (
            "coordination",
            "L'équipe comptait des femmes et a rencontré des associations de femmes et de jeunes.",
            "Timu ilikuwa na wanawake na ilikutana na vyama vya wanawake na vijana.",
            "The team included women and met women's and youth associations.",
        ),
        (
            "tailored",
            "Les recommandations répondent aux risques propres aux femmes, aux hommes, aux filles et aux garçons.",
            "Mapendekezo yanajibu hatari za wanawake, wanaume, wasichana na wavulana.",
            "The recommendations answer the risks specific to women, men, girls and boys.",
        ),
        (
            "transparency",
            "La communauté a été informée des constats et de ce qui sera fait.",
            "Jamii ilijulishwa matokeo na yatakayofanyika.",
            "The community was told the findings and what will be done.",
        ),
    ],
}


def default_items(report_type: str) -> list[tuple[str, str, str, str]]:
    return COMMON_ITEMS + TYPE_ITEMS.get(report_type, [])
