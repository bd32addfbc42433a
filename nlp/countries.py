"""Component ``tracker_countries``: country mentions as ``GPE`` entities with an ISO alpha-2 ``kb_id``.

Names come from pycountry (generated at load time) plus ``data/countries.jsonl`` (short forms,
demonyms, capitals and emirates) and ``data/country_blocks.jsonl`` (phrases that are not
countries). Matching is case-sensitive (``ORTH``), so "turkey" and "chad" never match.

Rules, in order:
1. The longest phrase wins; a blocking phrase ("New Mexico", "Indian Ocean") that wins removes
   the country inside it.
2. A company already found (an ``ORG`` entity) wins over a country inside or overlapping it:
   "Deutsche Telekom", "Saudi Aramco", "SK Telecom".
3. A name that doubles as a first name ("Jordan", "Chad") followed by a capitalised word
   ("Jordan Smith") is a person, not a country.
4. A demonym followed by "-language" or "-speaking" is a language ("French-language").
5. An ambiguous name ("Georgia", usually the US state) counts only when the same document
   names the country unambiguously as well ("Tbilisi", "Georgian government").
6. Capitalised "Turkey" and "Chad" always mean the country, even at a sentence start.
7. A capital or emirate ("places") always counts; another city ("cities": "Mumbai", "Jeddah") and
   any name written in capitals ("RIYADH") count only as a dateline: opening a paragraph and
   followed by a comma, bracket or dash ("MUMBAI, May 3 (Reuters) -").
8. A demonym used as a language after "in" is not a country: "models in Malay, Swahili and
   Portuguese", "published in French." ("invest in French startups" is).
"""

from __future__ import annotations

import pycountry
from spacy.language import Language
from spacy.tokens import Doc, Span

from .resources import read_jsonl
from .tokens import Lexicon, Tokens, entities, set_entities, shared_matcher

BLOCK = "BLOCK"
LANGUAGE = "LANGUAGE"


def generate_country_names() -> dict[str, set[str]]:
    """Return ``{alpha2: names}`` from pycountry (names with commas or brackets are skipped)."""
    names: dict[str, set[str]] = {}
    for country in pycountry.countries:
        found = names.setdefault(country.alpha_2, set())
        for attr in ("name", "common_name", "official_name"):
            value = getattr(country, attr, None)
            if value and "," not in value and "(" not in value:
                found.add(value)
    return names


class CountryRecognizer:
    """Finds countries and stores them as ``GPE`` entities whose ``kb_id_`` is the alpha-2 code."""

    def __init__(self, nlp: Language, name: str, countries_path: str, blocks_path: str):
        self.name = name
        self.lexicon = Lexicon(nlp.vocab)
        self.gpe = nlp.vocab.strings.add("GPE")
        self.matcher = shared_matcher(nlp, "ORTH", name)
        rows = list(read_jsonl(countries_path))
        ambiguous = {alias: row["code"] for row in rows for alias in row.get("ambiguous", [])}
        phrases: dict[str, set[str]] = {}
        for code, names in generate_country_names().items():
            for value in names:
                if value not in ambiguous:
                    phrases.setdefault(code, set()).add(value)
        demonyms: set[str] = set()
        for row in rows:
            code = row["code"]
            for key in ("aliases", "places", "demonyms"):
                phrases.setdefault(code, set()).update(row.get(key, []))
            demonyms.update(row.get("demonyms", []))
        self.ambiguous_ids = set()
        for alias, code in ambiguous.items():
            key = f"{code}?"
            self.ambiguous_ids.add(nlp.vocab.strings.add(key))
            self.matcher.add(key, [nlp.make_doc(alias)])
        for code, values in sorted(phrases.items()):
            self.matcher.add(code, [nlp.make_doc(value) for value in sorted(values)])
        # dateline-only names: other cities as written, and every name in capitals ("RIYADH (Wire) -")
        self.dateline_ids = set()
        for row in rows:
            code = row["code"]
            dateline = set(row.get("cities", []))
            dateline |= {value.upper() for value in dateline | set(row.get("places", [])) | phrases.get(code, set())}
            dateline -= phrases.get(code, set())
            if dateline:
                key = f"{code}@"
                self.dateline_ids.add(nlp.vocab.strings.add(key))
                self.matcher.add(key, [nlp.make_doc(value) for value in sorted(dateline)])
        self.demonyms = demonyms

        blocks, suffixes, self.first_names = [], [], set()
        for row in read_jsonl(blocks_path):
            if "block" in row:
                blocks.append(row["block"])
            elif "language_suffix" in row:
                suffixes.append(row["language_suffix"])
            elif "first_name" in row:
                self.first_names.add(row["first_name"])
        self.matcher.add(BLOCK, [nlp.make_doc(text) for text in blocks])
        languages = {demonym + suffix for demonym in demonyms for suffix in suffixes}
        self.matcher.add(LANGUAGE, [nlp.make_doc(text) for text in sorted(languages)])
        self.block_ids = {nlp.vocab.strings[BLOCK], nlp.vocab.strings[LANGUAGE]}

    def __call__(self, doc: Doc) -> Doc:
        matches = self.matcher(doc)
        if not matches:
            return doc
        strings = doc.vocab.strings
        t = Tokens(doc, self.lexicon)
        taken = bytearray(len(doc))
        for start, end, _, _ in entities(doc):
            taken[start:end] = b"\x01" * (end - start)
        gpe = self.gpe
        found: list[tuple[int, int, int, int]] = []
        ambiguous: list[tuple[int, int, int]] = []
        for match_id, start, end in filter_matches(matches):
            if match_id in self.block_ids or any(taken[start:end]):
                continue
            span_text = t.span_text(start, end)
            if span_text in self.first_names and end < len(doc):
                following = doc[end]
                if following.is_title and following.is_alpha and not following.is_sent_start:
                    continue
            if match_id in self.dateline_ids:
                span = Span(doc, start, end, label="GPE", kb_id=match_id)
                if is_dateline(doc, span):
                    found.append((start, end, gpe, strings.add(strings[match_id][:-1])))
                continue
            if span_text in self.demonyms and is_language(doc, Span(doc, start, end, label="GPE", kb_id=match_id)):
                continue
            if match_id in self.ambiguous_ids:
                ambiguous.append((match_id, start, end))
            else:
                found.append((start, end, gpe, match_id))
        if ambiguous:
            codes = {kb_id for _, _, _, kb_id in found}
            for match_id, start, end in ambiguous:
                code = strings.add(strings[match_id][:-1])
                if code in codes:
                    found.append((start, end, gpe, code))
        if found:
            set_entities(doc, entities(doc) + found)  # found never overlaps an entity (``taken``)
        return doc


def filter_matches(matches: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """``spacy.util.filter_spans`` on matcher tuples: the longest (then the first) match wins,
    without building a Span per match."""
    ordered = sorted(matches, key=lambda match: (match[2] - match[1], -match[1]), reverse=True)
    result = []
    seen: set[int] = set()
    for match in ordered:
        _, start, end = match
        if start not in seen and end - 1 not in seen:
            result.append(match)
            seen.update(range(start, end))
    result.sort(key=lambda match: match[1])
    return result


DATELINE_FOLLOWERS = {",", "(", "-", "–", "—", ":"}
LIST_JOINERS = {",", "and", "or"}


def is_dateline(doc: Doc, span: Span) -> bool:
    """A place name opening a paragraph and followed by a comma, bracket or dash: "MUMBAI, May 3
    (Reuters) -", "LAGOS (Wire) -", "Jeddah, Saudi Arabia -"."""
    opens = span.start == 0 or (doc[span.start - 1].is_space and "\n" in doc[span.start - 1].text)
    return opens and span.end < len(doc) and doc[span.end].text in DATELINE_FOLLOWERS


def is_language(doc: Doc, span: Span) -> bool:
    """A demonym used as the name of a language: after "in", alone or in a list of capitalised
    words, and not followed by a noun: "chatbots in Malay, Swahili and Portuguese during...",
    "published in French." ("in French startups" stays a country)."""
    start = span.start
    while start >= 2 and doc[start - 1].lower_ in LIST_JOINERS and doc[start - 2].text[:1].isupper():
        start -= 2
    if start == 0 or doc[start - 1].lower_ != "in":
        return False
    end = span.end
    while end + 1 < len(doc) and doc[end].lower_ in LIST_JOINERS and doc[end + 1].text[:1].isupper():
        end += 2
    if end >= len(doc):
        return True
    following = doc[end]
    return following.is_punct or following.is_space or (following.is_stop and following.is_lower)


@Language.factory(
    "tracker_countries",
    requires=["doc.ents"],
    assigns=["doc.ents"],
    default_config={"countries_path": "countries.jsonl", "blocks_path": "country_blocks.jsonl"},
)
def create_country_recognizer(nlp: Language, name: str, countries_path: str, blocks_path: str):
    """Registered factory: see the module docstring for the rules."""
    return CountryRecognizer(nlp, name, countries_path, blocks_path)
