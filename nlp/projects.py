"""Component ``tracker_projects``: named projects and programmes, and the one each figure belongs to.

A project's name is the strongest sign that two reports tell of one deal ("Stargate UAE",
"IndiaAI Mission", "InvestAI"), so names are found and canonicalised here like companies are,
but kept apart from ``doc.ents``: a project name often holds a company or a country ("Mistral
Compute", "Stargate UAE") and those must still count as such.

Two sources of names:
1. The list ``data/projects.jsonl`` (canonical name, aliases, kind project | programme |
   initiative, host country, principal companies), matched as written (each phrase also in
   capitals, and with "-", "–" and "—" alike); a row with ``any_case`` is matched in any case
   ("tech prosperity deal"). A row with ``requires`` counts only when the document also contains
   one of those words: "Hyperion" is Meta's campus only next to "Meta" or "Louisiana".
2. Names missing from the list, found by the patterns of ``data/project_patterns.json``:
   - a name cue after a project noun of the same sentence: "The project, called Stargate UAE",
     "a site named Eureka Park", "a campus dubbed 'Colossus'";
   - a head that opens a name: "Project Rainier";
   - a national variant of a listed name: "Stargate Japan", "the Stargate data centre in India"
     (Stargate India; never the head's own home country);
   - a proper-name ending with the capitalised words before it: "Loughton AI Campus",
     "Culham AI Growth Zone", "Genesis Mission" (endings such as Mission or Strategy need a topic
     word: "National Quantum Mission", not "Permanent Mission");
   - "the <Name> initiative|programme|project|...": "the AI Champions initiative";
   - a class of projects with a place: "AI Growth Zone in North East England", "the government
     named the North-east an AI Growth Zone". The class alone ("AI Growth Zones", "an AI Growth
     Zone") is never a project: two different zones must not share a name;
   - a quoted name next to a project noun: 'its "OpenAI for Countries" programme'.
   A found name that is an alias of a listed one takes the listed name. Rules that read
   capitalised words are skipped in headline-cased sentences ("Google Launches National AI
   Mission"), where capitals say nothing. A name made only of generic words, a single country,
   only companies and countries, or a vendor's product line ("Nvidia AI Factory") is dropped.

Results: ``doc.user_data[PROJECTS_KEY]`` (``project_mentions``) holds ``(start, end, name)`` in
text order, also as ``doc.spans["projects"]`` (label PROJECT, ``kb_id_`` the name) when there is
any; and every figure of ``tracker_commitments`` gets ``project``: the project its sentence
names (the nearest one), else the nearest one in its paragraph (a named facility before an
umbrella programme), else None. Not the title's: a headline naming a programme ("Tech Prosperity
Deal brings $42bn") would hand it every company's own figure.
"""

from __future__ import annotations

import re

import numpy
from spacy.language import Language
from spacy.tokens import Doc, Span

from .linking import find_line_breaks
from .resources import read_json, read_jsonl
from .tokens import Lexicon, Tokens, entities, figures, sent_starts, shared_matcher

PROJECTS_KEY = ("tracker", "projects")
SPAN_KEY = "projects"
KINDS = ("project", "programme", "initiative")
MAX_NAME_TOKENS = 5  # capitalised words in a found name (a quoted name may be longer)
MAX_QUOTED_TOKENS = 8  # tokens between the quotes of a quoted name
QUOTE_NOUN_WINDOW = 3  # tokens between a quoted name and its project noun
DASHES = ("-", "–", "—")
SMALL_NUMBERS = {"1", "2", "3", "4", "5", "I", "II", "III", "IV", "V", "2.0", "3.0"}  # "Colossus 2", "ABCI 3.0"


def load_projects(path: str) -> list[dict]:
    """Rows of the project list, checked: required keys, kind, host country code."""
    rows = []
    for row in read_jsonl(path):
        missing = {"name", "aliases", "kind", "country", "companies"} - row.keys()
        if missing:
            raise ValueError(f"{path}: project {row.get('name')!r} lacks {sorted(missing)}")
        if row["kind"] not in KINDS:
            raise ValueError(f"{path}: project {row['name']!r} has kind {row['kind']!r}, not one of {KINDS}")
        country = row["country"]
        if country is not None and not (isinstance(country, str) and re.fullmatch(r"[A-Z]{2}", country)):
            raise ValueError(f"{path}: project {row['name']!r} has country {country!r}, not an ISO alpha-2 code")
        rows.append(row)
    return rows


def normalise_name(text: str) -> str:
    """A name as compared: lower case, a dash as a space, "U.S." as "us", no leading "the":
    "UAE – US AI Campus", "uae-us ai campus" and "Italy North" / "Italy-North" are the same."""
    text = text.lower().replace("u.s.", "us")
    for dash in DASHES:
        text = text.replace(dash, " ")
    text = " ".join(text.split())
    return text[4:] if text.startswith("the ") else text


def dash_variants(phrase: str) -> set[str]:
    """``phrase`` with each kind of dash: "UAE-US AI Campus", "UAE–US AI Campus", "UAE—US AI Campus"."""
    if not any(dash in phrase for dash in DASHES):
        return {phrase}
    plain = phrase
    for dash in DASHES[1:]:
        plain = plain.replace(dash, "-")
    return {plain.replace("-", dash) for dash in DASHES}


def project_mentions(doc: Doc) -> list[tuple[int, int, str]]:
    """The projects ``tracker_projects`` found: ``(start, end, canonical name)`` in text order."""
    return doc.user_data.get(PROJECTS_KEY, [])


def project_names(doc: Doc) -> list[str]:
    """Sorted distinct canonical names of the doc's projects."""
    return sorted({name for _, _, name in project_mentions(doc)})


class ProjectRecognizer:
    """Listed names plus the patterns of the module docstring."""

    def __init__(self, nlp: Language, name: str, registry_path: str, patterns_path: str):
        self.name = name
        self.lexicon = Lexicon(nlp.vocab)
        self.strings = nlp.vocab.strings
        self.label = nlp.vocab.strings.add("PROJECT")
        self.gpe, self.org = nlp.vocab.strings.add("GPE"), nlp.vocab.strings.add("ORG")
        self.rows = {row["name"]: row for row in load_projects(registry_path)}
        self.kinds = {name: row["kind"] for name, row in self.rows.items()}
        self.canonical: dict[str, str] = {}  # normalised name or alias -> canonical name
        self.names = shared_matcher(nlp, "ORTH", name)
        self.names_any_case = shared_matcher(nlp, "LOWER", name)
        for row in self.rows.values():
            phrases = {row["name"], *row["aliases"]}
            for value in phrases:
                self.canonical.setdefault(normalise_name(value), row["name"])
            variants = set().union(*(dash_variants(value) for value in phrases))
            variants |= {value.upper() for value in variants if len(value) > 3}
            self.names.add(row["name"], [nlp.make_doc(value) for value in sorted(variants)])
            if row.get("any_case"):
                self.names_any_case.add(row["name"], [nlp.make_doc(value) for value in sorted(variants)])

        patterns = read_json(patterns_path)
        self.lookback = int(patterns["lookback"])
        self.project_nouns = set(patterns["project_nouns"])
        self.prefix_blocked = set(patterns["prefix_blocked"])
        self.variant_heads = set(patterns["variant_heads"])
        self.variant_facilities = set(patterns["variant_facilities"])
        # suffix phrase -> (the name needs a topic word, a company's name alone makes one)
        self.suffixes = {item["phrase"]: (bool(item["needs_topic"]), bool(item.get("company_only", True)))
                         for item in patterns["suffixes"]}
        self.topic_words = set(patterns["topic_words"])
        self.generic_words = set(patterns["generic_words"])
        self.connectors = set(patterns["name_connectors"])
        self.generic_heads = set(patterns["generic_heads"])
        self.not_projects = {normalise_name(value) for value in patterns["not_projects"]}
        self.class_names = list(patterns["class_names"])
        self.place_prepositions = set(patterns["place_prepositions"])
        self.designation_words = set(patterns["designation_words"])
        self.quotes = dict(patterns["quotes"])
        self.cues = shared_matcher(nlp, "LOWER", name)
        self.cues.add("CUE", [nlp.make_doc(value) for value in patterns["name_cues"]])
        self.triggers = shared_matcher(nlp, "ORTH", name)
        self.trigger_kinds: dict[int, str] = {}
        groups = {
            "PREFIX": patterns["prefix_heads"],
            "DETERMINER": patterns["determiner_heads"],
            "CLASS": patterns["class_names"],
            "QUOTE": list(self.quotes),
        }
        for kind, values in groups.items():
            self.triggers.add(kind, [nlp.make_doc(value) for value in values])
            self.trigger_kinds[nlp.vocab.strings[kind]] = kind
        for phrase in self.suffixes:
            key = f"SUFFIX {phrase}"
            self.triggers.add(key, [nlp.make_doc(phrase)])
            self.trigger_kinds[nlp.vocab.strings[key]] = key

    # -- words and runs of words ---------------------------------------------------------------
    def _is_word(self, t: Tokens, i: int) -> bool:
        """A word that may be part of a proper name: capitalised or in capitals, not a stop word
        ("IndiaAI", "Loughton", "IT4LIA"; not "The", "It")."""
        text = t.text(i)
        if not text[:1].isupper() or (t.is_stop(i) and not t.is_upper(i)):
            return False
        return not (i > 0 and t.like_num(i - 1) and not t.space(i - 1))  # "USD1B": a scale, not a name

    def _joined_before(self, t: Tokens, k: int, floor: int) -> int | None:
        """Start of "North-east" when token ``k`` is the lower-case part of a hyphenated name word."""
        if (k - 2 >= floor and t.text(k - 1) in DASHES and not t.space(k - 2) and not t.space(k - 1)
                and self._is_word(t, k - 2)):
            return k - 2
        return None

    def _run_before(self, t: Tokens, end: int, floor: int = 0) -> int | None:
        """Start of the run of name words ending just before ``end``, within its sentence."""
        start = end
        while start > floor and end - start < MAX_NAME_TOKENS:
            k = start - 1
            if t.text(k) in DASHES and start < end and k > floor and not t.space(k - 1) and not t.space(k):
                if self._is_word(t, k - 1):
                    start = k - 1  # "UAE-US", "Isambard-AI"
                    if t.sent_start(start) == 1:
                        break
                    continue
                break
            if self._is_word(t, k):
                start = k
            else:
                joined = self._joined_before(t, k, floor)
                if joined is None:
                    break
                start = joined  # "North-east"
            if t.sent_start(start) == 1:
                break
        return start if start < end else None

    def _run_after(self, t: Tokens, start: int) -> int | None:
        """End of the run of name words opening at ``start``, within its sentence."""
        n = t.n
        end = start
        while end < n and end - start < MAX_NAME_TOKENS + 2:
            if end > start and t.sent_start(end) == 1:
                break
            text = t.text(end)
            if self._is_word(t, end):
                end += 1
            elif end > start and text in SMALL_NUMBERS:
                end += 1  # "Colossus 2"
            elif (end > start and text in DASHES and end + 1 < n and not t.space(end - 1) and not t.space(end)
                  and t.text(end + 1).isalpha()):
                end += 2  # "UAE-US", "North-east"
            elif end > start and t.lower(end) in self.connectors and self._word_follows(t, end + 1):
                end += 1  # "OpenAI for Countries", "IA para o Bem de Todos"
            else:
                break
        return end if end > start else None

    def _word_follows(self, t: Tokens, i: int) -> bool:
        """A name word at ``i``, or after one more connector ("para o Bem")."""
        if i >= t.n:
            return False
        if self._is_word(t, i):
            return True
        return t.lower(i) in self.connectors and i + 1 < t.n and self._is_word(t, i + 1)

    def _only_generic(self, t: Tokens, start: int, end: int) -> bool:
        return all(t.text(k) in self.generic_words or not t.text(k)[:1].isalnum() for k in range(start, end))

    def _has_topic(self, t: Tokens, start: int, end: int) -> bool:
        return any(t.text(k) in self.topic_words or (len(t.text(k)) > 2 and t.text(k).endswith("AI"))
                   for k in range(start, end))

    def _headline_cased(self, t: Tokens, i: int, cache: dict[int, bool]) -> bool:
        """Whether the sentence of token ``i`` is written in headline case ("Google Launches Big AI
        Hub In India"): a capitalised stop word after its first word, or three words or more, all
        capitalised."""
        first = i
        while first > 0 and t.sent_start(first) != 1:
            first -= 1
        cached = cache.get(first)
        if cached is not None:
            return cached
        words = capitals = capital_stops = 0
        k = first
        while k < t.n and (k == first or t.sent_start(k) != 1):
            text = t.text(k)
            if text[:1].isalpha():
                words += 1
                if text[0].isupper():
                    capitals += 1
                    if k > first and t.is_stop(k) and not t.is_upper(k) and text != "May":  # the month
                        capital_stops += 1
            k += 1
        result = capital_stops > 0 or (words >= 3 and capitals == words)
        cache[first] = result
        return result

    # -- canonical names ------------------------------------------------------------------------
    def canonicalise(self, text: str) -> str | None:
        """The listed name of a found name, else the name as written; None when it is not a project."""
        key = normalise_name(text)
        if not key or key in self.not_projects:
            return None
        listed = self.canonical.get(key)
        if listed is not None:
            return listed
        text = text.strip()
        return text[4:] if text[:4] in {"the ", "The "} else text

    def _entity_tokens(self, doc: Doc) -> tuple[dict[int, tuple[int, int, int]], bytearray]:
        """Entity by start token, and which tokens are inside an ORG or GPE entity."""
        by_start: dict[int, tuple[int, int, int]] = {}
        inside = bytearray(len(doc))
        for start, end, label, kb_id in entities(doc):
            if label in (self.org, self.gpe):
                by_start[start] = (end, label, kb_id)
                inside[start:end] = b"\x01" * (end - start)
        return by_start, inside

    # -- the component ----------------------------------------------------------------------------
    def __call__(self, doc: Doc) -> Doc:
        strings = self.strings
        known = [(strings[key], start, end) for key, start, end in self.names(doc)]
        known += [(strings[key], start, end) for key, start, end in self.names_any_case(doc)]
        triggers = self.triggers(doc)
        cues = self.cues(doc)
        if not (known or triggers or cues):
            if PROJECTS_KEY in doc.user_data:
                del doc.user_data[PROJECTS_KEY]
            return doc
        t = Tokens(doc, self.lexicon)
        text_holder: list[str] = []

        def doc_text() -> str:
            if not text_holder:
                text_holder.append(doc.text)
            return text_holder[0]

        listed = []
        for name, start, end in known:
            needs = self.rows[name].get("requires")
            if needs and not any(word in doc_text() for word in needs):
                continue
            listed.append((name, start, end))
        listed = longest_first(listed)
        entity_info, inside = self._entity_tokens(doc)
        found = self._variants(t, listed, entity_info)
        if triggers or cues:
            headline: dict[int, bool] = {}
            candidates = self._cue_names(t, cues, headline)
            candidates += self._trigger_names(t, triggers, entity_info, inside, headline)
            taken = bytearray(len(doc))
            for _, start, end in found:
                taken[start:end] = b"\x01" * (end - start)
            found += [c for c in longest_first(candidates) if not any(taken[c[1]:c[2]])]
        found.sort(key=lambda item: item[1])
        spelling: dict[str, str] = {}  # one spelling per name in a document: "Italy North", "Italy-North"
        found = [(start, end, spelling.setdefault(normalise_name(name), name)) for name, start, end in found]
        doc.user_data[PROJECTS_KEY] = found
        if found:
            doc.spans[SPAN_KEY] = [Span(doc, start, end, label=self.label, kb_id=strings.add(name))
                                   for start, end, name in found]
            self._link_figures(doc, found)
        return doc

    def _variants(self, t: Tokens, listed, entity_info) -> list[tuple[str, int, int]]:
        """Listed matches, a variant head with its place replaced by the variant (``_variant``)."""
        result = []
        for name, start, end in listed:
            if name in self.variant_heads and end - start == 1:
                variant = self._variant(t, name, start, end, entity_info)
                if variant is not None:
                    result.append(variant)
                    continue
            result.append((name, start, end))
        return result

    def _variant(self, t: Tokens, head: str, start: int, end: int, entity_info) -> tuple[str, int, int] | None:
        """The variant of ``head`` named by a place: a country after it ("Stargate Japan", "the
        Stargate data centre in India"; not the head's home country), or a place whose variant is
        listed, after it ("the Stargate campus in Abilene") or before it ("the Abilene Stargate campus")."""
        k = end
        while k < t.n and k - end < 3 and t.lower(k) in self.variant_facilities:
            k += 1
        after = end if k == end else (k + 1 if k < t.n and t.lower(k) in {"in", "at"} else None)
        if after is not None and after < t.n:
            info = entity_info.get(after)
            if info is not None and info[1] == self.gpe:
                if self.strings[info[2]] == self.rows[head]["country"]:
                    return None
                variant = self.canonicalise(f"{head} {t.span_text(after, info[0])}")
                return (variant, start, info[0]) if variant else None
            last = self._run_after(t, after) if after > end else None
            listed = self.canonical.get(normalise_name(f"{head} {t.span_text(after, last)}")) if last else None
            if listed:
                return listed, start, last
        first = self._run_before(t, start)
        if first is not None:
            listed = self.canonical.get(normalise_name(f"{head} {t.span_text(first, start)}"))
            if listed:
                return listed, first, end
        return None

    def _cue_names(self, t: Tokens, cues, headline) -> list[tuple[str, int, int]]:
        """Names after "called", "named"... when a project noun comes shortly before in the sentence."""
        found = []
        for _, start, end in cues:
            if end >= t.n or self._headline_cased(t, start, headline):
                continue
            k, noun = start - 1, False
            while k >= 0 and start - k <= self.lookback:
                if t.lower(k) in self.project_nouns:
                    noun = True
                    break
                if t.sent_start(k) == 1:
                    break
                k -= 1
            if not noun:
                continue
            first = end
            if t.lower(first) == "the" and first + 1 < t.n and self._is_word(t, first + 1):
                first += 1
            name = self._quoted(t, first) if t.text(first) in self.quotes else None
            if name is None:
                last = self._run_after(t, first)
                if last is None or self._only_generic(t, first, last):
                    continue
                name = (first, last)
            canonical = self.canonicalise(t.span_text(*name))
            if canonical:
                found.append((canonical, name[0], name[1]))
        return found

    def _quoted(self, t: Tokens, opening: int) -> tuple[int, int] | None:
        """The tokens inside quotes opening at ``opening``, when they make a name."""
        closing = self.quotes[t.text(opening)]
        first = opening + 1
        if first >= t.n or t.space(opening) or not self._is_word(t, first):
            return None
        k = first
        while k < t.n and k - first <= MAX_QUOTED_TOKENS and t.text(k) != closing:
            if t.sent_start(k) == 1 and k > first:
                return None
            k += 1
        if k >= t.n or t.text(k) != closing or k == first or k - first > MAX_QUOTED_TOKENS:
            return None
        for j in range(first, k):
            text = t.text(j)
            if text[:1].isalpha() and not self._is_word(t, j) and t.lower(j) not in self.connectors:
                return None  # a quoted phrase of ordinary words, not a name
        return first, k

    def _trigger_names(self, t: Tokens, triggers, entity_info, inside, headline) -> list[tuple[str, int, int]]:
        found = []
        for key, start, end in triggers:
            kind = self.trigger_kinds.get(key)
            if kind is None:
                continue
            if kind == "QUOTE":
                found += self._quoted_name(t, start)
                continue
            if self._headline_cased(t, start, headline):
                continue
            if kind == "PREFIX":
                last = self._run_after(t, end)
                if last is not None and t.text(end) not in self.prefix_blocked and not self._only_generic(t, end, last):
                    canonical = self.canonicalise(t.span_text(start, last))
                    if canonical:
                        found.append((canonical, start, last))
            elif kind.startswith("SUFFIX "):
                found += self._suffix_name(t, start, end, self.suffixes[kind[7:]], entity_info, inside)
            elif kind == "DETERMINER":
                first = self._run_before(t, start)
                if first is None or first == 0 or t.lower(first - 1) != "the":
                    continue
                if self._only_generic(t, first, start) or all(inside[first:start]):
                    continue
                if any(name in t.span_text(first, start) for name in self.class_names):
                    continue  # "the UK AI Growth Zone scheme": a class names a project only as above
                name = t.span_text(first, start)
                head = t.text(start)
                listed = (self.canonical.get(normalise_name(f"{name} {head}"))  # "the Digital Europe programme"
                          or self.canonical.get(normalise_name(f"{name} {head.capitalize()}")))
                canonical = listed or self.canonicalise(name)
                if canonical:
                    found.append((canonical, first, end))
            elif kind == "CLASS":
                found += self._class_name(t, start, end, entity_info)
        return found

    def _acceptable_run(self, t: Tokens, first: int, last: int, entity_info) -> bool:
        """A run of words that can qualify a name: not only generic words, not one country, not
        a vendor's product line."""
        if self._only_generic(t, first, last):
            return False
        info = entity_info.get(first)
        if info is not None and info[0] == last and info[1] == self.gpe:
            return False  # "UK AI Growth Zone": a class in one country
        return t.span_text(first, last) not in self.generic_heads

    def _has_gpe(self, first: int, last: int, entity_info) -> bool:
        return any(info[1] == self.gpe for start, info in entity_info.items() if first <= start < last)

    def _suffix_name(self, t: Tokens, start: int, end: int, rules: tuple[bool, bool], entity_info, inside):
        needs_topic, company_only = rules
        first = self._run_before(t, start)
        if first is None or not self._acceptable_run(t, first, start, entity_info):
            return []
        if not company_only and all(inside[first:start]) and not self._has_gpe(first, start, entity_info):
            return []  # "Google Cloud Region"
        if needs_topic and not self._has_topic(t, first, end):
            return []
        canonical = self.canonicalise(t.span_text(first, end))
        return [(canonical, first, end)] if canonical else []

    def _class_name(self, t: Tokens, start: int, end: int, entity_info) -> list[tuple[str, int, int]]:
        """A class name given a place: after it ("AI Growth Zone in North East England") or by a
        designation before it ("named the North-east an AI Growth Zone")."""
        class_text = t.span_text(start, end)
        place = None
        k = end
        if k < t.n and t.lower(k) in self.place_prepositions:
            k += 1
            if k < t.n and t.lower(k) == "the":
                k += 1
            last = self._run_after(t, k) if k < t.n else None
            if last is not None:
                place, span = (k, last), (start, last)
        if place is None:
            k = start
            while k > 0 and t.lower(k - 1) in {"an", "a", "as", "the"}:
                k -= 1
            if k > 0 and t.lower(k - 1) in self.designation_words:
                first = self._run_before(t, k - 1)  # "North East England named AI Growth Zone"
                if first is not None:
                    place, span = (first, k - 1), (first, end)
            elif k < start:
                first = self._run_before(t, k)  # "named the North-east an AI Growth Zone"
                before = first - 1 if first is not None else -1
                if before >= 0 and t.lower(before) == "the":
                    before -= 1
                if first is not None and before >= 0 and t.lower(before) in self.designation_words:
                    place, span = (first, k), (first, end)
        if place is None or not self._acceptable_run(t, place[0], place[1], entity_info):
            return []
        canonical = self.canonicalise(f"{t.span_text(*place)} {class_text}")
        return [(canonical, span[0], span[1])] if canonical else []

    def _quoted_name(self, t: Tokens, opening: int) -> list[tuple[str, int, int]]:
        """A quoted name with a project noun just before or after it."""
        name = self._quoted(t, opening)
        if name is None:
            return []
        first, closing = name
        window = list(range(max(0, opening - QUOTE_NOUN_WINDOW), opening))
        window += list(range(closing + 1, min(t.n, closing + 1 + QUOTE_NOUN_WINDOW)))
        if not any(t.lower(k) in self.project_nouns for k in window):
            return []
        canonical = self.canonicalise(t.span_text(first, closing))
        return [(canonical, first, closing)] if canonical else []

    # -- figures --------------------------------------------------------------------------------
    def _link_figures(self, doc: Doc, found: list[tuple[int, int, str]]) -> None:
        """Each figure's ``project``: the nearest of its sentence, else of its paragraph (a listed
        programme or initiative only when the paragraph names no project: "Stargate UAE ... part of
        OpenAI for Countries. Its first phase of 200 MW ..."), else None."""
        found_figures = figures(doc)
        if not found_figures:
            return
        sentence_starts = numpy.flatnonzero(sent_starts(doc) == 1)
        line_breaks = doc._.line_breaks
        if line_breaks is None:
            line_breaks = find_line_breaks(doc, {})
        paragraph_starts = numpy.array(line_breaks, dtype="int64") + 1
        project_starts = [start for start, _, _ in found]
        figure_starts = [start for start, _, _ in found_figures]
        project_sentences = numpy.searchsorted(sentence_starts, project_starts, side="right").tolist()
        project_paragraphs = numpy.searchsorted(paragraph_starts, project_starts, side="right").tolist()
        figure_sentences = numpy.searchsorted(sentence_starts, figure_starts, side="right").tolist()
        figure_paragraphs = numpy.searchsorted(paragraph_starts, figure_starts, side="right").tolist()
        for (first, last, figure), sentence, paragraph in zip(
                found_figures, figure_sentences, figure_paragraphs, strict=True):
            best = None
            for (start, end, name), p_sentence, p_paragraph in zip(
                    found, project_sentences, project_paragraphs, strict=True):
                if p_paragraph != paragraph:
                    continue
                distance = start - last if start >= last else (first - end if end <= first else 0)
                elsewhere = p_sentence != sentence
                umbrella = elsewhere and self.kinds.get(name, "project") != "project"
                rank = (elsewhere, umbrella, distance, start)
                if best is None or rank < best[0]:
                    best = (rank, name)
            figure["project"] = best[1] if best else None


def longest_first(matches: list[tuple[str, int, int]]) -> list[tuple[str, int, int]]:
    """Matches without overlaps: the longest, then the first, wins."""
    kept = []
    taken: set[int] = set()
    for match in sorted(matches, key=lambda m: (m[1] - m[2], m[1])):
        _, start, end = match
        if taken.isdisjoint(range(start, end)):
            kept.append(match)
            taken.update(range(start, end))
    kept.sort(key=lambda m: m[1])
    return kept


@Language.factory(
    "tracker_projects",
    requires=["doc.ents", "token.is_sent_start", "doc.spans"],
    assigns=["doc.spans"],
    default_config={"registry_path": "projects.jsonl", "patterns_path": "project_patterns.json"},
)
def create_project_recognizer(nlp: Language, name: str, registry_path: str, patterns_path: str):
    """Registered factory: see the module docstring for the rules."""
    return ProjectRecognizer(nlp, name, registry_path, patterns_path)
