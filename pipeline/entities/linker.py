"""Canonicalisation: raw mentions -> canonical entities (gazetteer, in-document links, compounds, junk)."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from pipeline.entities.gazetteer import Gazetteer, normalise
from pipeline.entities.names import looks_like_person
from pipeline.entities.ner import Mention
from pipeline.entities.places import is_known_place

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
    "treasurer candidate leader envoy negotiator mp senator-elect president-elect"
)
TITLES = frozenset(_TITLE_WORDS.split())
_DEMONYM_ENDINGS = ("ian", "ians", "ean", "eans", "ese", "ish", "ains")
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
_THE = re.compile(r"^the\s+", re.IGNORECASE)
ORG_HEADS = frozenset(
    {"United", "FC", "Inc", "Corp", "Corporation", "Ltd", "LLC", "plc", "PLC", "AG", "SE",
     "Group", "Bank", "Party", "University", "Institute", "Agency", "Association", "Foundation",
     "Council", "Commission", "Committee", "Ministry", "Department", "Airlines", "Airways",
     "Motors", "Police", "Authority", "Organization", "Organisation", "Company", "Holdings",
     "Securities", "Partners", "Research", "Watch", "Union", "League", "Federation", "Court",
     "Office", "Service", "Network", "Coalition", "Alliance", "Movement", "Front", "Assembly",
     "Parliament", "Congress", "Senate", "Bureau", "Survey", "Board", "Club", "Society", "Trust",
     "Energy"}
)  # fmt: skip
PLACE_HEADS = frozenset(
    {"Channel", "River", "Sea", "Ocean", "Lake", "Valley", "Mountains", "Mountain", "Island",
     "Islands", "Bay", "Gulf", "Strait", "Peninsula", "Square", "Street", "Avenue", "Airport",
     "Bridge", "Park", "Stadium", "Arena", "Province", "Region", "County", "Township", "Strip",
     "Desert", "Coast", "Canal", "Palace", "Cathedral", "Crossing", "Border", "Oblast", "Dam"}
)  # fmt: skip
# A word just before a name that says what it is ("copper producer Codelco", "the village of
# Blatten"); lower-case, so sentence-initial titles never count.
ORG_CUES = frozenset(
    {"company", "firm", "group", "operator", "maker", "carmaker", "automaker", "chipmaker",
     "planemaker", "drugmaker", "carrier", "airline", "bank", "lender", "insurer", "retailer",
     "producer", "manufacturer", "supplier", "startup", "start-up", "conglomerate", "broadcaster",
     "newspaper", "network", "club", "party", "union", "agency", "regulator", "rival", "giant"}
)  # fmt: skip
PLACE_CUES = frozenset(
    {"city", "town", "village", "region", "province", "district", "capital", "port", "island",
     "county", "municipality", "suburb", "neighbourhood", "neighborhood", "state", "outskirts"}
)  # fmt: skip
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


@dataclass
class LinkedEntity:
    """One canonical entity of an article, with every surface form it appeared under."""

    name: str
    type: str
    mentions: int = 0
    surface_forms: list[str] = field(default_factory=list)
    wikidata: str | None = None
    aliases: tuple[str, ...] = ()

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
    if label in ("PERSON", "ORG"):
        while len(words) > 1 and words[-1][:1].islower() and words[-2][:1].isupper():
            words.pop()
    return " ".join(words)


GENERIC_WORDS = frozenset(
    {"party", "group", "government", "ministry", "department", "agency", "company", "state",
     "city", "region", "province", "county", "district", "nation", "country"}
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
    return not any(c.isupper() for c in surface)


def looks_like_demonym(surface: str) -> bool:
    """'Ukrainian', 'Europeans', 'British': an adjective or people, never a place."""
    word = surface.casefold()
    return " " not in word and word.endswith(_DEMONYM_ENDINGS)


def split_compound(surface: str, gazetteer: Gazetteer, known: Counter) -> list[str]:
    """'Putin-Trump' -> ['Putin', 'Trump'], 'Florence and Palermo' -> ['Florence', 'Palermo']
    when every member is known on its own (gazetteer, place list or another mention in the
    article); 'Coca-Cola' and 'Procter and Gamble' stay whole."""
    if gazetteer.lookup(surface) is not None:
        return [surface]
    if _COMPOUND.match(surface):
        parts = [p for p in _COMPOUND_SPLIT.split(surface) if p]
    elif " and " in surface:
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
    if bare != surface and bare and (label == "PERSON" or known[bare.split(" ")[-1]] >= 2):
        return bare
    return surface


def _resolve(surface: str, mention: Mention, gazetteer: Gazetteer) -> _Resolved | None:
    label, entry = mention.label, mention.entry
    entry = entry or gazetteer.lookup(surface)
    if entry is not None:
        return _Resolved(entry.name, entry.type, surface, entry.wikidata, True, entry.aliases)
    etype = LABEL_TYPES.get(label)
    if etype is None or is_junk(surface, gazetteer):
        return None
    if etype in ("LOCATION", "ORG", "PERSON"):
        etype = _retype(surface, etype, mention.prev)
    return _Resolved(surface, etype, surface, place_hint=_place_hint(surface, etype, mention.prev))


def _retype(surface: str, etype: str, prev: str) -> str:
    """Evidence for a name the gazetteer does not know, strongest first: a demonym form, the
    name's last word ("Manchester United", "Bristol Channel"), the words before it ("copper
    producer Codelco", "the city of Valencia"), a common given name ("Lars Klingbeil")."""
    if looks_like_demonym(surface):
        return "NORP"
    last = surface.rsplit(" ", 1)[-1].rstrip(".")
    if " " in surface and last in ORG_HEADS:
        return "ORG"
    if " " in surface and last in PLACE_HEADS:
        return "LOCATION"
    words = prev.split(" ")
    if words[-1] in ORG_CUES:
        return "ORG"
    if words[-1] in PLACE_CUES or (len(words) == 2 and words[1] == "of" and words[0] in PLACE_CUES):
        return "LOCATION"
    if " " in surface and etype != "PERSON" and looks_like_person(surface):
        return "PERSON"
    return etype


def _place_hint(surface: str, etype: str, prev: str) -> str:
    """'any' when a known place name may be retyped from PERSON; 'locative' when it may also be
    retyped from ORG (after 'in', 'near', ...: a city name alone is often a club or company).
    All-caps words are acronyms, not places."""
    if surface.isupper() or not is_known_place(surface):
        return ""
    locative = etype == "LOCATION" or prev.rsplit(" ", 1)[-1] in _LOCATIVE
    return "locative" if locative else "any"


def resolve_mentions(mentions: Sequence[Mention], gazetteer: Gazetteer) -> list[_Resolved]:
    """Steps 1, 3 and 4: gazetteer lookup (fixes type), compound split, junk dropped."""
    known = _known_words(mentions)
    out: list[_Resolved] = []
    for mention in _split_affiliations(mentions, gazetteer):
        for line in _run_on_parts(mention.text):
            surface = strip_possessive(clean_surface(line, mention.label), known, mention.label)
            if not surface:
                continue
            parts = [surface] if mention.entry else split_compound(surface, gazetteer, known)
            # members of "Florence and Palermo" stand on their own, as if after "in"
            context = replace(mention, prev="in") if len(parts) > 1 else mention
            for part in parts:
                resolved = _resolve(part, context, gazetteer)
                if resolved is not None:
                    out.append(resolved)
    return out


def _split_affiliations(mentions: Sequence[Mention], gazetteer: Gazetteer) -> list[Mention]:
    """ "Ontario Premier Doug Ford", "US President Joe Biden" tagged as one PERSON: the known
    place or organisation before the title becomes its own mention."""
    out: list[Mention] = []
    for m in mentions:
        words = m.text.split(" ")
        cut = next((i for i, w in enumerate(words) if i and w.casefold() in TITLES), 0)
        head = " ".join(words[:cut])
        if m.label == "PERSON" and cut and (gazetteer.lookup(head) or is_known_place(head)):
            out.append(replace(m, text=head, label="GPE", end=m.start + len(head)))
            rest = " ".join(words[cut:])
            out.append(replace(m, text=rest, start=m.end - len(rest)))
        else:
            out.append(m)
    return out


def _run_on_parts(text: str) -> list[str]:
    """Split a span that runs across lines or across a lower-case verb ("Real Madrid sign
    Trent Alexander-Arnold", a headline the model read as one name)."""
    parts: list[str] = []
    for line in text.splitlines():
        current: list[str] = []
        for word in line.split():
            if word[:1].islower() and word.casefold() not in _CONNECTORS and len(current) >= 2:
                parts.append(" ".join(current))
                current = []
                continue
            current.append(word)
        parts.append(" ".join(current))
    return [p for p in parts if p]


def _vote_types(items: list[_Resolved]) -> None:
    """The same unresolved surface gets one type per article: the most frequent one."""
    votes: dict[str, Counter] = defaultdict(Counter)
    for r in items:
        if not r.fixed:
            votes[r.name][r.type] += 1
    for r in items:
        if not r.fixed:
            counts = votes[r.name]
            r.type = max(counts, key=lambda t: (counts[t], -_TYPE_PRIORITY.get(t, 9)))


def _contains(long: list[str], short: list[str]) -> bool:
    """Every word of `short`, in order, in `long` ("Grand Renaissance Dam" in "Grand Ethiopian
    Renaissance Dam"); a single word must be a whole word of `long`."""
    it = iter(long)
    return all(word in it for word in short)


def _initials(name: str) -> str:
    return "".join(w[0] for w in name.split(" ") if w[:1].isupper())


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
        same = t.type == r.type and _contains(twords, words)
        surname = (
            t.type == "PERSON" and r.type != "NORP" and len(words) == 1 and twords[-1] == words[0]
        )
        acronym = t.type == r.type == "ORG" and r.name.isupper() and _initials(t.name) == r.name
        if (same or surname or acronym) and (
            best is None or len(twords) > len(best.name.split(" "))
        ):
            best = t
    return best


def link_in_document(items: list[_Resolved]) -> None:
    """Step 2: short mentions take the canonical name of the longest matching full name."""
    targets = {(r.name, r.type): r for r in items if len(r.name.split(" ")) > 1}
    candidates = list(targets.values())
    for r in items:
        if r.fixed:
            continue
        target = _link_target(r, candidates)
        if target is not None:
            r.name, r.type, r.wikidata = target.name, target.type, target.wikidata
            r.fixed, r.aliases = target.fixed, target.aliases


def _retype_as_place(r: _Resolved) -> bool:
    if not r.place_hint or r.fixed or r.name != r.surface:
        return False
    return r.type == "PERSON" or (r.type == "ORG" and r.place_hint == "locative")


def link(mentions: Sequence[Mention], gazetteer: Gazetteer) -> list[LinkedEntity]:
    """Canonical entities of one article, most mentioned first."""
    items = resolve_mentions(mentions, gazetteer)
    _vote_types(items)
    link_in_document(items)
    for r in items:  # a place name that did not turn out to be part of a person's name
        if _retype_as_place(r):
            r.type = "LOCATION"
    _vote_types(items)
    by_name: dict[str, LinkedEntity] = {}
    type_votes: dict[str, Counter] = defaultdict(Counter)
    for r in items:
        entity = by_name.setdefault(r.name, LinkedEntity(r.name, r.type, wikidata=r.wikidata))
        entity.mentions += 1
        entity.aliases = entity.aliases or r.aliases
        entity.wikidata = entity.wikidata or r.wikidata
        type_votes[r.name][r.type] += 10 if r.fixed else 1
        if r.surface not in entity.surface_forms:
            entity.surface_forms.append(r.surface)
    for name, entity in by_name.items():
        votes = type_votes[name]
        entity.type = max(votes, key=lambda t: (votes[t], -_TYPE_PRIORITY.get(t, 9)))
    fixed = {r.name for r in items if r.fixed}
    kept = [e for e in by_name.values() if not _lone_word_person(e, fixed)]
    return sorted(kept, key=lambda e: (-e.mentions, e.name))


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
