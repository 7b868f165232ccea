"""Canonicalisation: raw mentions -> canonical entities (gazetteer, in-document links, compounds, junk)."""

from __future__ import annotations

import functools
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from newsflow.pipeline.entities.gazetteer import Gazetteer, normalise
from newsflow.pipeline.entities.names import given_names, looks_like_person
from newsflow.pipeline.entities.ner import (
    APPOSITION,
    BODY_NOUNS,
    CUED_ORG,
    ROMAN_NUMERALS,
    ROYAL_TITLES,
    Mention,
)
from newsflow.pipeline.entities.places import fold, is_known_place

# spaCy label -> our type; labels not listed (DATE, CARDINAL, MONEY, ...) are not entities.
LABEL_TYPES = {
    "PERSON": "PERSON",
    "ORG": "ORG",
    "GPE": "LOCATION",
    "LOC": "LOCATION",
    "FAC": "LOCATION",
    "NORP": "NORP",
    "EVENT": "EVENT",
    "LAW": "LAW",
    "PRODUCT": "PRODUCT",
    "WORK_OF_ART": "WORK_OF_ART",
}
FACETS = {"PERSON": "persons", "ORG": "organizations", "LOCATION": "locations"}
_NAME_LABELS = frozenset(LABEL_TYPES) | {APPOSITION, CUED_ORG}

_PRONOUN_WORDS = (
    "i me my mine we us our ours you your yours he him his she her hers it its they them their "
    "theirs this that these those who whom whose which what myself yourself himself herself "
    "itself ourselves themselves one someone anyone everyone nobody"
)
PRONOUNS = frozenset(_PRONOUN_WORDS.split())
# Words that precede a name inside a PERSON span ("President Donald Trump"): dropped.
_TITLE_WORDS = (
    "mr mr. mrs mrs. ms ms. dr dr. sir dame president vice prime minister chancellor premier "
    "senator sen. rep. representative gov. governor mayor king queen prince princess pope judge "
    "justice general gen. colonel col. admiral spokesman spokeswoman spokesperson secretary "
    "ceo chairman chairwoman chair director professor prof. lord lady sheikh emir ayatollah "
    "commissioner ambassador minister-president deputy foreign defence defense finance state "
    "former late acting interim chief executive officer co-founder founder economist analyst "
    "scientist researcher volcanologist geologist lawyer attorney activist author writer "
    "journalist reporter coach manager striker midfielder defender goalkeeper captain coach "
    "commander lieutenant sergeant detective inspector officer doctor nurse surgeon teacher "
    "solicitor pm "
    "treasurer candidate leader envoy negotiator mp senator-elect president-elect emperor "
    "empress tsar sultan crown opener batter batsman bowler spinner paceman seamer all-rounder "
    "wicketkeeper winger playmaker pitcher quarterback skipper jockey field marshal "
    "fullback full-back halfback five-eighth flanker fly-half scrum-half centre-back wing-back "
    "left-back right-back forward guard shortstop catcher linebacker receiver cornerback goalie "
    "keeper sprinter swimmer cyclist rider driver teammate team-mate rookie veteran boxer golfer "
    "champion runner-up skier hurdler marathoner"
)
TITLES = frozenset(_TITLE_WORDS.split())
_DEMONYM_ENDINGS = ("ian", "ians", "ean", "eans", "ese", "ish", "ains", "ist", "ists")
_COMPOUND = re.compile(r"^[A-Z][\w.']*(?:\s*[-\u2013\u2014/]\s*[A-Z][\w.']*)+$")
_COMPOUND_SPLIT = re.compile(r"\s*[-\u2013\u2014/]\s*")
_LOCATIVE = frozenset(
    {"in", "near", "at", "from", "to", "outside", "around", "across", "of", "into"}
)
_EDGE_PUNCT = "\"'`()[]{}<>,;:!?*|-\u201c\u201d\u2018\u2019\u2022\u00b7\u2013\u2014 \t"
_NICKNAME = re.compile(r"^[\"\u201c].+[\"\u201d]$")
_POSSESSIVE = re.compile(r"'s?$")
_COORDINATION = re.compile(r"\s*(?:,\s*and\s+|,\s*|\s+and\s+)")
_SPACES = re.compile(r"\s+")
_SCORE = re.compile(r"^\d+-\d+$")
# A wire service's version tag glued to a headline's first word ("UPDATE 2-Vance says ...")
_WIRE_TAG = re.compile(r"^\d{1,2}-(?=[A-Z])")
_WIRE_WORDS = frozenset({"UPDATE", "WRAPUP", "REFILE", "CORRECTED", "RPT", "REPEAT"})
_THE = re.compile(r"^the\s+", re.IGNORECASE)
ORG_HEADS = frozenset(
    {"United", "FC", "Inc", "Corp", "Corporation", "Ltd", "LLC", "plc", "PLC", "AG", "SE",
     "Group", "Bank", "Party", "University", "Institute", "Agency", "Association", "Foundation",
     "Council", "Commission", "Committee", "Ministry", "Department", "Airlines", "Airways",
     "Motors", "Police", "Authority", "Organization", "Organisation", "Company", "Holdings",
     "Securities", "Partners", "Research", "Watch", "Union", "League", "Federation", "Court",
     "Office", "Service", "Network", "Coalition", "Alliance", "Movement", "Front", "Assembly",
     "Parliament", "Congress", "Senate", "Bureau", "Survey", "Board", "Club", "Society", "Trust",
     "Energy", "Water", "Power", "Electric", "Rail", "Railways", "Telecom", "Capital", "Ventures",
     "Studios", "Entertainment", "Pharma", "Fund", "Exchange", "Forces", "Army", "Navy",
     "Guard", "Brigade", "Brigades", "Administration", "Technologies", "Industries", "Labs",
     "Laboratories", "Media", "Broadcasting", "Tribunal", "Chamber", "Secretariat",
     "Directorate", "Command", "Academy", "Observatory", "Cinemas", "Hotels", "Resorts",
     "Foods", "Brands", "Logistics", "Systems", "Solutions", "Insurance", "Pharmaceuticals",
     "Therapeutics", "Robotics", "Semiconductor", "Semiconductors", "Mobility", "Aerospace",
     "Shipping", "Automotive", "Software", "Networks", "Communications", "Telecommunications",
     "Chemicals", "Metals", "Petroleum", "Mining", "Biotech", "Healthcare"}
)  # fmt: skip
PLACE_HEADS = frozenset(
    {"Channel", "River", "Sea", "Ocean", "Lake", "Valley", "Mountains", "Mountain", "Island",
     "Islands", "Bay", "Gulf", "Strait", "Peninsula", "Square", "Street", "Avenue", "Airport",
     "Bridge", "Park", "Stadium", "Arena", "Province", "Region", "County", "Township", "Strip",
     "Desert", "Coast", "Canal", "Palace", "Cathedral", "Crossing", "Border", "Oblast", "Dam",
     "Museum", "Gallery", "Building", "Reef", "Basin", "Delta", "Glacier", "Zone", "Monument",
     "Memorial", "District", "Mosque", "Temple", "Chapel", "Castle", "Prison", "Circuit",
     "Racecourse", "Speedway", "Raceway", "Volcano", "Crater", "Falls", "Forest", "Hills", "Hill",
     "Highway", "Road", "Boulevard", "Plaza", "Harbour", "Harbor", "Pass", "Gorge", "Trail",
     "Tower", "Towers", "Terminal", "Station", "Pier", "Wharf", "Lagoon", "Wetlands",
     "Plateau", "Highlands", "Heights", "Plains", "Archipelago", "Atoll", "Fjord", "Estuary",
     "Cave", "Caves", "Beach", "Cemetery", "Shrine", "Basilica", "Abbey", "Fort", "Citadel",
     "Mine", "Factory", "Plant", "Base", "Reservoir", "Springs", "Gardens", "Gate", "Corridor",
     "Checkpoint", "Quay", "Marina", "Pavilion", "Mall", "Collider", "Telescope", "Reactor"}
)  # fmt: skip
# Words that open an organisation's name in many languages ("Club America", "Banco Santander",
# "Pacto Historico", "Universidad de Chile"), where English puts the head word last.
ORG_OPENERS = frozenset(
    {"Club", "Banco", "Banca", "Banque", "Grupo", "Groupe", "Gruppo", "Deportivo", "Sporting",
     "Racing", "Olympique", "Dynamo", "Dinamo", "Universidad", "Universidade",
     "Universit\u00e0", "Universit\u00e9", "Universit\u00e4t", "Instituto", "Institut",
     "Compagnie", "Soci\u00e9t\u00e9", "Compa\u00f1\u00eda", "Companhia", "Partido",
     "Parti", "Partito", "Frente", "Movimiento", "Movimento", "Pacto", "Alianza", "Caixa",
     "Caja", "Fundaci\u00f3n", "Funda\u00e7\u00e3o", "Fondation", "Stiftung", "Ministerio",
     "Minist\u00e9rio", "Minist\u00e8re", "Comisi\u00f3n", "Consejo", "Conselho", "Conseil",
     "Corte", "Cour", "Tribunal", "Sindicato", "Confederaci\u00f3n", "Federaci\u00f3n"}
)  # fmt: skip
# Generic words that open a place's name in many languages ("Cerro Pachon", "Paseo de la
# Reforma", "Autodromo Hermanos Rodriguez", "Gunung Semeru"). Not words that also open
# people's or companies' names (Monte, Isla, Glen, Rio as in Rio Tinto, Costa, Porto, Via).
PLACE_OPENERS = frozenset(
    {"Mount", "Mt", "Mt.", "Lake", "Cape", "Fort", "Port", "Loch", "Cerro", "Nevado", "Volcan",
     "Volc\u00e1n", "Laguna", "Lago", "Lac", "Cordillera", "Sierra", "Islas", "Ilha", "Bahia",
     "Golfo", "Playa", "Praia", "Puerto", "Paseo", "Avenida", "Calle", "Rua", "Piazza", "Rue",
     "Pont", "Autodromo", "Aut\u00f3dromo", "Estadio", "Est\u00e1dio", "Stade", "Stadio",
     "Circuito", "Alpe", "Alpes", "Mont", "Col", "Pico", "Schloss", "Wadi", "Jabal", "Jebel",
     "Gunung", "Pulau", "Danau", "Jalan", "Kampung", "Bukit", "Tanjung", "Deir", "Beit", "Kafr"}
)  # fmt: skip
# A word just before a name that says what it is ("copper producer Codelco", "the village of
# Blatten"); lower-case, so sentence-initial titles never count.
ORG_CUES = frozenset(
    {"company", "firm", "group", "operator", "maker", "carmaker", "automaker", "chipmaker",
     "planemaker", "drugmaker", "carrier", "airline", "bank", "lender", "insurer", "retailer",
     "producer", "manufacturer", "supplier", "startup", "start-up", "conglomerate", "broadcaster",
     "newspaper", "network", "club", "party", "union", "agency", "regulator", "rival", "giant",
     "exporter", "importer", "miner", "watchdog", "utility", "publisher", "service", "arm",
     "subsidiary", "affiliate", "truckmaker", "shipbuilder", "distributor", "parent",
     "consortium", "fintech", "studio", "streamer", "contractor", "refiner", "brewer", "broker",
     "brokerage", "bourse", "unit", "developer", "fund"}
)  # fmt: skip
PLACE_CUES = frozenset(
    {"city", "town", "village", "region", "province", "district", "capital", "port", "island",
     "county", "municipality", "suburb", "neighbourhood", "neighborhood", "state", "outskirts"}
)  # fmt: skip
# Plural kinds of place that introduce a list of places ("the towns of Liloan and Talisay",
# "provinces including Gia Lai and Dak Lak", "coastal states such as Benin").
PLACES_PLURAL = frozenset(
    {"cities", "towns", "villages", "regions", "provinces", "districts", "islands", "states",
     "countries", "counties", "municipalities", "suburbs", "neighbourhoods", "neighborhoods",
     "capitals", "ports", "prefectures", "governorates"}
)  # fmt: skip
# Words inside a name that make it a company wherever they stand ("Warner Bros. Discovery").
ORG_MARKERS = frozenset(
    {"Bros", "Bros.", "Inc", "Inc.", "Corp", "Corp.", "Ltd", "Ltd.", "LLC", "plc", "PLC", "GmbH",
     "Co.", "Holdings", "Group"}
)  # fmt: skip
# Words after a company's name in its full legal or group name ("Samsung Electronics").
CORPORATE_SUFFIXES = frozenset(
    {"Electronics", "Motor", "Motors", "Group", "Holdings", "Corp", "Corporation", "Inc", "Co",
     "Company", "Ltd", "Limited", "plc", "PLC", "AG", "SE", "SA", "NV", "Technologies",
     "Industries", "International", "Energy", "Oil", "Petroleum", "Pharmaceuticals", "Platforms",
     "Mining", "Resources"}
)  # fmt: skip
# Last words of events ("Club World Cup", "Glastonbury Festival"): kept out of the facets.
EVENT_HEADS = frozenset(
    {"Cup", "Championship", "Championships", "Olympics", "Paralympics", "Festival", "Summit",
     "Prix", "Marathon", "Expo", "Tournament", "Contest", "Finals", "Open", "Airshow", "Show",
     "Fair", "Slam", "Games", "Series", "Awards", "Cups"}
)  # fmt: skip
# A title or role just before a name (any case: "Prime Minister", "police chief").
PERSON_CUES = frozenset(
    {"president", "minister", "chancellor", "premier", "senator", "governor", "mayor", "king",
     "queen", "pope", "prince", "princess", "judge", "sheikh", "emir", "ambassador", "envoy",
     "spokesman", "spokeswoman", "spokesperson", "secretary", "ceo", "chairman", "chairwoman",
     "director", "professor", "commissioner", "executive", "chief", "founder", "co-founder",
     "economist", "analyst", "scientist", "researcher", "volcanologist", "lawyer", "attorney",
     "activist", "author", "writer", "journalist", "reporter", "coach", "striker", "midfielder",
     "defender", "goalkeeper", "winger", "captain", "commander", "lieutenant", "sergeant",
     "detective", "inspector", "officer", "prosecutor", "negotiator", "candidate", "mp",
     "lawmaker", "legislator", "predecessor", "successor", "mr", "mrs", "ms", "dr", "sir",
     "dame", "father", "mother", "son", "daughter", "wife", "husband", "brother", "sister",
     "singer", "rapper", "actor", "actress", "president-elect", "vice-president", "colonel",
     "admiral", "archbishop", "bishop", "cardinal", "rabbi", "imam", "cleric", "billionaire",
     "tycoon", "entrepreneur", "philanthropist", "historian", "novelist", "figure",
     "politician", "champion", "runner-up", "player", "footballer", "cricketer", "golfer",
     "boxer", "swimmer", "sprinter", "cyclist", "driver", "rider", "skier", "teammate",
     "fullback", "fly-half", "scrum-half", "flanker", "quarterback", "pitcher", "shortstop",
     "goalie", "batter", "bowler", "opener", "all-rounder", "referee", "umpire",
     "deputy", "aide", "adviser", "advisor", "veteran", "rookie"}
)  # fmt: skip
# A word just after a name (lower-case) that makes it a place ("Reykjanes peninsula").
PLACE_NEXT = frozenset(
    {"mine", "palace", "airport", "glacier", "peninsula", "valley", "crossing", "province",
     "region", "district", "county", "prefecture", "village", "town", "neighbourhood",
     "neighborhood", "suburb", "island", "islands", "river", "lake", "port", "harbour", "harbor",
     "prison", "border", "refinery", "volcano", "governorate", "oblast", "canton",
     "strait", "straits", "basin", "delta", "reef", "rivers", "lakes", "provinces", "regions",
     "districts", "counties", "villages", "towns", "mountains", "valleys", "site", "complex",
     "terminal", "temple", "circuit", "stadium", "dam", "shrine", "mosque", "cathedral",
     "monastery", "canal"}
)  # fmt: skip
# Plural place nouns after a list: every member is a place ("the Ravi, Sutlej and Chenab
# rivers").
PLACE_NEXT_PLURAL = frozenset(
    {"rivers", "lakes", "islands", "provinces", "regions", "districts", "counties", "villages",
     "towns", "mountains", "valleys"}
)  # fmt: skip
# ... or an organisation: a club's or a company's people ("Liverpool manager", "Liverpool's
# academy", "former Brighton executive").
ORG_NEXT = frozenset(
    {"manager", "coach", "midfielder", "striker", "defender", "goalkeeper", "winger", "forward",
     "captain", "fans", "supporters", "academy", "squad", "boss", "chairman", "chairwoman", "ceo",
     "executive", "executives", "shareholders", "spokesman", "spokeswoman", "spokesperson",
     "employees", "board", "drivers", "party", "coalition", "alliance", "movement"}
)  # fmt: skip
ORG_APPOSITIONS = frozenset(
    {"operator", "developer", "exporter", "importer", "distributor", "owner", "organisers",
     "organizers", "charity", "ngo", "institute", "university", "ministry", "authority",
     "watchdog", "association", "federation", "team", "side", "band", "publisher", "platform",
     "app", "service", "brand", "subsidiary", "unit", "division", "utility", "miner", "airline", "alliance",
     "coalition", "consortium", "body", "organisation", "organization", "foundation", "nonprofit",
     "non-profit", "militia", "movement", "agency", "council", "committee", "think-tank"}
)  # fmt: skip
# "residents of Flin Flon", "the outskirts of Kherson": a place follows.
PLACE_OF = frozenset(
    {"residents", "outskirts", "centre", "center", "streets", "suburbs", "mayor", "governor",
     "north", "south", "east", "west", "northeast", "northwest", "southeast", "southwest",
     "heart", "people", "inhabitants", "citizens", "evacuation", "mouth", "banks", "shores",
     "coast", "slopes", "foothills"}
)  # fmt: skip
# A lower-case word after an ORG-typed name that makes it a product or an index.
PRODUCT_NEXT = frozenset(
    {
        "missile",
        "missiles",
        "systems",
        "index",
        "fighter",
        "tanks",
        "rocket",
        "rockets",
        "spacecraft",
    }
)
# A company's securities after its name ("Petrobras shares rose"); not after a known place
# ("Tokyo shares fell" is a market).
_SECURITIES = frozenset({"shares", "stock", "bonds", "shareholders"})
# "in" after these words is no preposition of place ("a stake in Hensoldt").
_NOT_PLACE_IN = frozenset(
    {"stake", "stakes", "shares", "share", "investment", "investments", "invest", "invested",
     "investing", "interest", "holding", "holdings", "confidence", "trust", "faith", "role",
     "roles", "career", "involvement", "member"}
)  # fmt: skip
# Cue words the model sometimes takes into a name at a sentence start ("Regulator Ofgem"); not
# words that also begin names ("Club World Cup", "Union Pacific", "Bank Negara").
_SPAN_CUES = frozenset(
    {"regulator", "rival", "carmaker", "automaker", "chipmaker", "planemaker", "drugmaker",
     "lender", "insurer", "retailer", "broadcaster", "conglomerate", "operator", "startup",
     "miner", "watchdog"}
)  # fmt: skip
# After a possessive, only what a club or company has ("Liverpool's academy").
_ORG_OWNS = frozenset(
    {"academy", "squad", "fans", "supporters", "shareholders", "employees", "board"}
)
_STAFF = frozenset(
    {"analysts", "analyst", "economists", "economist", "strategists", "strategist", "executives",
     "engineers", "researchers", "employees", "staff", "workers", "traders", "bankers",
     "lawyers", "scientists"}
)  # fmt: skip
_BEAT = frozenset({"beat", "beats", "beating", "defeated", "defeating", "thrashed", "edged"})
_BEAT_PHRASES = frozenset(
    {("knocked", "out"), ("drew", "with"), ("lost", "to"), ("draw", "with"), ("loss", "to"),
     ("win", "over"), ("victory", "over"), ("defeat", "by"), ("defeat", "to")}
)  # fmt: skip
_BEAT_AFTER = [["beat"], ["thrashed"], ["drew"], ["defeated"], ["edged"], ["hammered"]]
_OWNED = frozenset({"stake", "stakes", "shares", "holding", "holdings", "shareholders"})
# First words of named storms and other events ("Storm Boris", "Hurricane Milton").
EVENT_OPENERS = frozenset({"Storm", "Hurricane", "Typhoon", "Cyclone", "Tropical", "Operation"})
_APPOSITION_ENDS = frozenset(
    {"of", "in", "that", "which", "whose", "where", "who", "and", "for", "to"}
)
_COPULAS = frozenset({"is", "was", "became", "becomes", "remains", "remained"})
_TOKEN = re.compile(r"\w(?:[\w'&-]|\.(?=\w))*|[^\w\s]")
# Lower-case administrative words trimmed from the end of a place ("Gyeonggi province").
_PLACE_SUFFIXES = frozenset(
    {"province", "region", "state", "county", "district", "prefecture", "governorate", "oblast"}
)
_CONNECTORS = frozenset(
    [
        "of",
        "de",
        "du",
        "des",
        "la",
        "le",
        "el",
        "al",
        "bin",
        "ibn",
        "bint",
        "ben",
        "zu",
        "ter",
        "von",
        "van",
        "der",
        "den",
        "da",
        "do",
        "dos",
        "das",
        "del",
        "di",
        "y",
        "e",
        "and",
        "for",
        "es",  # "Dar es Salaam"
        "am",  # "Frankfurt am Main"
        "sur",
        "sul",
        "las",
        "los",
        "on",
        "upon",
        "the",
        "at",
        "in",
        "&",
        "'s",
    ]
)
_TYPE_PRIORITY = {"PERSON": 0, "LOCATION": 1, "ORG": 2}


@dataclass
class _Resolved:
    name: str
    type: str
    surface: str
    wikidata: str | None = None
    fixed: bool = False  # settled by the gazetteer: never relinked or retyped
    aliases: tuple[str, ...] = ()
    place_hint: str = ""  # a known place name: "any" or "locative" (see _place_hint)
    cued: bool = False  # typed by evidence around the name, not by the model
    locative: bool = False  # after "in", "near", "at the", ...
    moved_to: bool = False  # after "in", "at", "to" (not "lost to", "according to"): a place
    titled: bool = False  # introduced by a royal title ("King Felipe VI"): a one-word name is fine
    partner: _Resolved | None = None  # the name listed just before ("Sagaing and Naypyidaw")
    plural_place: bool = False  # followed by a plural place noun ("... Chenab rivers")
    defines: str = ""  # the acronym in brackets after the name ("Party for Freedom (PVV)")
    alias_of: _Resolved | None = None  # "Whenua Hou, also known as Codfish Island"
    cut: bool = False  # a capitalised word follows: the model may have cut the name


@dataclass
class LinkedEntity:
    """One canonical entity of an article, with every surface form it appeared under."""

    name: str
    type: str
    mentions: int = 0
    surface_forms: list[str] = field(default_factory=list)
    wikidata: str | None = None
    aliases: tuple[str, ...] = ()
    evidence: tuple = ()  # the type Evidence that decided, all of it
    linked_by: tuple = ()  # the link rules that mapped a surface to this name

    def to_dict(self) -> dict:
        out = {
            "name": self.name,
            "type": self.type,
            "mentions": self.mentions,
            "surface_forms": self.surface_forms,
        }
        if self.wikidata:
            out["wikidata"] = self.wikidata
        return out


def clean_surface(text: str, label: str) -> str:
    """Trim quotes, punctuation and 'the'; for people leading titles, for people and
    organisations trailing common nouns ("the MoDem party" -> "MoDem")."""
    text = _SPACES.sub(" ", text.replace("\u2019", "'")).strip(_EDGE_PUNCT)
    text = _THE.sub("", text).strip(_EDGE_PUNCT)
    words = text.split(" ")
    if label == "PERSON":
        words = [w for w in words if not _NICKNAME.match(w)]  # Jorge "Tuto" Quiroga
        while len(words) > 1 and (words[0].casefold() in TITLES or words[0][:1].islower()):
            words.pop(0)
        while len(words) > 1 and any(c.isdigit() for c in words[-1]):
            words.pop()  # "Brighton 2-1": a score, not a name
    while len(words) > 1 and _SCORE.match(words[-1]):
        words.pop()  # "Liverpool 3-0": a score, not a name
    if label in ("PERSON", "ORG"):
        while len(words) > 1 and words[-1].islower() and words[-2][:1].isupper():
            words.pop()  # "the MoDem party"; not "Ahmed al-Sharaa"
    elif label in ("GPE", "LOC", "FAC"):
        while len(words) > 1 and words[-1] in _PLACE_SUFFIXES and words[-2][:1].isupper():
            words.pop()
    return " ".join(words)


GENERIC_WORDS = frozenset(
    {"party", "group", "government", "ministry", "department", "agency", "company", "state",
     "city", "region", "province", "county", "district", "nation", "country", "port", "airport",
     "university", "court", "council", "army", "navy", "bank", "union", "commission",
     "committee", "museum", "palace", "embassy", "hospital", "school", "cabinet", "police",
     "military", "authorities", "prosecutors"}
)  # fmt: skip


def is_junk(surface: str, gazetteer: Gazetteer) -> bool:
    """Pronouns, numbers, single letters, lower-case words, generic nouns ("Party") and
    operator-ignored surfaces."""
    letters = [c for c in surface if c.isalpha()]
    if len(letters) < 2:
        return True
    folded = surface.casefold()
    if folded in PRONOUNS or folded in GENERIC_WORDS or gazetteer.is_ignored(surface):
        return True
    if _DRAW_GROUP.match(surface):  # "Group L" of a tournament draw
        return True
    return not any(c.isupper() for c in surface)


def looks_like_demonym(surface: str) -> bool:
    """'Ukrainian', 'Europeans', 'British': an adjective or people, never a place."""
    word = surface.casefold()
    return " " not in word and word.endswith(_DEMONYM_ENDINGS)


def _compound_demonym(surface: str, gazetteer: Gazetteer) -> bool:
    """ "Cape Verdean", "South African", "Sri Lankan", "New Zealander": the people of a
    multi-word place (the name less its ending is a known place)."""
    if " " not in surface or not surface.endswith(("an", "er")):
        return False
    for cut in (1, 2, 3):
        entry = gazetteer.lookup(surface[:-cut])
        if is_known_place(surface[:-cut]) or (entry is not None and entry.type == "LOCATION"):
            return True
    return False


# Arabic and Berber articles and kinship words that open a hyphenated name
_HYPHENATED_OPENERS = frozenset(
    {"Al", "El", "Ad", "Ar", "As", "Ash", "At", "Az", "An", "Abu", "Bin", "Ibn", "Bani", "Beni",
     "Umm", "Abd", "Ben", "Bou", "Sidi", "Ait"}
)  # fmt: skip


def split_compound(surface: str, gazetteer: Gazetteer, known: Counter) -> list[str]:
    """'Putin-Trump' -> ['Putin', 'Trump'], 'Florence and Palermo' -> ['Florence', 'Palermo']
    when every member is known on its own (gazetteer, place list or another mention in the
    article); 'Coca-Cola' and 'Procter and Gamble' stay whole."""
    if gazetteer.lookup(surface) is not None:
        return [surface]
    if _COMPOUND.match(surface):
        parts = [p for p in _COMPOUND_SPLIT.split(surface) if p]
        if parts[0] in _HYPHENATED_OPENERS:  # "Al-Balad", "Abu-Dhabi": one name, its article
            return [surface]
    elif " and " in surface or ", " in surface:  # "Mombasa, Kisumu", "Paris, France"
        parts = [p for p in _COORDINATION.split(surface) if p]
    else:
        return [surface]

    def is_known(part: str) -> bool:
        return gazetteer.lookup(part) is not None or known[part] > 0 or is_known_place(part)

    if len(parts) > 1 and all(p[:1].isupper() and is_known(p) for p in parts):
        return parts
    return [surface]


def _known_words(mentions: Sequence[Mention]) -> Counter:
    """How many mentions each word occurs in (a member of 'Putin-Trump' must be one)."""
    words: Counter = Counter()
    for m in mentions:
        text = m.text.strip()
        if not _COMPOUND.match(text) and " and " not in text:
            words.update(set(normalise(text).split(" ")))
    return words


def strip_possessive(surface: str, known: Counter, label: str = "") -> str:
    """ "Michel Barnier's" -> "Michel Barnier" when Barnier is mentioned elsewhere too;
    "Moody's" stays (the model keeps "'s" outside names, so inside one it is usually part of it)."""
    bare = _POSSESSIVE.sub("", surface)
    if bare == surface or not bare:
        return surface
    last = bare.split(" ")[-1]
    if label == "PERSON" or known[last] >= 2 or looks_like_person(bare):
        return bare
    if " of " in bare or " for " in bare:  # "the Department of Conservation's team"
        return bare
    if " " in bare and (last in ORG_HEADS or last in PLACE_HEADS):  # "Stock Exchange's index"
        return bare
    return surface


def _resolve(surface: str, mention: Mention, gazetteer: Gazetteer) -> _Resolved | None:
    label, entry = mention.label, mention.entry
    first, _, rest = surface.partition(" ")
    if entry is None and rest and first[:1].isupper() and first.casefold() in _SPAN_CUES:
        # "Regulator Ofgem", "Rival Boeing": a sentence-initial cue word inside the span
        surface, label = rest, "ORG"
        mention = replace(mention, prev=f"{mention.prev} {first.casefold()}")
    entry = entry or gazetteer.lookup(surface)
    if (
        entry is not None
        and not entry.match_text
        and entry.type != "LOCATION"
        and _cue_before(mention.prev) == "LOCATION"
    ):  # "the mouth of the Amazon": not the company
        return _Resolved(surface, "LOCATION", surface, cued=True, locative=True)
    if entry is not None:
        return _Resolved(
            entry.name,
            entry.type,
            surface,
            entry.wikidata,
            True,
            entry.aliases,
            locative=_after_locative(mention.prev),
        )
    etype = LABEL_TYPES.get(label)
    if label == APPOSITION:  # a name the model missed: typed by its apposition or dropped
        etype = _cue_after(mention.next) or ""
        if etype == "PERSON" and surface[:1].isupper() and not is_known_place(surface):
            # "Danilo, the former Juventus defender": a person known by one name
            return _Resolved(surface, "PERSON", surface, cued=True, titled=True)
        if etype not in ("ORG", "LOCATION") or (" " in surface and looks_like_person(surface)):
            return None
    elif label == CUED_ORG:  # a name the model missed after "broadcaster", "regulator", ...
        etype = "ORG"
    if etype is None or _only_titles(surface):
        return None
    if etype == "ORG" and _tokens(mention.prev)[-2:] == ["Chief", "of"]:
        return None  # "the post of Chief of Defence Forces": a title, not the organisation
    if is_junk(surface, gazetteer) and not (label == CUED_ORG and _CODE_NAME.match(surface)):
        return None  # "the D66 party" is a name, "D" alone is not
    if etype == "PERSON":
        surface = _strip_demonym(surface, gazetteer)
    # "the Chadema party": the model took the organisation noun in, as good as a cue
    cued = label == CUED_ORG or (
        etype == "ORG" and _tokens(mention.text)[-1:] in _PARTY_NOUNS and surface != mention.text
    )
    if etype in ("LOCATION", "ORG", "NORP") and _compound_demonym(surface, gazetteer):
        etype, cued = "NORP", True  # "Cape Verdean" tagged LOC
    elif etype in ("LOCATION", "ORG", "PERSON", "NORP"):
        retyped = _retype(surface, etype, mention.prev, mention.next)
        cued = cued or retyped is not None
        etype = retyped or etype
    elif len(surface.split(" ")) > 1:  # "Dubai International Stadium" read as an EVENT
        etype = _head_type(surface.split(" ")) or etype
    if etype in ("PRODUCT", "WORK_OF_ART") and _cue_after(mention.next) == "ORG":
        etype, cued = "ORG", True  # "Google Cloud chief executive": a company's people
    following = _tokens(mention.next)[:1]
    return _Resolved(
        surface,
        etype,
        surface,
        place_hint=_place_hint(surface, etype, mention.prev),
        cued=cued,
        locative=_after_locative(mention.prev),
        plural_place=bool(following) and following[0] in PLACE_NEXT_PLURAL,
        cut=bool(following) and following[0][:1].isupper(),
        moved_to=etype == "PERSON" and " " not in surface and _place_preposition(mention.prev),
    )


_DRAW_GROUP = re.compile(r"^(?:Group|Pool) [A-L]$")
_INITIALS = re.compile(r"^(?:[A-Z]\.){1,4}$")
_CODE_NAME = re.compile(r"^[A-Z]{1,3}-?\d{1,3}$")
_PARTY_NOUNS = [["party"], ["movement"], ["alliance"], ["coalition"]]


def _only_titles(surface: str) -> bool:
    """ "Solicitor General", "Chief Executive": a title with no name."""
    return all(w.casefold().rstrip(".") in TITLES for w in surface.split(" "))


def _strip_demonym(surface: str, gazetteer: Gazetteer) -> str:
    """ "Kenyan Dorcas Ewoi" -> "Dorcas Ewoi": a nationality word the model took into a name."""
    first, _, rest = surface.partition(" ")
    if " " not in rest:
        return surface
    entry = gazetteer.lookup(first)
    if (entry is not None and entry.type == "NORP") or looks_like_demonym(first):
        return rest
    if first.endswith("an") and (is_known_place(first[:-1]) or is_known_place(first[:-2])):
        return rest  # Kenyan, Nigerian, Chilean
    return surface


def _head_type(words: list[str]) -> str | None:
    """The type a name's own last word gives it (Bank, Party -> ORG; Stadium, River -> place)."""
    last = words[-1].rstrip(".")
    if last in ORG_HEADS or any(w in ORG_MARKERS for w in words):
        return "ORG"
    if last in PLACE_HEADS:
        return "LOCATION"
    return None


def _retype(surface: str, etype: str, prev: str, after: str = "") -> str | None:
    """Evidence for a name the gazetteer does not know, strongest first: a demonym form, the
    name's own words ("Manchester United", "Warner Bros. Discovery", "Bristol Channel", "Club
    World Cup"), the words before it ("copper producer Codelco", "the city of Valencia",
    "police chief Listyo Sigit Prabowo"), the words after it ("Reykjanes peninsula",
    "Suwon-based", "Liverpool manager", "Adif, the track operator"), a common given name
    ("Lars Klingbeil"). None: no evidence, the model's type stands."""
    if looks_like_demonym(surface):
        return "NORP"
    if _CLIMATE_CONFERENCE.match(surface):
        return "EVENT"  # "COP30": a UN climate conference
    words = surface.split(" ")
    if etype == "NORP":  # "Pakistan's Punjab province", "the towns of Liloan": a place
        cue = _cue_before(prev) or _cue_after(after)
        if cue == "LOCATION" or (
            len(words) == 1 and is_known_place(surface) and _after_locative(prev)
        ):
            return "LOCATION"
        if cue == "ORG" and len(words) == 1 and not surface.endswith("s"):
            return "ORG"  # "South Africa's Vodacom, a unit of ..." tagged NORP
        if len(words) > 1 and last_word_in(words, ORG_HEADS):
            return "ORG"
        return None
    last = words[-1].rstrip(".")
    if (len(words) > 1 and last in ORG_HEADS) or any(w in ORG_MARKERS for w in words):
        return "ORG"
    if _head_before_of(words) in ORG_HEADS:
        return "ORG"  # "Court of Appeals for the Federal Circuit": the head is before "of"
    if len(words) > 1 and (last in EVENT_HEADS or words[0] in EVENT_OPENERS):
        return "EVENT"
    if len(words) > 1 and words[0] in ORG_OPENERS:
        return "ORG"  # "Club America", "Pacto Historico", "Grupo Mexico"
    if len(words) > 1 and words[0] in BODY_NOUNS and is_known_place(" ".join(words[1:])):
        return "ORG"  # "Elections Alberta", "Tennis Australia": a national body
    if len(words) > 1 and (last in PLACE_HEADS or words[0] in PLACE_OPENERS):
        return "LOCATION"
    if (
        etype == "PERSON"
        and len(words) > 1
        and any(_is_acronym_word(w) for w in words)
        and not _INITIALS.match(words[0])  # "A.M.M. Nasir Uddin": a person's initials
    ):
        return "ORG"  # "HBO Max": people's names have no acronyms
    if (
        etype == "PERSON"
        and len(words) > 1
        and words[-1] in _COUNTRY_WORDS
        and words[0] not in _COMPASS
        and not looks_like_person(surface)
    ):
        return "ORG"  # "Virgin Australia", "Cricket Australia": no person ends in a country
    person_like = etype == "PERSON" and len(words) > 1 and looks_like_person(surface)
    cue = _cue_before(prev) or (None if person_like else _cue_after(after))
    if etype == "ORG" and [w.casefold() for w in _tokens(after)[:2]] in _INDEX_AFTER:
        return "PRODUCT"  # "the Merval stock index"
    if (
        cue is None
        and not person_like
        and not is_known_place(surface)
        and _tokens(after.replace("\u2019", "'").removeprefix("'s "))[:1] in _SECURITIES_AFTER
    ):
        cue = "ORG"  # "Petrobras shares rose"
    if cue is None and not person_like and _source_before(prev):
        cue = "ORG"  # "ship-tracking data from Kpler", "a survey by Ipsos"
    if cue is None and etype != "LOCATION" and not is_known_place(surface):
        cue = _pronoun_after(after, etype, len(words))
    if cue is not None:
        return cue
    before, following = _tokens(prev)[-1:], _tokens(after)[:1]
    placelike = etype == "LOCATION" or (len(words) == 1 and is_known_place(surface))
    if placelike and (_beaten(prev) or following in _BEAT_AFTER):
        return "ORG"  # "Chelsea beat Brighton": teams, not towns
    if etype == "PERSON" and not person_like and before in (["in"], ["near"]):
        return "LOCATION"  # "hospitals in Khan Younis": people are rarely "in" anything
    if etype == "ORG" and len(words) == 1 and _model_number(prev):
        return "PRODUCT"  # "the 737 MAX" (not "10,000 National Guard troops": a count)
    if etype == "ORG" and following and following[0] in PRODUCT_NEXT:
        return "PRODUCT"  # "Patriot missiles", "the KOSPI index"
    if len(words) > 1 and etype != "PERSON" and looks_like_person(surface):
        return "PERSON"
    return None


# Countries that end an organisation's name ("Virgin Australia", "Athletics Kenya"); not
# names that are also surnames or given names (Jordan, Chad, Georgia, Israel).
_COUNTRY_WORDS = frozenset(
    {"Australia", "Kenya", "Ethiopia", "Nigeria", "Ghana", "India", "Pakistan", "Canada",
     "Germany", "France", "Italy", "Spain", "Japan", "China", "Brazil", "Mexico", "Argentina",
     "Uganda", "Tanzania", "Zambia", "Zimbabwe", "Ireland", "Scotland", "Wales", "England",
     "Singapore", "Malaysia", "Indonesia", "Philippines", "Thailand", "Vietnam", "Egypt",
     "Morocco", "Turkey", "Russia", "Ukraine", "Poland", "Sweden", "Norway", "Denmark",
     "Finland", "Netherlands", "Belgium", "Switzerland", "Austria", "Portugal", "Greece",
     "Africa", "Asia", "Europe", "America", "Korea", "Taiwan", "Bangladesh", "Colombia",
     "Peru", "Chile", "Rwanda", "Senegal", "Cameroon", "Iran", "Iraq", "Qatar", "UK", "US"}
)  # fmt: skip
_COMPASS = frozenset(
    {"North", "South", "East", "West", "Northern", "Southern", "Eastern", "Western", "Central",
     "New", "Greater"}
)  # fmt: skip


def _head_before_of(words: list[str]) -> str:
    """ "Court" in "U.S. Court of Appeals for the Federal Circuit"; "" with no "of"/"for"."""
    for i, word in enumerate(words[1:], 1):
        if word in ("of", "for"):
            return words[i - 1].rstrip(".")
    return ""


def last_word_in(words: list[str], heads: frozenset[str]) -> bool:
    return words[-1].rstrip(".") in heads


_SECURITIES_AFTER = [[w] for w in _SECURITIES]
_CLIMATE_CONFERENCE = re.compile(r"^COP ?\d{1,2}$")
_INDEX_AFTER = [["stock", "index"], ["share", "index"], ["stocks", "index"]]


# "data from X", "a survey by X": who publishes figures is an organisation.
_SOURCES = frozenset(
    {"data", "figures", "report", "survey", "surveys", "estimates", "statistics", "analysis",
     "research", "study", "poll", "polls", "forecast", "forecasts", "ranking", "rankings"}
)  # fmt: skip


def _source_before(prev: str) -> bool:
    words = [w.casefold() for w in _tokens(prev)]
    return len(words) >= 2 and words[-1] in ("from", "by") and words[-2] in _SOURCES


def _beaten(prev: str) -> bool:
    """The name is the object of a match result ("beat", "knocked out", "drew with")."""
    words = [w.casefold() for w in _tokens(prev)]
    return bool(words) and (words[-1] in _BEAT or tuple(words[-2:]) in _BEAT_PHRASES)


def _model_number(prev: str) -> bool:
    """The text before ends in a short number without thousands separator ("the 737")."""
    words = _tokens(prev)
    if not words or not words[-1].isdigit() or len(words[-1]) > 4:
        return False
    return len(words) < 2 or words[-2] != ","


def _is_acronym_word(word: str) -> bool:
    letters = word.replace(".", "")
    return (
        len(letters) >= 3 and letters.isalpha() and letters.isupper() and word not in ROMAN_NUMERALS
    )


def _tokens(text: str) -> list[str]:
    return list(_cached_tokens(text))


@functools.lru_cache(maxsize=8192)
def _cached_tokens(text: str) -> tuple[str, ...]:
    """The same context strings are tokenised by many rules: once each."""
    return tuple(_TOKEN.findall(text.replace("\u2019", "'")))


def _cue_before(prev: str) -> str | None:
    """The word just before a name: a lower-case kind of organisation or place ("copper
    producer", "the village of"; lower-case, so a capitalised "Secretary of State" is no
    place cue), or a person's title or role in any case ("Prime Minister", "police chief",
    "finance minister,")."""
    words = _tokens(prev)
    if not words:
        return None
    if words[-1].casefold() in ORG_CUES and not (
        words[-1] == "giant" and len(words) >= 2 and words[-2].casefold() in _DETERMINERS
    ):  # "Rival Newmont" opens a sentence; "its giant X expansion" is no company
        return "ORG"
    if len(words) >= 2 and words[-1] in ("in", "of") and words[-2] in _OWNED:
        return "ORG"  # "a stake in Hensoldt", "shares of Barrick"
    if _plural_org_list(words):
        return "ORG"  # "power companies including Iberdrola", "lenders such as HSBC"
    if len(words) >= 2 and words[-1] in ("at", "from") and words[-2].casefold() in _STAFF:
        return "ORG"  # "analysts at Jefferies", "economists at Westpac"
    if len(words) >= 3 and words[-1] == "the" and words[-2] == "of":
        words = words[:-1]  # "the mouth of the Amazon", "the towns of the ..."
    if words[-1] in PLACE_CUES or (
        len(words) >= 2
        and words[-1] == "of"
        and (
            words[-2].casefold() in PLACE_CUES
            or words[-2].casefold() in PLACE_OF
            or words[-2].casefold() in PLACES_PLURAL
        )
    ):
        return "LOCATION"
    if _plural_place_list(words):
        return "LOCATION"
    if len(words) >= 2 and words[-1] in ("at", "near") and words[-2] in PLACE_NEXT:
        return "LOCATION"  # "the mine at Panguna", "a refinery near X"
    if words[-1] == ",":
        words = words[:-1]
    if words and words[-1].casefold() in PERSON_CUES:
        return "PERSON"
    return None


_DETERMINERS = frozenset({"a", "an", "the", "its", "their", "his", "her", "our", "this"})


def _plural_org_list(words: list[str]) -> bool:
    """ "... companies including", "lenders such as": a plural kind of organisation and a word
    that opens its examples (not "rivals such as", which may be people)."""
    if words[-2:] == ["such", "as"]:
        words = words[:-1]
    elif not (len(words) >= 2 and words[-1] in ("including", "like", "as")):
        return False
    noun = words[-2].casefold() if len(words) >= 2 else ""
    singular = _singular(noun)
    return noun != singular and singular in ORG_CUES and singular != "rival"


def _singular(noun: str) -> str:
    """ "banks" -> "bank", "companies" -> "company" (enough for the cue nouns)."""
    return noun[:-3] + "y" if noun.endswith("ies") else noun.removesuffix("s")


def _plural_place_list(words: list[str]) -> bool:
    """ "provinces including", "coastal states such as", "cities like": a list of places."""
    if len(words) >= 2 and words[-1] == "including" and words[-2] in PLACES_PLURAL:
        return True
    if len(words) >= 2 and words[-1] == "like" and words[-2] in PLACES_PLURAL:
        return True
    return len(words) >= 3 and words[-2:] == ["such", "as"] and words[-3] in PLACES_PLURAL


def _cue_after(after: str) -> str | None:
    """The words just after a name: "-based" and a lower-case place noun ("Reykjanes
    peninsula", "La Moneda palace") make a place; a club or company role ("Liverpool
    manager", "Liverpool's academy") an organisation; an apposition's head noun ("Adif, the
    track operator", "Nuuk, the capital") whatever it names."""
    text = after.replace("\u2019", "'")
    possessive = text.startswith("'s ") or text == "'s"
    words = _tokens(text[2:] if possessive else text)
    if not words:
        return None
    if words[0] == "-" and len(words) > 1 and words[1] == "based":
        return "LOCATION"
    if words[0] in (_ORG_OWNS if possessive else ORG_NEXT):  # not "Djokovic's coach"
        return "ORG"
    if [w.casefold() for w in words[:2]] in _CHIEF_EXECUTIVE:  # "Google Cloud chief executive"
        return "ORG"
    if not possessive and words[0] in PLACE_NEXT:
        return "LOCATION"
    if (
        not possessive
        and words[0] == ","
        and len(words) > 2
        and words[1] in ("the", "a", "an", "another")
    ):
        return _apposition(words[2:])
    if not possessive and words[:3] == [",", "one", "of"] and len(words) > 3:
        return _apposition(words[3:], plural=True)  # "Moniepoint, one of Nigeria's largest banks"
    if not possessive and words[0] in _COPULAS and len(words) > 2 and words[1] in ("the", "a"):
        return _apposition(words[2:])  # "Flamengo became the first Brazilian club to ..."
    return None


_CHIEF_EXECUTIVE = [["chief", "executive"], ["chief", "executives"], ["chief", "operating"]]
_SAY = frozenset({"said", "says", "told", "added", "wrote", "argued", "insisted"})


def _pronoun_after(after: str, etype: str, length: int) -> str | None:
    """People are "who" and "said he"; organisations "said it" ("Kylian Mbappe, who scored",
    "Fonterra said its profit ...")."""
    words = [w.casefold() for w in _tokens(after)[:3]]
    says = bool(words) and words[0] in _SAY
    if etype == "ORG" and 2 <= length <= 3:
        who = words[:2] == [",", "who"] or (says and words[1:2] in (["he"], ["she"]))
        return "PERSON" if who else None
    if etype == "PERSON" and says and words[1:2] in (["it"], ["its"]):
        return "ORG"
    return None


def _apposition(words: list[str], plural: bool = False) -> str | None:
    """Type named by the head of "the track operator," / "a fishing town." (at most four
    words, ended by punctuation or "of"/"in"/"that"/"which"/"whose"/"where")."""
    phrase: list[str] = []
    names = 0  # capitalised words inside do not count: "the former Juventus and Roma defender"
    for i, word in enumerate(words[:9]):
        following = words[i + 1] if i + 1 < len(words) else ""
        if not word[:1].isalnum() or (
            word in _APPOSITION_ENDS and not (word == "and" and following[:1].isupper())
        ):
            break
        names += word[:1].isupper()
        phrase.append(word)
    else:
        return None
    if not phrase or len(phrase) - names > 4:
        return None
    head = phrase[-1]
    if plural:
        head = _singular(head)
    if head in ORG_CUES or head in ORG_APPOSITIONS:
        return "ORG"
    if head in PLACE_CUES:
        return "LOCATION"
    if head.casefold() in PERSON_CUES:
        return "PERSON"
    return None


def _after_locative(prev: str) -> bool:
    """ "in Bangkok", "at the Chatuchak site", "In Bangkok": a preposition of place before."""
    words = [w.casefold() for w in _tokens(prev)]
    if words and words[-1] == "the":
        words.pop()
    if len(words) >= 2 and words[-1] == "in" and words[-2] in _NOT_PLACE_IN:
        return False  # "a stake in Hensoldt", "shares in Leonardo"
    return bool(words) and words[-1] in _LOCATIVE


_PLACE_PREPOSITIONS = frozenset({"in", "near", "at", "into", "outside"})
# "to" only after travel ("flew evacuees ... to Bethel"; not "lost to Sinner", "passed to X")
_TRAVEL_TO = frozenset(
    {"flew", "flown", "fly", "flights", "flight", "aircraft", "plane", "planes", "travelled",
     "traveled", "travel", "moved", "evacuated", "relocated", "returned", "headed", "bound",
     "trip", "journey", "route", "road", "ferry", "train", "trains", "bus", "buses", "drove",
     "sailed", "deported", "transferred", "airlifted", "fled", "back", "then"}
)  # fmt: skip


def _place_preposition(prev: str) -> bool:
    words = [w.casefold() for w in _tokens(prev)]
    if not words:
        return False
    if words[-1] == "to":
        return len(words) >= 2 and words[-2] in _TRAVEL_TO
    return words[-1] in _PLACE_PREPOSITIONS


def _place_hint(surface: str, etype: str, prev: str) -> str:
    """'any' when a known place name may be retyped from PERSON; 'locative' when it may also be
    retyped from ORG (after 'in', 'near', ...: a city name alone is often a club or company).
    All-caps words are acronyms, not places."""
    if surface.isupper() or not is_known_place(surface):
        return ""
    locative = etype == "LOCATION" or _after_locative(prev) or _after_place_possessive(prev)
    return "locative" if locative else "any"


def _after_place_possessive(prev: str) -> bool:
    """ "India's Andhra Pradesh": a known place's known place is a place."""
    words = _tokens(prev)
    last = words[-1] if words else ""
    return last.endswith("'s") and last[:1].isupper() and is_known_place(last[:-2])


def _coordinated(mention: Mention, before: Mention | None) -> bool:
    """ "Sagaing and Naypyidaw", "Surabaya, Bandung": `mention` is listed right after `before`."""
    if before is None or not 1 <= mention.start - before.end <= len(", including "):
        return False
    words = _tokens(mention.prev)
    if len(words) >= 3 and words[-2:] == [",", "including"] and before.text.endswith(words[-3]):
        return True  # "the city of Valencia, including Paiporta and Chiva"
    if mention.start - before.end > 6:
        return False
    if len(words) < 2 or not before.text.endswith(words[-2]) or _THE.match(mention.text):
        return False
    if words[-1] == ",":  # "Surabaya, Bandung and ...", not "In Beijing, Xinhua reported"
        return _tokens(mention.next)[:1] in ([","], ["and"], ["or"])
    return words[-1] in ("and", "or")


def resolve_mentions(mentions: Sequence[Mention], gazetteer: Gazetteer) -> list[_Resolved]:
    """Steps 1, 3 and 4: gazetteer lookup (fixes type), compound split, junk dropped."""
    # dates, numbers, money (two thirds of the model's spans) are no names: not looked at
    mentions = [m for m in mentions if m.entry is not None or m.label in _NAME_LABELS]
    known = _known_words(mentions)
    out: list[_Resolved] = []
    before: Mention | None = None
    last: _Resolved | None = None
    affiliated = _split_affiliations(mentions, gazetteer, known)
    for mention in _merge_adjacent(_merge_shared_heads(affiliated)):
        partner = last if _coordinated(mention, before) else None
        alias_of = last if _known_as(mention, before) else None
        before, last = mention, None
        titled = _royal_title(mention.text)
        if titled:
            mention = replace(mention, label="PERSON")
        elif mention.label == "PERSON" and _tokens(mention.prev)[-1:] in _ROYAL_PREV:
            titled = True  # "Prince Harry" with the title outside the model's span
        multi_line = "\n" in mention.text.strip()
        lines = _run_on_parts(mention.text)
        last_word = mention.text.split()[-1] if mention.text.split() else ""
        if mention.label != "PERSON" and last_word.islower() and last_word not in _CONNECTORS:
            # "giant Nile dam": the word before describes the noun after, not the name
            mention = replace(mention, prev="")
        if mention.label in ("GPE", "LOC", "FAC") and mention.entry is None:
            # "the Las Vegas Grand Prix for Red Bull": place names have no "for" in them
            lines = [part for line in lines for part in line.split(" for ")]
        if (
            mention.entry is None
            and mention.label != "PERSON"
            and (" on " in mention.text or " in " in mention.text)
        ):
            split = [part for line in lines for part in _facility_on_place(line)]
            if len(split) > len(lines):  # "the People Power Monument on EDSA": two places
                lines, mention = split, replace(mention, label="FAC")
        if _tokens(mention.prev)[-1:] and _tokens(mention.prev)[-1] in _WIRE_WORDS:
            lines = [_WIRE_TAG.sub("", line) for line in lines]
        for i, line in enumerate(lines):
            defined = _bracket_acronym(mention.next) if i == len(lines) - 1 else ""
            cut = _IN_BRACKETS.match(line)  # "Party for Freedom (PVV": the model ran on
            if cut and _is_short_form(cut.group(2)):
                line, defined = cut.group(1), cut.group(2)
            surface = strip_possessive(clean_surface(line, mention.label), known, mention.label)
            if not surface or (multi_line and not _stands_alone(surface, gazetteer)):
                continue
            if i == len(lines) - 1 and not defined and mention.label == "ORG" and " " in surface:
                surface = _with_qualifier(surface, mention, gazetteer)
            parts = [surface] if mention.entry else split_compound(surface, gazetteer, known)
            # members of "Florence and Palermo" stand on their own, as if after "in"
            context = replace(mention, prev="in") if len(parts) > 1 else mention
            for part in parts:
                resolved = _resolve(part, context, gazetteer)
                if resolved is not None:
                    resolved.titled = resolved.titled or (titled and resolved.type == "PERSON")
                    resolved.partner = partner
                    resolved.alias_of = alias_of
                    if len(parts) == 1 and defined and defined != resolved.name:
                        resolved.defines = defined
                    out.append(resolved)
                    last = resolved
    return out


_ROYAL_PREV = [[title] for title in ROYAL_TITLES]
_KNOWN_AS = [["known", "as"]]


def _known_as(mention: Mention, before: Mention | None) -> bool:
    """ "Whenua Hou, also known as Codfish Island", "Pedro Leitao Brito, known as Bubista": the
    second name is another name of the first."""
    return (
        before is not None
        and 0 < mention.start - before.end <= len(", also known as ")
        and _tokens(mention.prev)[-2:] in _KNOWN_AS
    )


# "Communist Party of Nepal (Unified Marxist-Leninist)": a bracketed part of the name
_QUALIFIER = re.compile(r"^\(([A-Z][\w'-]+(?: [A-Z][\w'-]+){0,3})\)")


def _with_qualifier(surface: str, mention: Mention, gazetteer: Gazetteer) -> str:
    """An organisation's name of two or more words the model stopped before a bracketed,
    capitalised part of it ("(Marxist)"): not a short form, a place, a known name or a
    dateline ("(Reuters) -")."""
    match = _QUALIFIER.match(mention.next) if mention.next[:1] == "(" else None
    if match is None or mention.next[match.end() :].lstrip()[:1] in ("-", "\u2013", "\u2014"):
        return surface
    inside = match.group(1)
    if _is_short_form(inside) or is_known_place(inside) or gazetteer.lookup(inside) is not None:
        return surface
    return f"{surface} ({inside})"


# "Party for Freedom (PVV)": an acronym in brackets right after a name is that name's short form.
_ACRONYM = r"[A-Z][A-Za-z0-9&.-]{1,9}(?: [A-Z][A-Za-z0-9&.-]{1,9}){0,2}"  # "Africa CDC"
_AFTER_BRACKET = re.compile(r"^\((" + _ACRONYM + r")\)")
_IN_BRACKETS = re.compile(r"^(.*\S) \((" + _ACRONYM + r")\)?$")


def _bracket_acronym(after: str) -> str:
    """ "(NNPC) and fuel importers" -> "NNPC"."""
    match = _AFTER_BRACKET.match(after)
    return match.group(1) if match and _is_short_form(match.group(1)) else ""


def _is_short_form(text: str) -> bool:
    """Its last word has at least two capitals and more capitals than not: "PVV", "ACEA",
    "Africa CDC" (not "Reuters", not "Paris")."""
    word = text.split(" ")[-1]
    capitals = sum(c.isupper() for c in word)
    return capitals >= 2 and capitals * 2 > len(word.replace(".", ""))


def _facility_on_place(line: str) -> list[str]:
    """ "People Power Monument on EDSA" -> the monument and the avenue, "R. Premadasa Stadium
    in Colombo" -> the stadium and the city (not "Council on Foreign Relations": only after a
    place head word)."""
    for joiner in (" on ", " in "):
        left, _, right = line.partition(joiner)
        if right[:1].isupper() and left.split(" ")[-1] in PLACE_HEADS:
            return [left, right]
    return [line]


def _stands_alone(part: str, gazetteer: Gazetteer) -> bool:
    """A one-word piece of a span the model ran across a line break ("Cebu\n\nRescuers") is kept
    only when it is a known name: a line opens with a capitalised word whatever it is."""
    return " " in part or gazetteer.lookup(part) is not None or is_known_place(part)


# Lower-case particles inside a person's name the model split in two ("Abdulaziz" + "bin Salman")
_NAME_PARTICLES = frozenset(
    {"bin", "ibn", "bint", "ben", "al", "el", "van", "von", "de", "da", "di", "del", "dos", "der"}
)
# Lower-case connectors inside a place name the model split ("Foz" + "do" + "Amazonas")
_PLACE_CONNECTORS = frozenset({"do", "da", "dos", "das", "de", "del", "di", "du", "des", "della"})


def _org_of_place(prev: Mention, m: Mention) -> bool:
    """ "Law Society" + "of Kenya", "Central Bank" + "of Chile": an organisation's head word and
    "of" before a place the model split off ("the University of Iceland" is one name)."""
    if prev.label != "ORG" or prev.entry is not None:
        return False
    # "the Public Health Agency of" + "Canada": the model stopped after "of"
    cut_after_of = (
        prev.text.endswith(" of") and m.start - prev.end == 1 and prev.next.startswith(m.text)
    )
    if not cut_after_of and (
        m.start - prev.end != len(" of ")
        or _tokens(m.prev)[-1:] != ["of"]
        or prev.text.split(" ")[-1] not in ORG_HEADS
    ):
        return False
    place = m.label in ("GPE", "LOC") or (m.entry is not None and m.entry.type == "LOCATION")
    return place and not _THE.match(m.text)


def _merge_adjacent(mentions: list[Mention]) -> list[Mention]:
    """Names the model cut in two: "Abdulaziz" + "bin Salman" (a person), "Foz" + "do" +
    "Amazonas" (a Portuguese or Spanish place or organisation name), "U.S. Court of Appeals" +
    "for the" + "Federal Circuit" (one organisation)."""
    out: list[Mention] = []
    for m in mentions:
        prev = out[-1] if out else None
        if prev is not None and _org_of_place(prev, m):
            glue = " " if prev.text.endswith(" of") else " of "
            text = f"{prev.text}{glue}{m.text}"  # "Law Society" + "of" + "Kenya"
            out[-1] = replace(prev, text=text, label="ORG", end=m.end, next=m.next)
            continue
        if prev is None or prev.entry is not None or m.entry is not None:
            out.append(m)
            continue
        gap = m.start - prev.end
        first = m.text.split(" ", 1)[0]
        joiner = _tokens(m.prev)[-1:]
        text = ""
        spaced = gap == 1 and prev.next.startswith(m.text)  # one space between, no line break
        if prev.label == m.label == "PERSON" and gap == 1 and first in _NAME_PARTICLES:
            text = f"{prev.text} {m.text}"
        elif (
            prev.label == m.label == "PERSON"
            and spaced
            and " " in prev.text
            and " " not in m.text
            and m.text[:1].isupper()
        ):  # "Samia Suluhu" + "Hassan": a three-word name the model cut in two
            text = f"{prev.text} {m.text}"
        elif (
            prev.label == m.label == "PERSON"
            and joiner
            and joiner[0] in _NAME_PARTICLES | _PLACE_CONNECTORS
            and gap == len(joiner[0]) + 2
            and " " in prev.text
        ):  # "Andre Correa" + "do" + "Lago"
            text = f"{prev.text} {joiner[0]} {m.text}"
        elif (
            spaced
            and m.label == "PERSON"
            and " " in m.text
            and " " not in prev.text
            and prev.label in ("GPE", "LOC", "ORG", "NORP")
            and prev.text in given_names()
        ):  # "Benito" (GPE) + "Antonio Martinez Ocasio": a given name the model cut off
            text = f"{prev.text} {m.text}"
            prev = replace(prev, label="PERSON")
        elif spaced and prev.label != "PERSON" and m.text[:2] in ("d'", "d\u2019"):
            text = f"{prev.text} {m.text}"  # "Cortina" + "d'Ampezzo"
            m = replace(m, label=prev.label)
        elif (
            prev.label == "EVENT"
            and joiner == ["of"]
            and gap == len(" of ")
            and prev.text.split(" ")[-1] in EVENT_HEADS
            and " " not in m.text
        ):  # "Africa Cup" + "of" + "Nations"
            text = f"{prev.text} of {m.text}"
            m = replace(m, label="EVENT")
        elif (
            joiner
            and joiner[0] in _PLACE_CONNECTORS
            and gap == len(joiner[0]) + 2
            and " " not in prev.text
            and " " not in m.text
            and prev.label != "PERSON"
        ):
            text = f"{prev.text} {joiner[0]} {m.text}"
        elif (
            prev.label == m.label == "ORG"
            and joiner == ["and"]
            and gap == len(" and ")
            and _institution_of(prev.text)
            and " " in m.text
            and m.text.split(" ")[-1] not in ORG_HEADS
            and not _THE.match(m.text)
            and not looks_like_person(m.text)
        ):  # "Center for Volcanology" + "and" + "Geological Hazard Mitigation"
            text = f"{prev.text} and {m.text}"
        elif (
            prev.label == m.label == "ORG"
            and joiner == ["for"]
            and gap == len(" for ")
            and m.text.startswith("the ")
        ):  # not "won the Grand Prix for Red Bull"
            text = f"{prev.text} for {m.text}"
        if text:
            label = "ORG" if m.label == "ORG" or prev.label == "ORG" else prev.label
            out[-1] = replace(prev, text=text, label=label, end=m.end, next=m.next)
            continue
        out.append(m)
    return out


# Institutions named for what they deal with ("Center for Volcanology and Geological Hazard
# Mitigation", "Department of Culture and Tourism"): "X and Y" after them is one field.
_INSTITUTION_OPENERS = frozenset(
    {"Center", "Centre", "Department", "Ministry", "Office", "Bureau", "Institute", "Directorate",
     "Secretariat", "Agency", "Commission", "Council", "School"}
)  # fmt: skip


def _institution_of(text: str) -> bool:
    words = _THE.sub("", text).split(" ")
    return (
        len(words) >= 3
        and words[0] in _INSTITUTION_OPENERS
        and words[1] in ("for", "of")
        and words[-1][:1].isupper()
    )


def _royal_title(text: str) -> bool:
    """ "King Felipe VI", "Empress Marie-Louise": a person whatever the model said, known by
    one name (unless the name is an organisation's or a place's: "Prince Edward Island")."""
    words = _THE.sub("", text).split()
    return (
        len(words) > 1
        and words[0] in ROYAL_TITLES
        and words[-1] not in ORG_HEADS
        and words[-1] not in PLACE_HEADS
    )


def _merge_shared_heads(mentions: list[Mention]) -> list[Mention]:
    """ "Avon and Somerset Police", read by the model as "Avon" + "Somerset Police": two known
    places sharing one organisation head word are one organisation."""
    out: list[Mention] = []
    for m in mentions:
        words = m.text.split(" ")
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.entry is None
            and m.label == "ORG"
            and len(words) == 2
            and words[1] in ORG_HEADS
            and m.start - prev.end == len(" and ")
            and " " not in prev.text
            and is_known_place(prev.text)
            and is_known_place(words[0])
            and _tokens(m.prev)[-1:] == ["and"]
        ):
            out[-1] = replace(
                prev, text=f"{prev.text} and {m.text}", label="ORG", end=m.end, next=m.next
            )
            continue
        out.append(m)
    return out


def _split_affiliations(
    mentions: Sequence[Mention], gazetteer: Gazetteer, known: Counter | None = None
) -> list[Mention]:
    """ "Ontario Premier Doug Ford", "US President Joe Biden" tagged as one PERSON: the known
    place or organisation before the title becomes its own mention."""
    out: list[Mention] = []
    for m in mentions:
        if m.entry is None and ("'s " in m.text or "\u2019s " in m.text):
            owner = _possessor(m, gazetteer, known or Counter())
            if owner:
                out.extend(owner)
                continue
        words = m.text.split(" ")
        company = gazetteer.lookup(words[0]) if m.label == "PERSON" and len(words) > 1 else None
        if (
            company is not None
            and company.type == "ORG"
            and words[-1] not in CORPORATE_SUFFIXES
            and words[-1] not in ORG_HEADS
        ):  # "SpaceX Starship": no person; "Barrick Mining" is the company's full name
            rest = " ".join(words[1:])
            head = words[0]
            out.append(
                replace(m, text=head, label="GAZETTEER", entry=company, end=m.start + len(head))
            )
            out.append(replace(m, text=rest, label="PRODUCT", start=m.end - len(rest)))
            continue
        if company is not None and company.type == "ORG":
            out.append(replace(m, label="ORG"))  # "Barrick Mining" read as a person
            continue
        person, of, team = m.text.partition(" of ")
        if (
            m.entry is None
            and m.label in ("PERSON", "ORG")
            and of
            and team[:1].isupper()
            and looks_like_person(person)
        ):  # "Jonas Vingegaard of Visma-Lease a Bike" read as one name: a person and a team
            label = "GPE" if is_known_place(team) else "ORG"
            out.append(replace(m, text=person, label="PERSON", end=m.start + len(person)))
            out.append(replace(m, text=team, label=label, start=m.end - len(team), prev="of"))
            continue
        cut = next((i for i, w in enumerate(words) if i and w.casefold() in TITLES), 0)
        head = " ".join(words[:cut])
        rest = " ".join(words[cut:])
        if m.label in ("PERSON", "ORG") and cut and _affiliation(head, rest, gazetteer):
            if m.label == "ORG" and not _titled_name(rest):
                out.append(m)  # "UK Prime Minister's Office" stays one organisation
                continue
            out.append(replace(m, text=head, label="GPE", end=m.start + len(head)))
            out.append(replace(m, text=rest, label="PERSON", start=m.end - len(rest)))
        else:
            out.append(m)
    return out


def _possessor(m: Mention, gazetteer: Gazetteer, known: Counter) -> list[Mention]:
    """ "Alphabet's Google", "Abu Dhabi's Mubadala" read as one name: a known organisation or
    place, a possessive and a capitalised name are two mentions (not "People's Party": the
    owner must be a gazetteer name or a known place). An owner named elsewhere in the article
    ("Sudani's Reconstruction and Development Coalition") is left to its other mentions."""
    text = m.text.replace("\u2019", "'")
    owner, _, owned = text.partition("'s ")
    owner = _THE.sub("", owner)
    if not owned[:1].isupper() or not owner or "\n" in text:
        return []
    if all(w in ORG_HEADS or w in CORPORATE_SUFFIXES for w in owned.split(" ")):
        return []  # "McDonald's Corp", "Macy's Inc": the company's own name
    entry = gazetteer.lookup(owner)
    if entry is None and not is_known_place(owner):
        if _person_owns_place(owner, owned, gazetteer):
            start = m.start + text.index(owner)
            return [
                replace(m, text=owner, label="PERSON", start=start, end=start + len(owner)),
                replace(m, text=owned, label="GPE", start=m.end - len(owned), prev=f"{owner}'s"),
            ]
        if " " in owner or known[owner] < 1:
            return []
        return [replace(m, text=owned, start=m.end - len(owned), prev=f"{owner}'s")]
    start = m.start + text.index(owner)
    first = (
        replace(m, text=owner, label="GAZETTEER", entry=entry, end=start + len(owner))
        if entry is not None
        else replace(m, text=owner, label="GPE", start=start, end=start + len(owner))
    )
    second = replace(m, text=owned, start=m.end - len(owned), prev=f"{owner}'s")
    return [first, second]


def _person_owns_place(owner: str, owned: str, gazetteer: Gazetteer) -> bool:
    """ "Cristiano Ronaldo's Portugal", "Herve Renard's Saudi Arabia": a person's name (two or
    three capitalised words, no organisation or place word) owning a known country or place is
    a player or coach and his team, two names."""
    words = owner.split(" ")
    entry = gazetteer.lookup(owned)
    place = entry.type == "LOCATION" if entry is not None else is_known_place(owned)
    return (
        place
        and 2 <= len(words) <= 3
        and all(w[:1].isupper() and w[1:].isalpha() and w[1:].islower() for w in words)
        and _head_type(words) is None
    )


def _titled_name(rest: str) -> bool:
    """ "PM Anutin", "President Joe Biden": titles, then a name with no organisation word."""
    words = rest.split(" ")
    name = [w for w in words if w.casefold().rstrip(".") not in TITLES]
    return (
        bool(name)
        and words.index(name[0]) > 0
        and all(w[:1].isupper() and w.isalpha() for w in name)
        and name[-1] not in ORG_HEADS
        and name[-1] not in PLACE_HEADS
    )


def _affiliation(head: str, rest: str, gazetteer: Gazetteer) -> bool:
    """A known place, organisation or acronym before a title ("Ontario Premier", "FBI
    Director"). A one-word place name before a title and one more word is more likely a
    person's name with a title-like word inside ("Hassan Sheikh Mohamud")."""
    if gazetteer.lookup(head) is not None or _is_acronym_word(head):
        return True
    name = [w for w in rest.split(" ") if w.casefold() not in TITLES]
    return is_known_place(head) and (" " in head or len(name) > 1)


def _run_on_parts(text: str) -> list[str]:
    """Split a span that runs across lines or across a lower-case verb ("Real Madrid sign
    Trent Alexander-Arnold", a headline the model read as one name)."""
    parts: list[str] = []
    for line in text.splitlines():
        current: list[str] = []
        for word in line.split():
            if word.islower() and word.casefold() not in _CONNECTORS and len(current) >= 1:
                parts.append(" ".join(current))
                current = []
                continue
            current.append(word)
        parts.append(" ".join(current))
    return [p for p in parts if p]


CUED_WEIGHT = 3  # a mention typed by the words around it outvotes the model's guesses


def _vote_types(items: list[_Resolved]) -> None:
    """The same unresolved surface gets one type per article: the most frequent one."""
    votes: dict[str, Counter] = defaultdict(Counter)
    cued: dict[str, set[str]] = defaultdict(set)
    for r in items:
        if not r.fixed:
            votes[r.name][r.type] += CUED_WEIGHT if r.cued else 1
            if r.cued:
                cued[r.name].add(r.type)
    for r in items:
        if not r.fixed:
            counts, evidence = votes[r.name], cued[r.name]
            # at a tie, the words around a mention beat the model ("Brazilian planemaker
            # Embraer" against three "Embraer" the model read as a person)
            r.type = max(
                counts, key=lambda t: (counts[t], t in evidence, -_TYPE_PRIORITY.get(t, 9))
            )


def _contains(long: list[str], short: list[str]) -> bool:
    """Every word of `short`, in order, in `long` ("Grand Renaissance Dam" in "Grand Ethiopian
    Renaissance Dam"); a single word must be a whole word of `long`."""
    it = iter(long)
    return all(word in it for word in short)


def _initials(name: str) -> str:
    return "".join(w[0] for w in name.split(" ") if w[:1].isupper())


# "Cebu" and "Cebu City", "Mexico" and "Mexico City": another place, not a longer name.
_ADMIN_WORDS = frozenset(
    {"City", "Province", "State", "County", "Region", "District", "Governorate", "Prefecture",
     "Oblast", "Municipality", "Township"}
)  # fmt: skip


def _org_offshoot(long: list[str], short: list[str]) -> bool:
    """ "Novo Nordisk" and "Novo Nordisk Foundation", "Amnesty International" and "Amnesty
    International Kenya": a full organisation name and a longer one made from it by more
    capitalised words are two ("Supreme Court" is short for "Supreme Court of the United
    States")."""
    return len(short) > 1 and long[: len(short)] == short and long[len(short)][:1].isupper()


# "Nile" and "Blue Nile", "Darfur" and "North Darfur": a modified place is another place.
_PLACE_MODIFIERS = frozenset(
    {"North", "South", "East", "West", "Northern", "Southern", "Eastern", "Western", "Central",
     "Upper", "Lower", "Blue", "White", "Greater", "Inner", "Outer", "Old", "New"}
)  # fmt: skip


def _modified_place(long: list[str], short: list[str]) -> bool:
    extra = long[: len(long) - len(short)]
    return long[len(extra) :] == short and all(w in _PLACE_MODIFIERS for w in extra)


# "Perth" and "Perth Stadium": a city and a facility named after it are two places.
_FACILITY_HEADS = frozenset(
    {"Stadium", "Airport", "Arena", "Square", "Museum", "Gallery", "Building", "Palace",
     "Cathedral", "Station", "Bridge"}
)  # fmt: skip


def _facility_of(long: list[str], short: list[str], name: str) -> bool:
    """ "Perth Stadium", "Expo Guadalajara": a known place does not join a longer name that is
    no known place itself - something named after it."""
    if not is_known_place(name):
        return False
    if long[-1] in _FACILITY_HEADS and long[: len(short)] == short:
        return True
    return not is_known_place(" ".join(long))


def _modifies_place(name: str, places: set[str]) -> bool:
    words = name.split(" ")
    return len(words) > 1 and words[-1] in places and all(w in _PLACE_MODIFIERS for w in words[:-1])


def _bare_surname(word: str) -> str:
    """ "al-Sharaa" -> "Sharaa": news drops the Arabic article when it repeats a surname."""
    if word[2:3] == "-" and word[:2] in _ARABIC_ARTICLES and len(word) > 4:
        return word[3:]
    return word


_ARABIC_ARTICLES = frozenset({"al", "Al", "el", "El"})


def _admin_variant(long: list[str], short: list[str]) -> bool:
    return long[: len(short)] == short and all(w in _ADMIN_WORDS for w in long[len(short) :])


def _link_target(r: _Resolved, targets: list[_Resolved]) -> _Resolved | None:
    """The longest full name of the same type containing this mention's words (Peskov ->
    Dmitry Peskov); a bare surname of any non-gazetteer type joins the person; ORG acronyms
    join the ORG they abbreviate."""
    words = r.name.split(" ")
    best = None
    for t in targets:
        twords = t.name.split(" ")
        if len(twords) <= len(words) or t.name == r.name:
            continue
        same = (
            t.type == r.type
            and _contains(twords, words)
            and not _admin_variant(twords, words)
            and not (r.type == "ORG" and _org_offshoot(twords, words))
            and not (r.type == "LOCATION" and _modified_place(twords, words))
            and not (r.type == "LOCATION" and _facility_of(twords, words, r.name))
        )
        surname = (
            (
                t.type == "PERSON"
                and r.type != "NORP"
                and len(words) == 1
                and (
                    twords[-1] == words[0]
                    or _bare_surname(twords[-1]) == words[0]
                    or fold(twords[-1]) == fold(words[0])  # "Sanchez" for Pedro Sánchez
                )
            )
            or (  # "González Amador" (ORG) for Alberto González Amador: a two-word surname
                t.type == "PERSON"
                and r.type in ("ORG", "LOCATION")
                and len(words) == 2
                and twords[-2:] == words
                and not (r.place_hint or r.cued)
            )
        )
        # "Prabowo" for Prabowo Subianto, "Xi" for Xi Jinping: a family name or a name used
        # alone that opens the full name; not a known place ("Paris" is not Paris Hilton)
        surname = surname or (
            t.type == "PERSON"
            and r.type in ("PERSON", "ORG", "LOCATION")
            and len(words) == 1
            and twords[0] == words[0]
            and not (r.place_hint or r.cued)
        )
        acronym = (
            r.name.isupper()
            and _initials(t.name) == r.name
            and (t.type == r.type == "ORG" or (t.type == "LOCATION" and r.type == "ORG"))
        )  # "PNG" for Papua New Guinea, tagged ORG
        if (same or surname or acronym) and (best is None or _better_target(t, best)):
            best = t
    return best


def _better_target(t: _Resolved, best: _Resolved) -> bool:
    """People take the longest full name (Peskov -> Dmitry Peskov); organisations the shortest
    (Novo -> Novo Nordisk, not Novo Nordisk Foundation; Amnesty -> Amnesty International)."""
    longer = len(t.name.split(" ")) > len(best.name.split(" "))
    if t.type == best.type == "ORG":
        return len(t.name.split(" ")) < len(best.name.split(" "))
    return longer


def link_in_document(items: list[_Resolved]) -> None:
    """Step 2: short mentions take the canonical name of the longest matching full name."""
    targets = {(r.name, r.type): r for r in items if len(r.name.split(" ")) > 1}
    candidates = list(targets.values())
    defined = {r.defines: r for r in items if r.defines}
    index = _TargetIndex(candidates)
    for r in items:
        full = defined.get(r.name) if r.name == r.surface else None
        if full is not None and full is not r and (not r.fixed or r.type == full.type):
            r.name, r.type, r.wikidata = full.name, full.type, full.wikidata or r.wikidata
            r.fixed, r.aliases, r.cued = full.fixed, full.aliases or r.aliases, full.cued
            continue
        if r.fixed:
            _link_known_company(r, candidates)
            continue
        if r.defines:  # "Party for Freedom (PVV)": a formal full name, not a short form
            continue
        target = _link_target(r, index.pool(r))
        if target is not None:
            r.name, r.type, r.wikidata = target.name, target.type, target.wikidata
            r.fixed, r.aliases = target.fixed, target.aliases
            index.renamed(r)


class _TargetIndex:
    """The full names a mention may link to, by word: only those that share its first word
    (or its accent-folded or article-less form, or whose initials it is) are checked, not every
    full name in the article for every mention. A superset: _link_target decides."""

    def __init__(self, candidates: list[_Resolved]) -> None:
        self.order = {id(t): i for i, t in enumerate(candidates)}
        self.by_key: dict[str, list[_Resolved]] = defaultdict(list)
        for t in candidates:
            self._add(t)

    def _add(self, t: _Resolved) -> None:
        words = t.name.split(" ")
        keys = set(words) | {fold(words[-1]), _bare_surname(words[-1]), "^" + _initials(t.name)}
        for key in keys:
            self.by_key[key].append(t)

    def renamed(self, t: _Resolved) -> None:
        if id(t) in self.order and " " in t.name:
            self._add(t)

    def pool(self, r: _Resolved) -> list[_Resolved]:
        first = r.name.split(" ", 1)[0]
        found = {id(t): t for t in self.by_key.get(first, ())}
        if " " not in r.name:
            found.update((id(t), t) for t in self.by_key.get(fold(first), ()))
        if r.name.isupper():
            found.update((id(t), t) for t in self.by_key.get("^" + r.name, ()))
        if len(found) < 2:
            return list(found.values())
        return sorted(found.values(), key=lambda t: self.order[id(t)])


def _link_known_company(r: _Resolved, candidates: list[_Resolved]) -> None:
    """A one-word gazetteer organisation ("Samsung") in an article that names it in full with
    a corporate suffix ("Samsung Electronics", "Hyundai Motor Co") takes the full name, as any
    short mention; "Amazon Web Services" is another company."""
    if r.type != "ORG" or " " in r.name:
        return
    for t in candidates:
        twords = t.name.split(" ")
        if (
            not t.fixed
            and t.type == "ORG"
            and twords[0] == r.name
            and all(w.rstrip(".") in CORPORATE_SUFFIXES for w in twords[1:])
        ):
            r.name, r.wikidata, r.aliases = t.name, t.wikidata or r.wikidata, r.aliases
            return


def _retype_as_place(r: _Resolved) -> bool:
    if not r.place_hint or r.fixed or r.cued or r.name != r.surface:
        return False
    return r.type == "PERSON" or (r.type == "ORG" and r.place_hint == "locative")


def link(mentions: Sequence[Mention], gazetteer: Gazetteer) -> list[LinkedEntity]:
    """Canonical entities of one article, most mentioned first."""
    items = resolve_mentions(mentions, gazetteer)
    _vote_types(items)
    for r in items:  # "Kylian Mbappe and Jude Bellingham": listed with a person, a person
        _listed_with_person(r)
        _listed_with_org(r)
    _drop_nationality_prefix(items, gazetteer)
    link_in_document(items)
    # "Whenua Hou, also known as Codfish Island": one place, its first name, for every mention
    # of the second name ("the Ghana Cocoa Board, known as Cocobod ... Cocobod's financing")
    known_as = {r.name: r.alias_of.name for r in items if r.alias_of is not None and not r.fixed}
    for r in items:
        if r.name in known_as and not r.fixed:
            r.name = known_as[r.name]
    for r in items:  # a place name that did not turn out to be part of a person's name
        if _retype_as_place(r):
            r.type = "LOCATION"
        elif r.moved_to and r.type == "PERSON" and r.name == r.surface and not r.titled:
            r.type = "LOCATION"  # "flew evacuees to Bethel": a one-word "person" nobody named
    for r in items:  # "the Ravi, Sutlej and Chenab rivers": every member is a place
        if r.plural_place and (r.fixed is False or r.type == "LOCATION"):
            p: _Resolved | None = r
            while p is not None and not p.fixed:
                p.type, p.cued = "LOCATION", True
                p = p.partner
    for r in items:  # "in Sagaing and Naypyidaw": listed with a place, a place
        if _listed_with_place(r):
            r.type = "LOCATION"
    places = {r.name for r in items if r.type == "LOCATION"}
    for r in items:  # "the Blue Nile" tagged ORG in an article where "Nile" is a place
        if r.type == "ORG" and not (r.fixed or r.cued) and _modifies_place(r.name, places):
            r.type = "LOCATION"
    _vote_types(items)
    by_name: dict[str, LinkedEntity] = {}
    type_votes: dict[str, Counter] = defaultdict(Counter)
    for r in items:
        entity = by_name.setdefault(r.name, LinkedEntity(r.name, r.type, wikidata=r.wikidata))
        entity.mentions += 1
        entity.aliases = entity.aliases or r.aliases
        entity.wikidata = entity.wikidata or r.wikidata
        type_votes[r.name][r.type] += 10 if r.fixed else CUED_WEIGHT if r.cued else 1
        if r.surface not in entity.surface_forms:
            entity.surface_forms.append(r.surface)
    for name, entity in by_name.items():
        votes = type_votes[name]
        entity.type = max(votes, key=lambda t: (votes[t], -_TYPE_PRIORITY.get(t, 9)))
    fixed = {r.name for r in items if r.fixed or r.titled}
    kept = [e for e in by_name.values() if not _lone_word_person(e, fixed)]
    return sorted(kept, key=lambda e: (-e.mentions, e.name))


def _listed_with_person(r: _Resolved) -> None:
    """A two- or three-word ORG with no organisation word, listed next to a person's full name
    ("Kylian Mbappe and Jude Bellingham", in either order), is a person too."""
    p = r.partner
    if p is None:
        return
    for a, b in ((r, p), (p, r)):
        words = a.name.split(" ")
        if (
            b.type == "PERSON"
            and " " in b.name
            and a.type == "ORG"
            and not (a.fixed or a.cued)
            and a.name == a.surface
            and 2 <= len(words) <= 3
            and all(w[:1].isupper() and w[1:2].islower() for w in words)
            and _head_type(words) is None
            and not is_known_place(a.name)
        ):
            a.type = "PERSON"


def _listed_with_org(r: _Resolved) -> None:
    """ "investors such as Nvidia, Andreessen Horowitz and ...", "Jetstar and Virgin
    Australia": a PERSON the model found, listed next to an organisation, is one too unless it
    opens with a common given name or a title typed it. A one-word PERSON listed next to a
    person's full name ("Dailon Livramento, Willy Semedo and Stopira") is kept as a person."""
    p = r.partner
    if p is None:
        return
    for a, b in ((r, p), (p, r)):
        if (
            a.type == "LOCATION"
            and b.type == "ORG"
            and not (a.fixed or a.cued or a.locative or a.place_hint)
            and " " not in a.name
            and not is_known_place(a.name)
        ):  # "Wipro and HCLTech are due to report": an unknown place listed with a company
            a.type = "ORG"
            continue
        if a.type != "PERSON" or a.fixed or a.cued or a.name != a.surface:
            continue
        if b.type == "ORG" and (
            " " not in a.name  # a lone word is no person's name anyway: "Jetstar and ..."
            or (b is a.partner and (b.fixed or b.cued) and not looks_like_person(a.name))
        ):  # a full name only after a known organisation: "Nvidia, Andreessen Horowitz"
            a.type = "ORG"
        elif (
            b.type == "PERSON"
            and " " in b.name
            and " " not in a.name
            and a.name[1:2].islower()
            and not a.cut  # "Sitharaman and Andhra Pradesh Chief Minister"
        ):
            a.titled = True


def _drop_nationality_prefix(items: list[_Resolved], gazetteer: Gazetteer) -> None:
    """ "Pakistani Supreme Court" in an article that names the "Supreme Court": the same
    organisation, the nationality word the model took in aside."""
    orgs = {r.name for r in items if r.type == "ORG" and " " in r.name}
    if len(orgs) < 2:
        return
    for r in items:
        first, _, rest = r.name.partition(" ")
        if r.type != "ORG" or r.fixed or rest not in orgs:
            continue
        entry = gazetteer.lookup(first)
        if looks_like_demonym(first) or (entry is not None and entry.type == "NORP"):
            r.name = rest


def _listed_with_place(r: _Resolved) -> bool:
    """An organisation or one-word person listed right after a place ("hospitals in Sagaing and
    Naypyidaw", "Paiporta and Chiva"): a known place name always, any name when the list
    follows a preposition of place. Not when evidence around the name typed it."""
    p = r.partner
    if r.fixed or r.cued or p is None or p.type != "LOCATION" or r.name != r.surface:
        return False
    if r.type not in ("ORG", "PERSON", "NORP"):
        return False
    if r.type == "PERSON" and " " in r.name and (looks_like_person(r.name) or not p.cued):
        return False  # "Gia Lai and Dak Lak" after "provinces including"; not "Ana Lopez"
    return bool(r.place_hint) or p.locative or p.cued or bool(p.partner and p.partner.locative)


def _lone_word_person(entity: LinkedEntity, fixed: set[str]) -> bool:
    """A one-word PERSON that no full name in the article and no gazetteer entry explains:
    news introduces people by their full name, so this is nearly always a model error
    ("Flash floods", "Turnout in Nuuk", half of "Hun Sen"). Mononyms go in the gazetteer."""
    return entity.type == "PERSON" and " " not in entity.name and entity.name not in fixed


def document_fields(entities: Sequence[LinkedEntity]) -> dict:
    """The document fields: entities, persons / organizations / locations, entity_aliases."""
    fields: dict = {"entities": [e.to_dict() for e in entities]}
    for etype, key in FACETS.items():
        fields[key] = [e.name for e in entities if e.type == etype]
    aliases: list[str] = []
    for e in entities:
        for alias in (e.name, *e.surface_forms, *e.aliases):
            if alias not in aliases:
                aliases.append(alias)
    fields["entity_aliases"] = aliases
    return fields
