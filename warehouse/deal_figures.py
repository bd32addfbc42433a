"""The figures the deal clustering reads: each commitment with its links (its own and borrowed
countries and companies, its tier), the document contexts, revisions, and when two figures are
the same. Step 1 of the clustering that warehouse/deals.py describes."""

from __future__ import annotations

import bisect
import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache
from itertools import pairwise

import pycountry

from nlp.places import find_places, project_hosts
from warehouse.resolution.features import AMOUNT_TOLERANCE, USD_TOLERANCE

WINDOW_DAYS = 45
LONG_WINDOW_DAYS = 183  # a deal reported again with the same figure, same country, no new company
REVISION_WINDOW_DAYS = 3 * 366  # a sentence revising a deal's figure ("from $600bn to $1tn") finds it
MIN_JACCARD = 0.5
SUBORDINATE_RATIO = 3  # a company named a third as often as another in a shared sentence is its object
KNOWN_SHARE = 0.5  # a deal of several reports is known by the names at least half of them give (Deal.known)
STATED_KINDS = ("money", "chips")  # two reports of one deal state the same (warehouse/deal_clustering.py disagrees)
TITLE_COMPANIES = 3
TIER_S, TIER_M, TIER_W = 0, 1, 2
TIER_VOTES = {TIER_S: 3, TIER_M: 2, TIER_W: 0}
# Deal types that can describe one deal: a build-out (data centres, chips, power, models) or a
# money programme (funds, investment programmes); a partnership fits either.
TYPE_FAMILIES = {
    "data_center": "build", "chip_supply": "build", "energy": "build", "sovereign_model": "build",
    "fund": "money", "investment_programme": "money", "partnership": None,
}


@dataclass
class Figure:
    """One commitment with the links the clustering reads (module docstring, step 1)."""

    commitment_id: str
    doc_id: str
    reported_on: date
    kind: str
    amount: float | None
    currency: str | None = None
    usd: float | None = None
    start: int = 0
    end: int = 0
    sentence: str = ""
    paragraph: int | None = None
    clause: int = 0  # clauses of a sentence are separated by semicolons
    in_title: bool = False
    deal_type: str | None = None
    project: str | None = None  # the named project of its sentence or paragraph (commitments.project)
    own_countries: tuple[str, ...] = ()
    own_companies: tuple[str, ...] = ()
    weak_countries: tuple[str, ...] = ()  # borrowed from the paragraph or title
    sited: tuple[str, ...] = ()  # countries of the states, regions and cities its sentence names (nlp/places.py)
    text_placed: bool = False  # anchored by the places its document names, naming no country (place_unplaced)
    described: tuple[str, ...] = ()  # own countries named only as a company's nationality ("US chipmaker Nvidia")
    converts: str | None = None  # the currency of the figure it converts: "RM25.5bn (S$7.7bn)": MYR
    weak_companies: tuple[str, ...] = ()  # borrowed, or named inside the figure (supplier)
    brands: tuple[str, ...] = ()  # the companies named inside the figure ("60,000 Nvidia GPUs"): its supplier
    trailing: bool = False  # its own companies all come after it in its sentence ("1GW, built with X")
    restated: bool = False  # an earlier figure the sentence revises ("from $600bn to $1tn": $600bn)
    revises: str | None = None  # the commitment_id of the earlier figure this one replaces
    tier: int = TIER_W
    anchor: str | None = None
    keys: list | None = field(default=None, repr=False, compare=False)  # figure_keys, computed once
    lookups: list | None = field(default=None, repr=False, compare=False)


@dataclass
class DocContext:
    """What a document names, for anchors, company checks and titles."""

    countries: Counter = field(default_factory=Counter)  # mentions per country
    datelines: Counter = field(default_factory=Counter)  # of which datelines (ABU DHABI, May 15 -)
    companies: Counter = field(default_factory=Counter)
    first: dict = field(default_factory=dict)  # (kind, value) -> first offset
    paragraph_countries: dict = field(default_factory=dict)  # paragraph_no -> Counter
    title_words: frozenset = frozenset()  # what deal_linking.py compares of two deals' titles

    @cached_property
    def primary(self) -> str | None:
        """The main country: most mentions, a dateline not counted (it says where the story was filed).
        Read once the context is complete (it is kept)."""
        if not self.countries:
            return None
        return min(
            self.countries,
            key=lambda c: (-(self.countries[c] - self.datelines[c]), -self.countries[c],
                           self.first.get(("country", c), 1 << 30), c),
        )

    def rank(self, kind: str, value: str) -> tuple:
        counts = self.countries if kind == "country" else self.companies
        return (-counts.get(value, 0), self.first.get((kind, value), 1 << 30), value)


NO_CONTEXT = DocContext()  # of a document naming nothing (read only)
_NO_COUNTS: Counter = Counter()  # read only


# ---------------------------------------------------------------------------------------------
# Step 1: the links of each figure
# ---------------------------------------------------------------------------------------------


Mention = tuple  # (kind, value, start_char): a country or company mention of a figure's sentence
_LINE_BREAK = re.compile("\n")  # paragraphs of an analysed text are its lines


def document_contexts(mentions: list[dict]) -> dict[str, DocContext]:
    """What each document names, from its mentions (rows as deal_mentions.sql gives them)."""
    contexts: dict[str, DocContext] = {}
    for m in mentions:
        ctx = contexts.get(m["doc_id"])
        if ctx is None:
            ctx = contexts[m["doc_id"]] = DocContext()
        key = (m["kind"], m["value"])
        ctx.first[key] = min(ctx.first.get(key, m["start_char"]), m["start_char"])
        if m["kind"] == "country":
            ctx.countries[m["value"]] += 1
            if is_dateline(m.get("surface")):
                ctx.datelines[m["value"]] += 1
            paragraph = ctx.paragraph_countries.get(m["paragraph_no"])
            if paragraph is None:
                paragraph = ctx.paragraph_countries[m["paragraph_no"]] = Counter()
            paragraph[m["value"]] += 1
        elif m["kind"] == "company":
            ctx.companies[m["value"]] += 1
    return contexts


def count_contexts(counts: Iterable[tuple], breaks: dict[str, list[int]]) -> dict[str, DocContext]:
    """``document_contexts`` from the mentions summed up per document, kind, value and surface
    (deal_document_mentions.sql rows as tuples: doc_id, kind, value, surface, mentions, first
    offset, a country's offsets), each country mention placed in its paragraph by its document's
    line breaks (``line_breaks``)."""
    contexts: dict[str, DocContext] = {}
    datelines: dict[str | None, bool] = {}
    for doc_id, kind, value, surface, mentions, first, starts in counts:
        ctx = contexts.get(doc_id)
        if ctx is None:
            ctx = contexts[doc_id] = DocContext()
        key = (kind, value)
        known = ctx.first.get(key)
        if known is None or first < known:
            ctx.first[key] = first
        if kind == "country":
            ctx.countries[value] += mentions
            dateline = datelines.get(surface)
            if dateline is None:
                dateline = datelines[surface] = is_dateline(surface)
            if dateline:
                ctx.datelines[value] += mentions
            offsets = breaks.get(doc_id, ())
            for start in starts:
                paragraph_no = None if start is None else bisect.bisect_left(offsets, start)
                paragraph = ctx.paragraph_countries.get(paragraph_no)
                if paragraph is None:
                    paragraph = ctx.paragraph_countries[paragraph_no] = Counter()
                paragraph[value] += 1
        elif kind == "company":
            ctx.companies[value] += mentions
    return contexts


def sentence_mentions(mentions: list[dict]) -> dict[tuple[str, str], list[Mention]]:
    """The mentions of each sentence, ``(doc_id, sentence) -> [(kind, value, start_char)]``, from
    mention rows (deal_mentions.sql)."""
    found: dict[tuple[str, str], list[Mention]] = {}
    for m in mentions:
        found.setdefault((m["doc_id"], m["sentence"]), []).append((m["kind"], m["value"], m["start_char"]))
    return found


def line_breaks(text: str) -> list[int]:
    """Offsets of the line breaks of an analysed text: an offset's paragraph_no is how many come
    before it (deal_mentions.sql counts the same way)."""
    return [match.start() for match in _LINE_BREAK.finditer(text)]


def place_figures(rows: list[dict], title_end: int, text: str, breaks: list[int]) -> None:
    """Add where each figure row of one document sits in its analysed text ``text`` (title first,
    ending at ``title_end``; ``breaks``: its line breaks): ``sentence_start``, where the row's
    sentence is found searching from its length before the figure (None: not found; the same
    sentence can occur twice, and only its occurrence around the figure counts), ``in_title`` and
    ``paragraph_no`` (deal_figures.sql tells what is left to this function)."""
    for row in rows:
        start, sentence = row["start_char"], row["sentence"]
        found = None
        if start is not None and sentence is not None:
            since = max(start - len(sentence), 0)
            at = text.find(sentence, since) if sentence else since  # SQL's strpos finds '' at once
            found = at if at >= 0 else None
        row["sentence_start"] = found
        row["in_title"] = start is not None and start < title_end
        row["paragraph_no"] = None if start is None else bisect.bisect_left(breaks, start)


def is_dateline(surface: str | None) -> bool:
    """A place written in capitals (PARIS, ABU DHABI): a news dateline; UAE, US, UK are not."""
    letters = [c for c in surface or "" if c.isalpha()]
    return len(letters) >= 4 and all(c.isupper() for c in letters)


def _sentence_companies(
    figures: list[Figure], mentions: list[Mention], clause_of=lambda offset: 0
) -> dict[str, tuple[set, set, bool]]:
    """Own and supplier companies of each figure of one sentence (module docstring, step 1), and
    whether its own companies all come after it.

    A company goes with the figures after it until the next company, within its clause; companies
    after a clause's last figure go with that figure; a company inside a figure is its supplier.
    """
    if not mentions:  # no company in the sentence
        return {f.commitment_id: (set(), set(), False) for f in figures}
    figures = sorted(figures, key=lambda f: (f.start, f.commitment_id))
    own: dict[str, set] = {f.commitment_id: set() for f in figures}
    supplier: dict[str, set] = {f.commitment_id: set() for f in figures}
    free = []
    for m in mentions:
        inside = next((f for f in figures if f.start <= m[2] < max(f.end, f.start + 1)), None)
        if inside is not None:
            supplier[inside.commitment_id].add(m[1])
        else:
            free.append(m)
    previous: set = set()
    trailing: dict[str, bool] = {}
    for index, figure in enumerate(figures):
        same_clause = index and figures[index - 1].clause == figure.clause
        low = figures[index - 1].end if same_clause else -1
        before = {
            m[1] for m in free
            if low <= m[2] < figure.start and clause_of(m[2]) == figure.clause
        }
        own[figure.commitment_id] = before or (set(previous) if same_clause else set())
        previous = own[figure.commitment_id]
        last_in_clause = index == len(figures) - 1 or figures[index + 1].clause != figure.clause
        after: set = set()
        if last_in_clause:
            after = {
                m[1] for m in free
                if m[2] >= figure.end and clause_of(m[2]) == figure.clause
            }
            own[figure.commitment_id] |= after
        trailing[figure.commitment_id] = bool(after) and own[figure.commitment_id] == after
    return {cid: (own[cid], supplier[cid], trailing[cid]) for cid in own}


SHARED_CURRENCIES = {"USD", "EUR", "XAF", "XOF", "XCD", "XPF", "XDR"}  # used in many countries


def is_round(amount: float | None) -> bool:
    """One significant digit ("200 MW", "1 GW", "$10bn"): amounts many deals share by chance,
    unlike "$15.2bn" or "18,000 chips"."""
    if not amount or amount <= 0:
        return True
    scale = 10 ** math.floor(math.log10(amount))
    return abs(amount / scale - round(amount / scale)) < 1e-6


def currency_country(figure: Figure) -> str | None:
    """The country of a money figure's national currency (ISO 4217 codes start with the ISO 3166
    code: THB Thailand, INR India, GBP the United Kingdom); None for dollars, euros and the other
    currencies of many countries, and for codes of no country (XAU, gold)."""
    code = (figure.converts or figure.currency) if figure.kind == "money" else None
    if not code or len(code) != 3 or code in SHARED_CURRENCIES:
        return None
    return code[:2] if is_country_code(code[:2]) else None


# the countries whose currency is the euro (2026): euros are spent in one of them
EURO_AREA = frozenset(
    "AT BE BG CY DE EE ES FI FR GR HR IE IT LT LU LV MT NL PT SI SK".split()
)


def euro_places(figure: Figure, ctx: DocContext, pool: list[str]) -> list[str]:
    """For a figure in euros, the euro-area countries of ``pool``, else the one euro-area country
    its document names (if only one): "MGX will put EUR 50bn into the campus", in a story that names
    the UAE fund's home and France, is spent in France. Otherwise, and for other money, ``pool``."""
    if figure.kind != "money" or figure.currency != "EUR":
        return pool
    inside = [c for c in pool if c in EURO_AREA]
    if inside:
        return inside
    named = [c for c in ctx.countries if c in EURO_AREA]
    return named if len(named) == 1 else pool


@lru_cache(maxsize=512)
def is_country_code(code: str) -> bool:
    return pycountry.countries.get(alpha_2=code) is not None


def choose_anchor(figure: Figure, ctx: DocContext) -> str | None:
    """The host country of a figure (module docstring, step 1)."""
    home = currency_country(figure)
    if home is not None and ctx.countries.get(home):
        return home
    sited = figure.sited
    if len(sited) == 1:
        return sited[0]
    own = [c for c in figure.own_countries if c not in figure.described]
    pool = own or [c for c in figure.weak_countries if c not in figure.described]
    if not pool and home is not None:
        return home  # no country named around it: rupees are still spent in India
    primary = ctx.primary
    paragraph = ctx.paragraph_countries.get(figure.paragraph, _NO_COUNTS)
    # the document's main country competes when the sentence names several countries (investors
    # and hosts) or none, and the paragraph names it; "$1bn in Kenya" stays in Kenya
    if primary is not None and primary not in pool and (
        not pool or (paragraph.get(primary) and len(own) != 1)
    ):
        pool.append(primary)
    pool = euro_places(figure, ctx, pool)
    if not pool:
        return None
    return min(pool, key=lambda c: (
        -paragraph.get(c, 0), -ctx.countries.get(c, 0), ctx.first.get(("country", c), 1 << 30), c
    ))


def unplaced_documents(figures: list[Figure], contexts: dict[str, DocContext]) -> list[str]:
    """The documents naming no country at all that have a figure without anchor, sorted."""
    return sorted({f.doc_id for f in figures
                   if f.anchor is None and contexts.get(f.doc_id, NO_CONTEXT).primary is None})


def place_unplaced(figures: list[Figure], texts: dict[str, str], contexts: dict[str, DocContext]) -> None:
    """Anchor the figures without anchor of the documents ``texts`` holds (those naming no
    country at all: ``unplaced_documents``; a local report on "a campus in Saline Township,
    Michigan") in the country of the states, regions and cities their text names (nlp/places.py),
    and of the listed projects its figures belong to ("IndiaAI Mission": India, nlp/data/projects.jsonl),
    when those all lie in one country; a place opening the name of a company the document names
    ("Texas Instruments") is the company's, not a site, as in ``sentence_places``."""
    hosts = project_hosts()
    projects: dict[str, set[str]] = {}
    for figure in figures:
        if figure.doc_id in texts and figure.project in hosts:
            projects.setdefault(figure.doc_id, set()).add(hosts[figure.project])
    found: dict[str, str] = {}
    for doc_id, text in texts.items():
        text = text or ""
        companies = contexts.get(doc_id, NO_CONTEXT).companies
        countries = {country for at, _, name, country in find_places(text, world=True)
                     if not any(c.startswith(name) and text.startswith(c, at) for c in companies)}
        countries |= projects.get(doc_id, set())
        if len(countries) == 1:
            found[doc_id] = countries.pop()
    for figure in figures:
        if figure.anchor is None and figure.doc_id in found:
            figure.anchor = found[figure.doc_id]
            figure.text_placed = True


def attribute_figures(figure_rows: list[dict], mention_rows: list[dict], texts: dict[str, str] | None = None
                      ) -> tuple[list[Figure], dict[str, DocContext]]:
    """Figures with their own and weak links, tiers and anchors, in report order, and the document
    contexts, from rows as deal_figures.sql (placed: ``place_figures``) and deal_mentions.sql give
    them; ``texts``: the analysed texts by doc_id (deal_documents.sql), to place the figures of
    documents naming no country (``place_unplaced``)."""
    contexts = document_contexts(mention_rows)
    figures = link_figures(figure_rows, contexts, sentence_mentions(mention_rows))
    if texts:
        place_unplaced(figures, {doc_id: texts[doc_id] for doc_id in unplaced_documents(figures, contexts)
                                 if doc_id in texts}, contexts)
    return figures, contexts


def link_figures(
    figure_rows: list[dict], contexts: dict[str, DocContext], by_sentence: dict[tuple[str, str], list[Mention]]
) -> list[Figure]:
    """Figures with their own and weak links, tiers and anchors, in report order, from placed
    figure rows, the document contexts and the mentions of each sentence (``sentence_mentions``)."""
    figures = [_figure(row) for row in figure_rows]
    links = [(row["link_scope"], row["countries"], row["companies"], row.get("sentence_start")) for row in figure_rows]
    return link_placed(figures, links, contexts, by_sentence)


def figures_of_columns(columns: dict[str, list], sentence_starts: list, in_title: list, paragraphs: list
                       ) -> tuple[list[Figure], list[tuple]]:
    """``link_figures``'s first step for figure rows given by columns (deal_figures.sql read as
    Arrow, each column a list) and placed (``place_columns``): the figures as ``_figure`` makes
    them, and each one's (link_scope, countries, companies, sentence_start) for ``link_placed``."""
    amounts = {"money": columns["value"], "power": columns["mw"], "chips": columns["chip_count"]}
    figures = []
    append = figures.append
    for i, (commitment_id, doc_id, reported_on, kind, start, end, sentence) in enumerate(zip(
            columns["commitment_id"], columns["doc_id"], columns["reported_on"], columns["kind"],
            columns["start_char"], columns["end_char"], columns["sentence"], strict=True)):
        amount = amounts[kind][i] if kind in amounts else None
        append(Figure(
            commitment_id=commitment_id,
            doc_id=doc_id,
            reported_on=reported_on,
            kind=kind,
            amount=float(amount) if amount is not None else None,
            currency=columns["currency"][i],
            usd=columns["value_usd"][i],
            start=start if start is not None else 1 << 30,
            end=end if end is not None else (start if start is not None else 1 << 30),
            sentence=sentence or "",
            paragraph=paragraphs[i],
            in_title=in_title[i],
            deal_type=columns["deal_type"][i],
            project=columns["project"][i],
        ))
    links = list(zip(columns["link_scope"], columns["countries"], columns["companies"], sentence_starts, strict=True))
    return figures, links


def place_columns(rows: list[int], starts: list, sentences: list, title_end: int, text: str, breaks: list[int],
                  sentence_starts: list, in_title: list, paragraphs: list) -> None:
    """``place_figures`` for the figure rows ``rows`` of one document given by columns (``starts``:
    start_char, ``sentences``: sentence), written at their indexes into ``sentence_starts``,
    ``in_title`` and ``paragraphs``."""
    for i in rows:
        start, sentence = starts[i], sentences[i]
        found = None
        if start is not None and sentence is not None:
            since = max(start - len(sentence), 0)
            at = text.find(sentence, since) if sentence else since  # SQL's strpos finds '' at once
            found = at if at >= 0 else None
        sentence_starts[i] = found
        in_title[i] = start is not None and start < title_end
        paragraphs[i] = None if start is None else bisect.bisect_left(breaks, start)


def link_placed(
    figures: list[Figure], links: list[tuple], contexts: dict[str, DocContext],
    by_sentence: dict[tuple[str, str], list[Mention]],
) -> list[Figure]:
    """``link_figures`` of figures already made (``_figure``) with each one's (link_scope,
    countries, companies, sentence_start)."""
    groups: dict[tuple[str, str], list[tuple[Figure, tuple]]] = {}
    for figure, link in zip(figures, links, strict=True):
        key = (figure.doc_id, figure.sentence)
        group = groups.get(key)
        if group is None:
            groups[key] = [(figure, link)]
        else:
            group.append((figure, link))
    for (doc_id, sentence), pairs in groups.items():
        group = [figure for figure, _ in pairs]
        mentions = by_sentence.get((doc_id, sentence), []) if sentence else []
        start = pairs[0][1][3]
        boundaries: list[int] = []
        if start is not None:  # the occurrence of the sentence that holds the figures
            end = start + len(sentence)
            mentions = [m for m in mentions if start <= m[2] < end]
            if ";" in sentence:
                boundaries = [start + i for i, char in enumerate(sentence) if char == ";"]

        def clause_of(offset: int, boundaries=boundaries) -> int:
            return bisect.bisect_right(boundaries, offset) if boundaries else 0

        for figure in group:
            figure.clause = clause_of(figure.start)
        if start is not None and len(group) > 1:
            mark_conversions(group, sentence, start)
            mark_revisions(group, sentence, start)
        company_mentions = [m for m in mentions if m[0] == "company"]
        sentence_countries = {m[1] for m in mentions if m[0] == "country"}
        sited = sentence_places(sentence, start, company_mentions)
        described = nationalities(sentence, start, [m for m in mentions if m[0] == "country"],
                                  {m[2] for m in mentions if m[0] in ("company", "project")})
        companies = _sentence_companies(group, company_mentions, clause_of)
        ctx = contexts.get(doc_id, NO_CONTEXT)
        for figure, (link_scope, row_countries, row_companies, _) in pairs:
            trusted = link_scope in (None, "sentence")  # the extractor's lists are the sentence's
            own_companies, suppliers, figure.trailing = companies[figure.commitment_id]
            own_countries = set(sentence_countries)
            if trusted and not mentions:
                own_countries |= set(row_countries or ())
                own_companies |= set(row_companies or ())
            figure.own_countries = tuple(sorted(own_countries))
            figure.own_companies = tuple(sorted(own_companies))
            figure.weak_countries = tuple(sorted(set(row_countries or ()) - own_countries))
            figure.weak_companies = tuple(sorted((set(row_companies or ()) | suppliers) - own_companies))
            figure.brands = tuple(sorted(suppliers))
            figure.sited = sited
            figure.described = described
            has_own = bool(own_countries or own_companies)
            if figure.in_title or (len(group) > 1 and has_own):
                figure.tier = TIER_M
            elif has_own:
                figure.tier = TIER_S
            else:
                figure.tier = TIER_W
            figure.anchor = choose_anchor(figure, ctx)
    return figures


# what stands between an amount and its conversion: "RM25.5 billion (S$7.7 billion)",
# "$15bn, or about Rs 1.25 lakh crore"
_CONVERSION_BETWEEN = re.compile(
    r"^\s*(?:\(|,\s*or|or)\s*(?:about|around|roughly|some|nearly|almost|approximately|~)?\s*$", re.I)


def mark_conversions(group: list[Figure], sentence: str, start: int) -> None:
    """Mark each money figure of a sentence that converts the one just before it into another
    currency (``Figure.converts``): the same money, spent where the first currency says."""
    money = sorted((f for f in group if f.kind == "money" and f.currency), key=lambda f: f.start)
    for first, second in pairwise(money):
        if (first.currency != second.currency and first.usd and second.usd
                and abs(first.usd - second.usd) <= 0.15 * max(first.usd, second.usd)
                and _CONVERSION_BETWEEN.match(sentence[first.end - start:second.start - start])):
            second.converts = first.converts or first.currency


# a place named as a company's home, not a site: "a start-up from San Francisco", "based in
# Austin", "the San Francisco-based firm"
_HOME_BEFORE = re.compile(r"\b(?:(?:based|headquartered)\s+in|from)\s+(?:the\s+)?$", re.I)
_HOME_AFTER = re.compile(r"[\s-]based\b|[\s-]headquartered\b", re.I)


def sentence_places(sentence: str, start: int | None, company_mentions: list[Mention]) -> tuple[str, ...]:
    """The countries of the states, regions and cities a sentence names (nlp/places.py), sorted;
    a place opening a company's mention ("Beijing Haoyang") is the company's name, and one named
    as a company's home ("a start-up from San Francisco", "Austin-based"), not a site."""
    if not sentence:
        return ()
    found = find_places(sentence, world=True)
    if not found:
        return ()
    taken = {m[2] - start for m in company_mentions} if start is not None else set()
    return tuple(sorted({country for at, end, _, country in found
                         if at not in taken and not _HOME_BEFORE.search(sentence[max(0, at - 24):at])
                         and not _HOME_AFTER.match(sentence, end)}))


# a country naming a company's nationality, read from where the country is named: "US chipmaker
# Nvidia", "British start-up Nscale", "Canadian investment firm Brookfield" (the country's words, at
# most two words more, a company noun, then a capitalised name)
_NATIONALITY = re.compile(
    r"[A-Z][\w.\-]*(?:\s+[A-Z][\w.\-]*){0,2}?\s+(?:[a-z][a-z\-]*\s+){0,2}?"
    r"(?:chip ?maker|company|firm|giant|group|operator|start-?up|provider|developer|conglomerate|carrier|maker"
    r"|hyperscaler|lab|investor|fund|utility|builder|designer|manufacturer|multinational)s?\s+[A-Z]"
)


# the same after a company's name, as an apposition: "MGX, the Emirati state-backed fund",
# "Nscale, a British start-up" (the name, a comma, an article, then as above without the name)
_APPOSITION_BEFORE = re.compile(r"[A-Z][\w&.\-]*,\s+(?:the|an?)\s+$")
_APPOSITION = re.compile(
    r"[A-Z][\w.\-]*(?:\s+[A-Z][\w.\-]*){0,2}?\s+(?:[a-z][a-z\-]*\s+){0,3}?"
    r"(?:chip ?maker|company|firm|giant|group|operator|start-?up|provider|developer|conglomerate|carrier|maker"
    r"|hyperscaler|lab|investor|fund|utility|builder|designer|manufacturer|multinational|vehicle)s?\b"
)


# a country naming who must approve, not where the money goes: "needs approval from US
# regulators", "subject to US export licences"
_OVERSIGHT = re.compile(
    r"[A-Z][\w.\-]*(?:\s+[A-Z][\w.\-]*){0,2}?\s+(?:federal\s+|government\s+|trade\s+)?"
    r"(?:regulators?|officials?|lawmakers|authorities|approvals?|export\s+(?:controls?|licen[cs]es?|rules?|curbs?))\b"
)
_POSSESSIVE = re.compile(r"(?:the\s+)?[A-Z][\w.\-]*(?:\s+[A-Z][\w.\-]*){0,2}?['\u2019]s\s+")


def _describes(sentence: str, offset: int, start: int, company_starts: set[int]) -> bool:
    """Whether the country named at ``offset`` of the sentence says whose, or who approves (the
    cheap tests first)."""
    if _NATIONALITY.match(sentence, offset) or _OVERSIGHT.match(sentence, offset):
        return True
    before = sentence[max(0, offset - 60):offset]
    if _HOME_BEFORE.search(before[-24:]) or (_APPOSITION_BEFORE.search(before) and _APPOSITION.match(sentence, offset)):
        return True
    owner = _POSSESSIVE.match(sentence, offset) if company_starts else None
    return owner is not None and start + owner.end() in company_starts


def nationalities(sentence: str, start: int | None, country_mentions: list[Mention],
                  company_starts: set[int] = frozenset()) -> tuple[str, ...]:
    """The countries a sentence names only as a company's nationality ("US chipmaker Nvidia",
    "MGX, the Emirati fund", "Japan's SoftBank", "America's Stargate": a possessive before a
    company's or project's mention, ``company_starts``): no evidence of where the money goes. Sorted."""
    if start is None or not sentence:
        return ()
    described, other = set(), set()
    for _, country, at in country_mentions:
        offset = at - start
        named = 0 <= offset < len(sentence) and _describes(sentence, offset, start, company_starts)
        (described if named else other).add(country)
    return tuple(sorted(described - other))


# "from $600 billion to nearly $1 trillion", "to 1GW, up from 200MW": the sentence itself says
# which figure replaced which
_FROM_BEFORE = re.compile(r"\bfrom\s+(?:about\s+|around\s+|roughly\s+|some\s+|an?\s+(?:earlier|initial)\s+)?$", re.I)
_TO_BETWEEN = re.compile(r"^\s*(?:[\w-]+\s+){0,4}?to\s+(?:\w+\s+){0,3}$", re.I)
_UP_FROM_BETWEEN = re.compile(
    r"\b(?:up|down|rising|falling|raised|increased|cut)\s+from\s+"
    r"(?:about\s+|around\s+|roughly\s+|some\s+|an?\s+(?:earlier|initial)\s+)?$",
    re.I,
)
REVISION_GAP = 80  # characters at most between the two figures of a revision


def mark_revisions(group: list[Figure], sentence: str, sentence_start: int) -> None:
    """Mark the figures of one sentence that state a revision of the same kind: "raise its
    investment from $600 billion to nearly $1 trillion", "1GW, up from 200MW". The earlier figure
    is ``restated`` (it names the deal it revises, however long ago that deal was reported) and
    the later one ``revises`` it (it goes to that deal)."""
    ordered = sorted(group, key=lambda f: f.start)
    for first, second in pairwise(ordered):
        if first.kind != second.kind or first.clause != second.clause:
            continue
        before = sentence[max(0, first.start - sentence_start - 40): max(0, first.start - sentence_start)]
        between = sentence[first.end - sentence_start: second.start - sentence_start]
        if len(between) > REVISION_GAP:
            continue
        if _FROM_BEFORE.search(before) and _TO_BETWEEN.match(between):
            old, new = first, second
        elif _UP_FROM_BETWEEN.search(between):
            old, new = second, first
        else:
            continue
        old.restated = True
        new.revises = old.commitment_id


def _figure(row: dict) -> Figure:
    kind = row["kind"]
    amount = {"money": row.get("value"), "power": row.get("mw"), "chips": row.get("chip_count")}.get(kind)
    start = row.get("start_char")
    end = row.get("end_char")
    return Figure(
        commitment_id=row["commitment_id"],
        doc_id=row["doc_id"],
        reported_on=row["reported_on"],
        kind=kind,
        amount=float(amount) if amount is not None else None,
        currency=row.get("currency"),
        usd=row.get("value_usd"),
        start=start if start is not None else 1 << 30,
        end=end if end is not None else (start if start is not None else 1 << 30),
        sentence=row.get("sentence") or "",
        paragraph=row.get("paragraph_no"),
        in_title=bool(row.get("in_title")),
        deal_type=row.get("deal_type"),
        project=row.get("project"),
    )


# ---------------------------------------------------------------------------------------------
# Steps 2 and 3: same figures, the join test, the three passes
# ---------------------------------------------------------------------------------------------


# same_figure (step 2) is the learned resolver's, imported above: both resolvers call two
# figures the same one by the same test.


def _bucket(amount: float | None, tolerance: float) -> int | None:
    if amount is None or amount <= 0:
        return None
    return int(math.floor(math.log(amount) / math.log1p(tolerance)))


def figure_keys(figure: Figure) -> list[tuple]:
    """Index keys of a figure: its kind, unit and amount bucket (buckets are as wide as the
    tolerance of same_figure, so a match is in the same or a neighbouring bucket)."""
    if figure.keys is not None:
        return figure.keys
    keys = []
    unit = figure.currency if figure.kind == "money" else figure.kind
    bucket = _bucket(figure.amount, AMOUNT_TOLERANCE)
    if bucket is not None:
        keys.append((figure.kind, unit, bucket))
    if figure.kind == "money":
        usd = _bucket(figure.usd, USD_TOLERANCE)
        if usd is not None:
            keys.append(("money", "USD*", usd))
    figure.keys = keys
    return keys


def lookup_keys(figure: Figure) -> list[tuple]:
    """The keys under which a figure the same as this one can be indexed."""
    if figure.lookups is None:
        figure.lookups = [
            (kind, unit, bucket + step) for kind, unit, bucket in figure_keys(figure) for step in (-1, 0, 1)
        ]
    return figure.lookups
