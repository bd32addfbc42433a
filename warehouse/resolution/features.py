"""Explicit features the resolver's models weigh: pure functions of frames, figures, documents.

Four sets, one per learned decision (model.py holds their weights):

- ``host``: a candidate host country of a frame (named in its sentences, paragraphs or document):
  how often and where it is named, whether it follows "in"/"to", whether it is written as an
  adjective ("Canadian") or a dateline, whether it is the home of a company the frame names
  (the investor's home is not the host).
- ``party``: a candidate principal company of a frame: named in the figure's own clause or
  inside it (a supplier), in the title, how prominent in the document.
- ``within``: two figures of one document report the same deal: same sentence or paragraph, the
  same figure repeated, companies and countries of their sentences, time and "part of" cues.
- ``cross``: two frames of different documents report the same deal (pairs.py): the same
  figures (and how rare those amounts are), a total and the parts adding up to it, figures of one
  kind that disagree, party overlap, same or conflicting host, project, date gap, deal type,
  title and text similarity.

Every feature is a number, mostly in [0, 1]; names are stable (they key the stored weights).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

from warehouse.resolution.frames import Document, Figure, company_registry

AMOUNT_TOLERANCE = 0.01  # same figure: amounts within 1 %
USD_TOLERANCE = 0.015  # ... or money in two currencies within 1.5 % in US dollars
CONVERSION_TOLERANCE = 0.06  # "€50 billion ($52 billion)": a rounded conversion in one sentence
YEAR_DAYS = 365.0
# deal types that can describe one deal: a build-out or a money programme; a partnership fits either
TYPE_FAMILIES = {
    "data_center": "build", "chip_supply": "build", "energy": "build", "sovereign_model": "build",
    "fund": "money", "investment_programme": "money", "partnership": None,
}
SUPPLIER_TYPES = {"chipmaker", "hardware"}  # registry types that sell chips and servers
# words before a country naming it as the place of spending ("in the US", "into India")
SPENDING_BEFORE = re.compile(r"\b(?:in|to|into|across|for)\s+(?:the\s+)?$", re.I)
# a sentence about a phase or a part of one build-out ("the first 200MW phase", "initial stage")
PHASE_CUE = re.compile(r"\b(?:phase|stage|first|initial|opening|tranche|starts? with|expan\w+|rest of)\b", re.I)
# a sentence reporting another deal of its own ("separately", "in a separate deal", "also signed")
OTHER_DEAL_CUE = re.compile(r"\b(?:separate(?:ly)?|also (?:signed|announced|agreed|unveiled)|in addition|meanwhile"
                            r"|another (?:deal|agreement|contract)|a second (?:deal|agreement|contract))\b", re.I)


# ---------------------------------------------------------------------------------------------
# figures
# ---------------------------------------------------------------------------------------------


def close(a: float | None, b: float | None, tolerance: float) -> bool:
    if a is None or b is None or a <= 0 or b <= 0:
        return False
    return abs(a - b) <= tolerance * max(a, b)


def same_figure(a: Figure, b: Figure) -> bool:
    """Same kind and amount within 1 % (money in the same currency, or within 1.5 % in USD)."""
    if a.kind != b.kind:
        return False
    if a.kind == "money":
        if a.currency and a.currency == b.currency:
            return close(a.amount, b.amount, AMOUNT_TOLERANCE)
        return close(a.usd, b.usd, USD_TOLERANCE)
    return close(a.amount, b.amount, AMOUNT_TOLERANCE)


def comparable(figure: Figure) -> float | None:
    """The amount to add and compare across currencies: US dollars for money."""
    return figure.usd if figure.kind == "money" else figure.amount


def is_sum_of(total: Figure, parts: list[Figure]) -> bool:
    """Whether two other figures of the same kind add up to ``total`` ("$7.3bn so far plus $7.9bn
    from 2026" and "$15.2bn")."""
    value = comparable(total)
    if value is None:
        return False
    same = [comparable(p) for p in parts if p.kind == total.kind and p is not total]
    same = [v for v in same if v is not None and v < value]
    for i, a in enumerate(same):
        for b in same[i + 1:]:
            if close(a + b, value, USD_TOLERANCE):
                return True
    return False


def adds_up(total: Figure, part: Figure, others: list[Figure]) -> bool:
    """Whether ``part`` and one or two of ``others`` add up to ``total`` (a total and its parts:
    "$15.2bn" = "$7.3bn so far" + "$7.9bn from 2026")."""
    value, first = comparable(total), comparable(part)
    if value is None or first is None or total.kind != part.kind or first >= value:
        return False
    rest = [comparable(o) for o in others if o is not part and o is not total and o.kind == total.kind]
    rest = [v for v in rest if v is not None and v < value]
    for i, second in enumerate(rest):
        if close(first + second, value, USD_TOLERANCE):
            return True
        if any(close(first + second + third, value, USD_TOLERANCE) for third in rest[i + 1:]):
            return True
    return False


def related_figure(x: Figure, y: Figure, frame_x: list[Figure], frame_y: list[Figure]) -> bool:
    """The same figure, or one is the total the other and a figure beside it add up to."""
    return same_figure(x, y) or adds_up(x, y, frame_y) or adds_up(y, x, frame_x)


def amount_bucket(figure: Figure) -> tuple | None:
    """A coarse key of a figure's amount (kind, log bucket of 2 %): for rarity counts and blocking."""
    value = comparable(figure)
    if value is None or value <= 0:
        return None
    return (figure.kind, int(math.floor(math.log(value) / math.log1p(0.02))))


def families(figures) -> set[str]:
    return {TYPE_FAMILIES.get(f.deal_type) for f in figures} - {None}


def jaccard(a: set | frozenset, b: set | frozenset) -> float:
    union = a | b
    return len(a & b) / len(union) if union else 0.0


# ---------------------------------------------------------------------------------------------
# host and party candidates of a frame
# ---------------------------------------------------------------------------------------------


def places_of_spending(doc: Document, figure: Figure) -> set[str]:
    """Countries the figure's own sentence names as where money goes or a site stands: after
    "in", "to", "into", "across", "for" ("to invest $10bn in the US", "a campus in Texas, US")."""
    if figure.sentence_start is None:
        return set()
    low, high = figure.sentence_start, figure.sentence_start + len(figure.sentence)
    found = set()
    for start, _, kind, value, _, adjective in doc.entities:
        if (kind == "country" and not adjective and low <= start < high
                and SPENDING_BEFORE.search(doc.text[max(low, start - 12):start])):
            found.add(value)
    return found


def host_candidates(doc: Document, figures: list[Figure]) -> list[tuple[str, dict]]:
    """Each country the frame's sentences, paragraphs or document name, with its host features."""
    named_in_sentence = Counter(c for f in figures for c in set(f.countries))
    in_paragraph: Counter = Counter()
    for paragraph in {f.paragraph for f in figures}:
        for country in doc.paragraph_countries.get(paragraph, ()):
            in_paragraph[country] += 1
    frame_paragraphs = {f.paragraph for f in figures}
    paragraphs = max(1, len(frame_paragraphs))
    place_in_sentence: Counter = Counter()
    for f in figures:
        if f.sentence_start is not None:
            low, high = f.sentence_start, f.sentence_start + len(f.sentence)
            place_in_sentence.update({country for start, country, _ in doc.place_spans if low <= start < high})
    place_in_paragraph: Counter = Counter()
    for paragraph in frame_paragraphs:
        place_in_paragraph.update({country for _, country, p in doc.place_spans if p == paragraph})
    places = max(1, sum(doc.places.values()))
    candidates = set(named_in_sentence) | set(in_paragraph) | set(doc.countries) | set(doc.places)
    total = max(1, sum(doc.countries.values()))
    ranking = doc.ranked("country")
    companies = {c for f in figures for c in f.sentence_companies} | set(doc.ranked("company")[:2])
    registry = company_registry()
    homes = Counter(registry.get(c, {}).get("country") for c in companies)
    top_company = doc.ranked("company")[:1]
    top_home = registry.get(top_company[0], {}).get("country") if top_company else None
    spent_in = Counter(c for f in figures for c in places_of_spending(doc, f))
    rows = []
    for country in sorted(candidates):
        count = doc.countries.get(country, 0)
        rows.append((country, {
            "in_sentence": named_in_sentence[country] / len(figures),
            "in_paragraph": in_paragraph[country] / paragraphs,
            "doc_share": count / total,
            "top_country": float(bool(ranking) and ranking[0] == country),
            "in_title": float(("country", country) in doc.in_title),
            "after_in": doc.host_cues.get(country, 0) / max(1, count),
            "adjective": doc.demonyms.get(country, 0) / max(1, count),
            "dateline": float(count > 0 and doc.datelines.get(country, 0) >= count),
            "home_of_named_company": float(homes.get(country, 0) > 0),
            "home_of_top_company": float(top_home == country),
            "first": 1.0 / (1 + ranking.index(country)) if country in ranking else 0.0,
            "only_one": float(len(candidates) == 1),
            "spent_in_sentence": spent_in[country] / len(figures),
            # named through a state, region or city (nlp/places.py): where a site stands
            "place_in_sentence": place_in_sentence[country] / len(figures),
            "place_in_paragraph": place_in_paragraph[country] / paragraphs,
            "place_share": doc.places.get(country, 0) / places,
            "place_after_in": doc.place_cues.get(country, 0) / max(1, doc.places.get(country, 0)),
            "place_only": float(count == 0),
        }))
    return rows


def party_role(company: str, figures: list[Figure]) -> str:
    """supplier (named inside a figure, or a chip maker in a chip figure's sentence), else investor
    when it leads the figure's clause, else partner."""
    registry = company_registry()
    if any(company in f.suppliers for f in figures):
        return "supplier"
    if registry.get(company, {}).get("type") in SUPPLIER_TYPES and any(f.kind == "chips" for f in figures):
        return "supplier"
    if any(f.companies and f.companies[0] == company for f in figures):
        return "investor"
    return "partner"


def party_candidates(doc: Document, figures: list[Figure]) -> list[tuple[str, str, dict]]:
    """Each company the frame's sentences or document name, with its role and party features."""
    in_clause = Counter(c for f in figures for c in set(f.companies))
    in_sentence = Counter(c for f in figures for c in set(f.sentence_companies))
    inside = Counter(c for f in figures for c in set(f.suppliers))
    in_paragraph: Counter = Counter()
    for paragraph in {f.paragraph for f in figures}:
        for company in doc.paragraph_companies.get(paragraph, ()):
            in_paragraph[company] += 1
    paragraphs = max(1, len({f.paragraph for f in figures}))
    total = max(1, sum(doc.companies.values()))
    ranking = doc.ranked("company")
    registry = company_registry()
    chips = any(f.kind == "chips" for f in figures)
    rows = []
    for company in sorted(set(doc.companies) | set(in_sentence) | set(inside)):
        kind = registry.get(company, {}).get("type")
        rank = ranking.index(company) if company in ranking else len(ranking)
        rows.append((company, party_role(company, figures), {
            "in_clause": in_clause[company] / len(figures),
            "in_sentence": in_sentence[company] / len(figures),
            "inside_figure": inside[company] / len(figures),
            "in_paragraph": in_paragraph[company] / paragraphs,
            "doc_share": doc.companies.get(company, 0) / total,
            "mentions": math.log1p(doc.companies.get(company, 0)),
            "top_company": float(rank == 0),
            "second_company": float(rank == 1),
            "first": 1.0 / (1 + rank),
            "in_title": float(("company", company) in doc.in_title),
            "supplier_type_chips": float(kind in SUPPLIER_TYPES and chips),
            "fund": float(kind == "fund"),
            "not_in_registry": float(company not in registry),
        }))
    return rows


# ---------------------------------------------------------------------------------------------
# pairs of figures
# ---------------------------------------------------------------------------------------------


def actor_kind(actor: str | None, doc: Document, figures: tuple[Figure, ...]) -> str:
    """"place" (a country), "supplier" (named inside a figure, or a chip or hardware maker), or
    "principal" (any other company or a programme)."""
    if actor in doc.countries:
        return "place"
    if any(actor in f.suppliers for f in figures) or company_registry().get(actor, {}).get("type") in SUPPLIER_TYPES:
        return "supplier"
    return "principal"


def within_features(a: Figure, b: Figure, doc: Document, others: list[Figure] = ()) -> dict:
    """Two figures of one document (module docstring, ``within``); ``others``: the document's
    figures, for totals and their parts."""
    same_sentence = a.sentence == b.sentence and a.sentence_start == b.sentence_start
    same = same_figure(a, b)
    converted = (
        same_sentence and a.kind == b.kind == "money" and a.currency != b.currency
        and close(a.usd, b.usd, CONVERSION_TOLERANCE)
    )
    companies_a, companies_b = set(a.companies), set(b.companies)
    countries_a, countries_b = set(a.countries), set(b.countries)
    family_a, family_b = families([a]), families([b])
    ratio = 0.0
    if a.kind == b.kind and not same and comparable(a) and comparable(b):
        ratio = min(1.0, abs(math.log10(comparable(a) / comparable(b))) / 3)
    paragraphs = 0.0
    if a.paragraph is not None and b.paragraph is not None:
        paragraphs = min(1.0, abs(a.paragraph - b.paragraph) / 6)
    other_amount = a.kind == b.kind and not (same or converted)
    leaders = set(doc.ranked("company")[:1])
    titled, body = (a, b) if a.in_title else (b, a)
    bigger_in_title = (
        a.in_title != b.in_title and other_amount and (comparable(titled) or 0) > (comparable(body) or 0)
    )
    explicit = a.actor is not None and b.actor is not None and not (a.actor_inherited or b.actor_inherited)
    conflict = explicit and a.actor != b.actor
    kinds = {actor_kind(a.actor, doc, (a, b)), actor_kind(b.actor, doc, (a, b))} if conflict else set()
    return {
        # whose conflict: two principals (companies, programmes) is strong evidence of two deals;
        # a supplier ("100,000 Nvidia chips") or a place ("in the UAE") beside a principal is not
        "actor_conflict_principals": float(conflict and kinds == {"principal"}),
        "actor_conflict_supplier": float(conflict and "supplier" in kinds),
        "actor_conflict_place": float(conflict and "place" in kinds and "supplier" not in kinds),
        "phase_cue": float(bool(PHASE_CUE.search(a.sentence) or PHASE_CUE.search(b.sentence))),
        "other_deal_cue": float(bool(OTHER_DEAL_CUE.search(a.sentence) or OTHER_DEAL_CUE.search(b.sentence))),
        "doc_actors": min(1.0, max(0, len(doc.actors) - 1) / 5),
        "doc_figures": min(1.0, doc.figure_count / 12),
        "doc_companies": min(1.0, len(doc.companies) / 8),
        "doc_countries": min(1.0, len(doc.countries) / 6),
        "doc_projects": min(1.0, len(doc.projects) / 3),
        "doc_lead_actor_share": (max(doc.actors.values()) / sum(doc.actors.values())) if doc.actors else 1.0,
        "adds_up": float(adds_up(a, b, list(others)) or adds_up(b, a, list(others))),
        "actor_same": float(a.actor is not None and a.actor == b.actor),
        "actor_conflict": float(explicit and a.actor != b.actor),
        "actor_conflict_inherited": float(not explicit and a.actor is not None and b.actor is not None
                                          and a.actor != b.actor),
        "actor_missing": float(a.actor is None or b.actor is None),
        "same_sentence_money_other": float(same_sentence and other_amount and a.kind == "money"),
        "same_sentence_capacity_other": float(same_sentence and other_amount and a.kind != "money"),
        "part_whole_cue": float(a.part_whole or b.part_whole),
        "one_names_companies": float(bool(companies_a) != bool(companies_b)),
        "both_lead_company": float(bool(leaders) and leaders <= companies_a and leaders <= companies_b),
        "one_without_lead_company": float(bool(leaders) and bool(companies_a or companies_b)
                                          and (leaders <= companies_a) != (leaders <= companies_b)),
        "bigger_in_title": float(bool(bigger_in_title)),
        "same_sentence": float(same_sentence),
        "same_paragraph": float(a.paragraph == b.paragraph),
        "paragraph_distance": paragraphs,
        "one_in_title": float(a.in_title != b.in_title),
        "same_figure": float(same or converted),
        "same_kind_other_amount": float(a.kind == b.kind and not (same or converted)),
        "amount_ratio": ratio,
        "companies_overlap": jaccard(companies_a, companies_b),
        "companies_conflict": float(bool(companies_a) and bool(companies_b) and not companies_a & companies_b),
        "countries_conflict": float(bool(countries_a) and bool(countries_b) and not countries_a & countries_b),
        "type_conflict": float(bool(family_a) and bool(family_b) and not family_a & family_b),
        "one_past": float(a.past != b.past),
        "one_part_of": float(a.part_of or b.part_of),
        "one_compared": float(a.compared or b.compared),
        "project_conflict": float(bool(a.project) and bool(b.project) and a.project != b.project),
        "project_same": float(bool(a.project) and a.project == b.project),
    }


@dataclass
class Corpus:
    """Counts over the documents being resolved: how rare a word or an amount is."""

    documents: int = 0
    word_docs: Counter = field(default_factory=Counter)
    amount_docs: Counter = field(default_factory=Counter)
    vectors: dict = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, docs: dict[str, Document], figures: list[Figure]) -> Corpus:
        corpus = cls(documents=len(docs))
        for doc in docs.values():
            corpus.word_docs.update(set(doc.words) | set(doc.names))
        seen = set()
        for figure in figures:
            key = amount_bucket(figure)
            if key is not None and (figure.doc_id, key) not in seen:
                seen.add((figure.doc_id, key))
                corpus.amount_docs[key] += 1
        return corpus

    def idf(self, word: str) -> float:
        return math.log((1 + self.documents) / (1 + self.word_docs.get(word, 0))) + 1.0

    def amount_rarity(self, figure: Figure) -> float:
        """1 for an amount only one document gives, towards 0 for one most documents give."""
        key = amount_bucket(figure)
        if key is None or self.documents <= 1:
            return 0.0
        count = max(1, self.amount_docs.get(key, 1))
        return max(0.0, 1.0 - math.log(count) / math.log(max(2, self.documents)))

    def vector(self, key, counts: Counter) -> dict[str, float]:
        """Unit-length tf-idf weights of a bag of words, cached under ``key``."""
        cached = self.vectors.get(key)
        if cached is None:
            weights = {w: n * self.idf(w) for w, n in counts.items()}
            # fsum: exact, so the norm does not depend on the order the words were counted in (a
            # frame's words come from a set of sentences, whose order varies with the hash seed)
            norm = math.sqrt(math.fsum(v * v for v in weights.values())) or 1.0
            cached = self.vectors[key] = {w: v / norm for w, v in weights.items()}
        return cached

    def cosine(self, a: Counter, b: Counter, keys: tuple | None = None) -> float:
        if not a or not b:
            return 0.0
        va = self.vector(keys[0] if keys else id(a), a) if keys else self.vector(("tmp", id(a)), a)
        vb = self.vector(keys[1] if keys else id(b), b) if keys else self.vector(("tmp", id(b)), b)
        if not keys:
            self.vectors.pop(("tmp", id(a)), None)
            self.vectors.pop(("tmp", id(b)), None)
        # the shorter vector's words looked up in the longer one; fsum rounds exactly, so the
        # order of the terms cannot change the result
        small, big = (va, vb) if len(va) <= len(vb) else (vb, va)
        return math.fsum([v * big[w] for w, v in small.items() if w in big])
