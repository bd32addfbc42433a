"""Cluster extracted figures into deals and rebuild ``deals`` and ``deal_evidence``.

A deal is one real-world deal or programme: the figures (commitments) that several documents, or
several sentences of one document, report about it. The rule is a leader clustering over figures,
most reliable links first. docs/architecture.md ("Deal clustering") explains it with its limits;
tests/warehouse/test_warehouse_deals_rules.py shows each rule on a handmade article and
tests/e2e/test_sample_deals.py checks the whole against the sample's deal answer key.

1. Links of a figure (inputs: warehouse/sql/deal_figures.sql and deal_mentions.sql). Its *own*
   countries and companies are those named in its own sentence; the extractor's others are
   *borrowed* from the paragraph or title (its ``link_scope``). In a sentence with several figures
   (and in the headline, which sums up the article) a company goes with the figures after it until
   the next company, within a clause (semicolons end one), and companies after a clause's last
   figure go with that figure: "Nvidia will provide 18,000 chips for Humain, and AMD agreed a $10bn
   partnership" gives 18,000 to Nvidia and $10bn to Humain and AMD. A company named inside the
   figure ("23,000 Nvidia GPUs") is its supplier, a borrowed link. Tiers (``deal_evidence.
   link_strength``):
     S  a body sentence with one figure that names a country or company (``sentence``);
     M  the headline, or a body sentence with several figures naming one (``shared``);
     W  a sentence naming no country and no company: only borrowed links (``borrowed``).
   The *anchor* (host country) is one of its own countries, else of its borrowed ones: the one its
   paragraph names most, then its document, then the first; the document's main country (most
   mentions, a dateline not counted) competes when the sentence names several countries or none and
   the paragraph names it ("EUR 20bn from Canadian Brookfield", in a paragraph on France, is
   anchored in France; "$1bn in Kenya" stays in Kenya).
2. Same figure (``same_figure``): the same kind and amount within 1 % (money in the same currency,
   or within 1.5 % in US dollars). It is the strongest sign that two reports are about one deal.
3. Leader clustering (``Clustering``), documents in report order (date, doc_id); for each day the
   S candidates (a document's S figures with the same anchor and own companies) join the best deal
   (``joins``) or found one, then the M figures: each joins the deal holding the same figure when
   one takes it (the companies of its sentence this explains are not held against the sentence's
   other figures: "Microsoft's $30bn and 120,000 GPUs behind the GBP 31bn pact" sends each figure
   to its own deal); the others, grouped by their own companies (a company named a third as often
   as the sentence's other one is its object and is folded in), follow a sibling's deal when they
   share its subject, else join a deal or found one. A deal founded that day that then joins an
   earlier deal sharing a figure or a document, with the same parties, is merged into it
   (``settle``). After all days, each W figure joins the deal holding the same figure, else a deal
   its own document already supports (of a compatible deal type, in the country of its paragraph if
   the paragraph names one); a document whose figures are all W founds deals with them; any other W
   figure is left out (it stays in ``commitments``).
   ``joins``: within WINDOW_DAYS (45) of the deal's reports, the candidate's anchor is the deal's
   (or it repeats a figure of the deal and either side's sentences name the other's country), and
   its companies match the deal's *core* (its founder's companies, fixed: A~B and B~C never pull
   A and C together): Jaccard >= MIN_JACCARD (0.5), the founder's principal pair, a subset of the
   deal's companies when it repeats a figure or comes from a document the deal already has, or a
   core or main company when it repeats a figure; an S figure naming a company the deal's figures
   in the same document do not name is another deal; a figure naming no company joins its own
   article's deal (body sentences) or a deal it repeats; a deal without companies takes a
   candidate naming some only when it repeats a figure and the deal's documents are about one of
   them. Up to LONG_WINDOW_DAYS (183), only with the same figure (or its document's other one), the
   same anchor and no new company. A sentence revising a figure ("from $600bn to nearly $1tn",
   "1GW, up from 200MW"; ``mark_revisions``) ties the old figure to the deal holding it up to
   REVISION_WINDOW_DAYS back (in a country the sentence names), and the new figure follows it. An
   S figure whose companies all come after it and are named a third as often as the article's
   leading company ("a 1GW campus, built with AdaniConneX and Airtel" in an article on Google's
   hub) is grouped with that company (``leader_of``). Ranking: a deal holding the same figure reported by two or more
   documents, then one the candidate's document supports, then one holding the same figure, then
   the Jaccard, the latest report and the earliest founded.
4. What each deal shows: deal_id = 'd-' + 12 hex of sha256(earliest evidence commitment_id),
   earliest by report date then commitment_id (stable across rebuilds of the same data). Country:
   a vote of its documents (each by its best-tied figure naming a country in its own sentence: S
   counts 3, M 2; W figures do not vote), ties to the founder's; then the other own countries of at
   least half of its documents. Companies: the core plus those named by at least half of its
   documents. Title: the three deal companies most mentioned by its documents, "in" the country.
   Headline figures (SQL, warehouse/sql/build_deals.sql): per kind, the latest report's largest
   figure among the S and M figures and the W figures an S or M figure of the deal confirms; a deal
   with only W figures of a kind uses them.
"""

from __future__ import annotations

import bisect
import hashlib
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from itertools import pairwise

import duckdb
import pyarrow as pa

from warehouse.countries import country_name
from warehouse.db import DATA_DIR, fetch_dicts, run_sql, transaction

WINDOW_DAYS = 45
LONG_WINDOW_DAYS = 183  # a deal reported again with the same figure, same country, no new company
REVISION_WINDOW_DAYS = 3 * 366  # a sentence revising a deal's figure ("from $600bn to $1tn") finds it
MIN_JACCARD = 0.5
SUBORDINATE_RATIO = 3  # a company named a third as often as another in a shared sentence is its object
TITLE_COMPANIES = 3
AMOUNT_TOLERANCE = 0.01  # same figure: amounts within 1 %
USD_TOLERANCE = 0.015  # ... or money in other currencies within 1.5 % in US dollars
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
    own_countries: tuple[str, ...] = ()
    own_companies: tuple[str, ...] = ()
    weak_countries: tuple[str, ...] = ()  # borrowed from the paragraph or title
    weak_companies: tuple[str, ...] = ()  # borrowed, or named inside the figure (supplier)
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

    @property
    def primary(self) -> str | None:
        """The main country: most mentions, a dateline not counted (it says where the story was filed)."""
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


@dataclass
class Candidate:
    """Figures of one document that go together: they join a deal or found one."""

    doc_id: str
    reported_on: date
    anchor: str | None
    companies: frozenset[str]
    figures: list[Figure]
    doc_countries: frozenset[str] = frozenset()
    doc_companies: frozenset[str] = frozenset()
    principal: frozenset[str] = frozenset()
    doc_principals: frozenset[str] = frozenset()  # the document's two most mentioned companies
    long_window: int = LONG_WINDOW_DAYS  # how far apart a report may repeat a figure of the deal
    held_by: frozenset[int] = frozenset()  # ids of deals already known to hold one of its figures

    @cached_property
    def places(self) -> frozenset[str]:
        """Countries it may be placed in besides its anchor: the ones its sentences name, and - for
        headline, multi-figure and weak figures, whose countries are loosely tied - its document's."""
        named = {c for f in self.figures for c in f.own_countries + f.weak_countries}
        if all(f.tier != TIER_S for f in self.figures):
            named |= self.doc_countries
        return frozenset(named)


@dataclass(eq=False)  # a deal is itself, whatever it holds
class Deal:
    """A deal being built: its founder fixes the anchor, the core companies and the principal pair."""

    anchor: str | None
    core: frozenset[str]
    principal: frozenset[str]
    first_reported: date
    last_reported: date
    order: int
    members: list[tuple[Figure, frozenset[str]]] = field(default_factory=list)  # figure, its companies
    docs: set[str] = field(default_factory=set)
    named: set[str] = field(default_factory=set)  # the main companies of its documents (top two each)
    companies: frozenset[str] = frozenset()  # the core and the companies of its S figures
    countries_named: set[str] = field(default_factory=set)  # countries its figures' sentences name
    by_amount: dict = field(default_factory=dict)  # figure_keys -> its figures (same_figure lookups)

    def add_figure(self, figure: Figure, companies: frozenset[str], principals: frozenset[str] = frozenset()) -> None:
        if not self.core and companies:
            # a deal founded without companies takes those of the first figure naming some
            self.core = companies
            self.principal = frozenset(sorted(companies)[:2]) if len(companies) <= 2 else self.principal
            self.companies = self.companies | companies
        if figure.tier == TIER_S:  # headline and shared sentences sum up more than the deal
            self.companies = self.companies | companies
        self.named |= principals
        self.members.append((figure, companies))
        self.docs.add(figure.doc_id)
        self.countries_named.update(figure.own_countries + figure.weak_countries)
        for key in figure_keys(figure):
            self.by_amount.setdefault(key, []).append(figure)
        self.first_reported = min(self.first_reported, figure.reported_on)
        self.last_reported = max(self.last_reported, figure.reported_on)

    @property
    def figures(self) -> list[Figure]:
        return [figure for figure, _ in self.members]

    def holds(self, figure: Figure, documents: int = 1) -> bool:
        """Whether at least ``documents`` of its documents report the same figure as this one."""
        seen: set[str] = set()
        for key in lookup_keys(figure):
            for other in self.by_amount.get(key, ()):
                if other.doc_id not in seen and same_figure(figure, other):
                    seen.add(other.doc_id)
                    if len(seen) >= documents:
                        return True
        return False

    def types(self) -> set[str]:
        return {TYPE_FAMILIES.get(f.deal_type) for f in self.figures} - {None}


# ---------------------------------------------------------------------------------------------
# Step 1: the links of each figure
# ---------------------------------------------------------------------------------------------


def document_contexts(mentions: list[dict]) -> dict[str, DocContext]:
    contexts: dict[str, DocContext] = {}
    for m in mentions:
        ctx = contexts.setdefault(m["doc_id"], DocContext())
        key = (m["kind"], m["value"])
        ctx.first[key] = min(ctx.first.get(key, m["start_char"]), m["start_char"])
        if m["kind"] == "country":
            ctx.countries[m["value"]] += 1
            if is_dateline(m.get("surface")):
                ctx.datelines[m["value"]] += 1
            ctx.paragraph_countries.setdefault(m["paragraph_no"], Counter())[m["value"]] += 1
        elif m["kind"] == "company":
            ctx.companies[m["value"]] += 1
    return contexts


def is_dateline(surface: str | None) -> bool:
    """A place written in capitals (PARIS, ABU DHABI): a news dateline; UAE, US, UK are not."""
    letters = [c for c in surface or "" if c.isalpha()]
    return len(letters) >= 4 and all(c.isupper() for c in letters)


def _sentence_companies(
    figures: list[Figure], mentions: list[dict], clause_of=lambda offset: 0
) -> dict[str, tuple[set, set, bool]]:
    """Own and supplier companies of each figure of one sentence (module docstring, step 1), and
    whether its own companies all come after it.

    A company goes with the figures after it until the next company, within its clause; companies
    after a clause's last figure go with that figure; a company inside a figure is its supplier.
    """
    figures = sorted(figures, key=lambda f: (f.start, f.commitment_id))
    own: dict[str, set] = {f.commitment_id: set() for f in figures}
    supplier: dict[str, set] = {f.commitment_id: set() for f in figures}
    free = []
    for m in mentions:
        inside = next((f for f in figures if f.start <= m["start_char"] < max(f.end, f.start + 1)), None)
        if inside is not None:
            supplier[inside.commitment_id].add(m["value"])
        else:
            free.append(m)
    previous: set = set()
    trailing: dict[str, bool] = {}
    for index, figure in enumerate(figures):
        same_clause = index and figures[index - 1].clause == figure.clause
        low = figures[index - 1].end if same_clause else -1
        before = {
            m["value"] for m in free
            if low <= m["start_char"] < figure.start and clause_of(m["start_char"]) == figure.clause
        }
        own[figure.commitment_id] = before or (set(previous) if same_clause else set())
        previous = own[figure.commitment_id]
        last_in_clause = index == len(figures) - 1 or figures[index + 1].clause != figure.clause
        after: set = set()
        if last_in_clause:
            after = {
                m["value"] for m in free
                if m["start_char"] >= figure.end and clause_of(m["start_char"]) == figure.clause
            }
            own[figure.commitment_id] |= after
        trailing[figure.commitment_id] = bool(after) and own[figure.commitment_id] == after
    return {cid: (own[cid], supplier[cid], trailing[cid]) for cid in own}


def choose_anchor(figure: Figure, ctx: DocContext) -> str | None:
    """The host country of a figure (module docstring, step 1)."""
    pool = list(figure.own_countries or figure.weak_countries)
    primary = ctx.primary
    paragraph = ctx.paragraph_countries.get(figure.paragraph, Counter())
    # the document's main country competes when the sentence names several countries (investors
    # and hosts) or none, and the paragraph names it; "$1bn in Kenya" stays in Kenya
    if primary is not None and primary not in pool and (
        not pool or (paragraph.get(primary) and len(figure.own_countries) != 1)
    ):
        pool.append(primary)
    if not pool:
        return None
    return min(pool, key=lambda c: (
        -paragraph.get(c, 0), -ctx.countries.get(c, 0), ctx.first.get(("country", c), 1 << 30), c
    ))


def attribute_figures(figure_rows: list[dict], mention_rows: list[dict]) -> tuple[list[Figure], dict[str, DocContext]]:
    """Figures with their own and weak links, tiers and anchors, in report order."""
    contexts = document_contexts(mention_rows)
    by_sentence: dict[tuple[str, str], list[dict]] = {}
    for m in mention_rows:
        by_sentence.setdefault((m["doc_id"], m["sentence"]), []).append(m)
    figures = [_figure(row) for row in figure_rows]
    groups: dict[tuple[str, str], list[Figure]] = {}
    for figure in figures:
        groups.setdefault((figure.doc_id, figure.sentence), []).append(figure)
    rows = {row["commitment_id"]: row for row in figure_rows}
    for key, group in groups.items():
        mentions = by_sentence.get(key, []) if key[1] else []
        start = rows[group[0].commitment_id].get("sentence_start")
        boundaries: list[int] = []
        if start is not None:  # the occurrence of the sentence that holds the figures
            mentions = [m for m in mentions if start <= m["start_char"] < start + len(key[1])]
            boundaries = [start + i for i, char in enumerate(key[1]) if char == ";"]

        def clause_of(offset: int, boundaries=boundaries) -> int:
            return bisect.bisect_right(boundaries, offset)

        for figure in group:
            figure.clause = clause_of(figure.start)
        if start is not None and len(group) > 1:
            mark_revisions(group, key[1], start)
        company_mentions = [m for m in mentions if m["kind"] == "company"]
        sentence_countries = {m["value"] for m in mentions if m["kind"] == "country"}
        companies = _sentence_companies(group, company_mentions, clause_of)
        for figure in group:
            row = rows[figure.commitment_id]
            trusted = row["link_scope"] in (None, "sentence")  # the extractor's lists are the sentence's
            own_companies, suppliers, figure.trailing = companies[figure.commitment_id]
            own_countries = set(sentence_countries)
            if trusted and not mentions:
                own_countries |= set(row["countries"] or ())
                own_companies |= set(row["companies"] or ())
            figure.own_countries = tuple(sorted(own_countries))
            figure.own_companies = tuple(sorted(own_companies))
            figure.weak_countries = tuple(sorted(set(row["countries"] or ()) - own_countries))
            figure.weak_companies = tuple(sorted((set(row["companies"] or ()) | suppliers) - own_companies))
            has_own = bool(own_countries or own_companies)
            if figure.in_title or (len(group) > 1 and has_own):
                figure.tier = TIER_M
            elif has_own:
                figure.tier = TIER_S
            else:
                figure.tier = TIER_W
            figure.anchor = choose_anchor(figure, contexts.get(figure.doc_id, NO_CONTEXT))
    return figures, contexts


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
    )


# ---------------------------------------------------------------------------------------------
# Steps 2 and 3: same figures, the join test, the three passes
# ---------------------------------------------------------------------------------------------


def _close(a: float | None, b: float | None, tolerance: float) -> bool:
    if a is None or b is None or a <= 0 or b <= 0:
        return False
    return abs(a - b) <= tolerance * max(a, b)


def same_figure(a: Figure, b: Figure) -> bool:
    """Same kind and amount (module docstring, step 2)."""
    if a.kind != b.kind:
        return False
    if a.kind == "money":
        if a.currency and a.currency == b.currency:
            return _close(a.amount, b.amount, AMOUNT_TOLERANCE)
        return _close(a.usd, b.usd, USD_TOLERANCE)
    return _close(a.amount, b.amount, AMOUNT_TOLERANCE)


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


def jaccard(a: frozenset[str] | set[str], b: frozenset[str] | set[str]) -> float:
    union = a | b
    return len(a & b) / len(union) if union else 1.0


def gap_days(deal: Deal, candidate: Candidate) -> int:
    """Days between the candidate's report and the nearest end of the deal's reports (0: inside)."""
    if candidate.reported_on > deal.last_reported:
        return (candidate.reported_on - deal.last_reported).days
    if candidate.reported_on < deal.first_reported:
        return (deal.first_reported - candidate.reported_on).days
    return 0


def joins_window(deal: Deal, candidate: Candidate) -> bool:
    """Reported within WINDOW_DAYS of the deal's reports."""
    return gap_days(deal, candidate) <= WINDOW_DAYS


def joins(deal: Deal, candidate: Candidate) -> tuple | None:
    """The join test (module docstring, step 3): a score to maximise, or None.

    The score ranks a deal holding a figure of the candidate that two or more of its documents
    report first, then a deal the candidate's own document already supports, then any deal
    holding one of its figures, then the company match. (Whether the deal holds one of the
    candidate's figures is only looked up when a rule needs it.)
    """
    gap = gap_days(deal, candidate)
    if gap > candidate.long_window or not may_place(deal, candidate):
        return None
    same_doc = candidate.doc_id in deal.docs
    same_anchor = candidate.anchor == deal.anchor
    companies, core = candidate.companies, deal.core
    known: list[bool] = []

    def shared() -> bool:
        if not known:
            known.append(id(deal) in candidate.held_by or any(deal.holds(f) for f in candidate.figures))
        return known[0]

    if gap > WINDOW_DAYS:
        # reported again months later: the same figure, in the same country, by the same parties
        # (a sentence revising the figure may host it in the other country it names)
        revision = candidate.long_window > LONG_WINDOW_DAYS
        if not (
            (same_anchor or (revision and deal.anchor in {c for f in candidate.figures for c in f.own_countries}))
            and companies <= deal.companies | deal.named
            and (not core or companies & core or candidate.doc_companies & core)
            and (same_doc or shared())
        ):
            return None
    if not same_anchor and not shared():  # placed in another country: only with a figure it holds
        return None
    if (
        companies
        and not companies <= deal.companies
        and any(f.tier == TIER_S and f.doc_id in deal.docs for f in candidate.figures)
    ):
        return None  # in one article, a figure naming a company the deal's figures there do not is another deal

    def score(match: float) -> tuple:
        confirmed = shared() and _confirmed(deal, candidate)
        return (confirmed, same_doc, shared(), match, deal.last_reported, -deal.order)

    if companies and core:
        match = jaccard(companies, core)
        if (
            match >= MIN_JACCARD
            or (len(deal.principal) == 2 and deal.principal <= companies)
            or (companies <= deal.companies and (same_doc or shared()))
            or (companies & (core | deal.named) and shared())
        ):
            return score(match)
        return None
    if not companies:
        # a body sentence naming no company belongs with its article's deal (a headline naming
        # none is a programme of its own); any such figure may join a deal it repeats
        detail = same_doc and all(f.tier == TIER_S for f in candidate.figures)
        if detail or (
            shared() and (not core or candidate.doc_companies & core or _confirmed(deal, candidate))
        ):
            return score(1.0 if not core else 0.0)
        return None
    if companies & deal.named and shared():  # a deal founded without companies
        return score(0.0)
    return None


def may_place(deal: Deal, candidate: Candidate) -> bool:
    """The country part of the join test: the deal's country is the candidate's, or one the
    candidate may be placed in, or the candidate's is one the deal's figures name."""
    return (deal.anchor == candidate.anchor or deal.anchor in candidate.places
            or candidate.anchor in deal.countries_named)


def _confirmed(deal: Deal, candidate: Candidate) -> bool:
    """Two or more of the deal's documents report one of the candidate's figures."""
    return any(deal.holds(f, documents=2) for f in candidate.figures)


class Clustering:
    """The leader clustering of step 3; ``run`` returns the deals in founding order.

    Deals are indexed by anchor country, by figure (kind and amount bucket) and by document, so a
    candidate is only compared with the deals it could join: those of its country, and those
    holding one of its figures.
    """

    def __init__(self, figures: list[Figure], contexts: dict[str, DocContext]):
        self.figures = figures
        self.contexts = contexts
        self.deals: list[Deal] = []  # current deals, in founding order
        self.founded = 0
        self.deal_of: dict[str, Deal] = {}  # commitment_id -> deal
        self.by_anchor: dict[str | None, list[Deal]] = {}
        self.by_key: dict[tuple, list[Deal]] = {}
        self.by_doc: dict[str, list[Deal]] = {}
        self._principals: dict[str, frozenset[str]] = {}

    # -- deals and their indexes -----------------------------------------------------------------
    def found(self, candidate: Candidate) -> Deal:
        deal = Deal(
            anchor=candidate.anchor,
            core=candidate.companies,
            principal=candidate.principal,
            first_reported=candidate.reported_on,
            last_reported=candidate.reported_on,
            order=self.founded,
            named=set(candidate.doc_principals),
            companies=candidate.companies,
        )
        self.founded += 1
        self.deals.append(deal)
        self.by_anchor.setdefault(deal.anchor, []).append(deal)
        self.add(deal, candidate)
        return deal

    def add(self, deal: Deal, candidate: Candidate) -> None:
        deal.named |= candidate.doc_principals
        for figure in candidate.figures:
            self.attach(deal, figure, candidate.companies)

    def attach(
        self, deal: Deal, figure: Figure, companies: frozenset[str], principals: frozenset[str] = frozenset()
    ) -> None:
        deal.add_figure(figure, companies, principals)
        self.deal_of[figure.commitment_id] = deal
        for key in figure_keys(figure):
            listed = self.by_key.setdefault(key, [])
            if deal not in listed:
                listed.append(deal)
        listed = self.by_doc.setdefault(figure.doc_id, [])
        if deal not in listed:
            listed.append(deal)

    def drop(self, deal: Deal) -> None:
        self.deals.remove(deal)
        for index in (self.by_anchor, self.by_key, self.by_doc):
            for listed in index.values():
                if deal in listed:
                    listed.remove(deal)

    def pool(self, candidate: Candidate) -> list[Deal]:
        """The deals a candidate could join: its country's, and those holding one of its figures,
        reported within LONG_WINDOW_DAYS of it."""
        found = {
            id(d): d for d in self.by_anchor.get(candidate.anchor, ()) if gap_days(d, candidate) <= LONG_WINDOW_DAYS
        }
        for figure in candidate.figures:
            for key in lookup_keys(figure):
                for deal in self.by_key.get(key, ()):
                    if gap_days(deal, candidate) <= LONG_WINDOW_DAYS:
                        found[id(deal)] = deal
        return sorted(found.values(), key=lambda d: d.order)

    # -- helpers ---------------------------------------------------------------------------------
    def candidate(self, figures: list[Figure], companies: frozenset[str]) -> Candidate:
        first = figures[0]
        ctx = self.contexts.get(first.doc_id, NO_CONTEXT)
        anchors = Counter(f.anchor for f in figures if f.anchor)
        anchor = min(anchors, key=lambda a: (-anchors[a], a)) if anchors else ctx.primary
        ranked = sorted(companies, key=lambda c: ctx.rank("company", c))
        return Candidate(
            doc_id=first.doc_id,
            reported_on=first.reported_on,
            anchor=anchor,
            companies=companies,
            figures=figures,
            doc_countries=frozenset(ctx.countries),
            doc_companies=frozenset(ctx.companies),
            principal=frozenset(ranked[:2]),
            doc_principals=self.principals(first.doc_id),
        )

    def principals(self, doc_id: str) -> frozenset[str]:
        """The document's two most mentioned companies."""
        found = self._principals.get(doc_id)
        if found is None:
            ctx = self.contexts.get(doc_id, NO_CONTEXT)
            leading = sorted(ctx.companies, key=lambda c: ctx.rank("company", c))[:2]
            found = self._principals[doc_id] = frozenset(leading)
        return found

    def best(self, candidate: Candidate, among: list[Deal] | None = None) -> Deal | None:
        best, best_key = None, None
        for deal in among if among is not None else self.pool(candidate):
            key = joins(deal, candidate)
            if key is not None and (best_key is None or key > best_key):
                best, best_key = deal, key
        return best

    def place(self, candidate: Candidate, prefer: list[Deal] | None = None) -> Deal:
        deal = (self.best(candidate, prefer) if prefer else None) or self.best(candidate)
        if deal is None:
            return self.found(candidate)
        self.add(deal, candidate)
        return deal

    def matching_deal(self, figure: Figure, companies: frozenset[str]) -> Deal | None:
        """The best deal holding a figure the same as this one that would take it."""
        window = REVISION_WINDOW_DAYS if figure.restated else LONG_WINDOW_DAYS
        candidate = self.candidate([figure], companies)
        candidate.long_window = window
        holding = {
            id(d): d for key in lookup_keys(figure) for d in self.by_key.get(key, ())
            if abs((d.last_reported - figure.reported_on).days) <= window + (d.last_reported - d.first_reported).days
            and may_place(d, candidate) and d.holds(figure)
        }
        if not holding:
            return None
        candidate.held_by = frozenset(holding)
        return self.best(candidate, sorted(holding.values(), key=lambda d: d.order))

    def revised_deal(self, figure: Figure) -> Deal | None:
        """The deal of the earlier figure this one revises in its sentence ("from $600bn to $1tn")."""
        return self.deal_of.get(figure.revises) if figure.revises else None

    # -- the passes ------------------------------------------------------------------------------
    def run(self) -> list[Deal]:
        by_doc: dict[str, list[Figure]] = {}
        for figure in self.figures:
            by_doc.setdefault(figure.doc_id, []).append(figure)
        docs = sorted(by_doc, key=lambda d: (by_doc[d][0].reported_on, d))
        days: dict[date, list[str]] = {}
        for doc_id in docs:
            days.setdefault(by_doc[doc_id][0].reported_on, []).append(doc_id)
        for day_docs in days.values():
            known = self.founded
            for doc_id in day_docs:
                self.pass_strong(by_doc[doc_id])
            for doc_id in day_docs:
                self.pass_shared(by_doc[doc_id])
            self.settle(known)
        for doc_id in docs:
            self.pass_weak(by_doc[doc_id])
        return self.deals

    def strong_candidates(self, figures: list[Figure]) -> list[Candidate]:
        groups: dict[tuple, list[Figure]] = {}
        for figure in sorted((f for f in figures if f.tier == TIER_S), key=lambda f: (f.start, f.commitment_id)):
            companies = tuple(sorted(set(figure.own_companies) | self.leader_of(figure)))
            groups.setdefault((figure.anchor or "", companies), []).append(figure)
        return [self.candidate(group, frozenset(companies)) for (_, companies), group in groups.items()]

    def leader_of(self, figure: Figure) -> set[str]:
        """The article's leading company, for a figure whose companies all come after it and are
        named far less often (SUBORDINATE_RATIO times) than that company: "The hub ... will include
        a campus of 1 gigawatt, built with AdaniConneX and Airtel", in an article about Google's
        hub, is Google's deal with its builders, not a deal of the builders."""
        if not figure.trailing:
            return set()
        ctx = self.contexts.get(figure.doc_id, NO_CONTEXT)
        if not ctx.companies:
            return set()
        leader = min(ctx.companies, key=lambda c: ctx.rank("company", c))
        top = max(ctx.companies.get(c, 0) for c in figure.own_companies)
        if leader in figure.own_companies or ctx.companies[leader] < SUBORDINATE_RATIO * max(top, 1):
            return set()
        return {leader}

    def settle(self, known: int) -> None:
        """A deal founded today that now joins an earlier deal it shares a figure or a document with
        is merged into it (the report that links them may have come later in the day)."""
        for deal in [d for d in self.deals if d.order >= known]:
            figures = deal.figures
            candidate = self.candidate(figures, deal.core)
            candidate.doc_principals = frozenset(deal.named)
            older = [d for d in self.pool(candidate) if d.order < deal.order]
            target = self.best(candidate, older)
            if target is None or not (deal.docs & target.docs or any(target.holds(f) for f in figures)):
                continue
            cores = (deal.core, target.core)
            if not (cores[0] <= cores[1] or cores[1] <= cores[0] or jaccard(*cores) >= MIN_JACCARD):
                continue  # only the same parties are merged
            self.drop(deal)
            for figure, companies in deal.members:
                self.attach(target, figure, companies)
            target.named |= deal.named

    def pass_strong(self, figures: list[Figure]) -> None:
        for candidate in self.strong_candidates(figures):
            self.place(candidate)

    def pass_shared(self, figures: list[Figure]) -> None:
        sentences: dict[str, list[Figure]] = {}
        for figure in sorted((f for f in figures if f.tier == TIER_M), key=lambda f: (f.start, f.commitment_id)):
            sentences.setdefault(figure.sentence, []).append(figure)
        for group in sentences.values():
            explained: set[str] = set()
            joined: list[tuple[Deal, frozenset[str]]] = []  # deals of sibling figures, their companies
            rest = []
            for figure in group:
                companies = frozenset(figure.own_companies) - explained
                deal = self.matching_deal(figure, companies)
                if deal is None:
                    rest.append(figure)
                    continue
                self.attach(deal, figure, companies, self.principals(figure.doc_id))
                explained |= companies & deal.companies
                joined.append((deal, frozenset(figure.own_companies)))
            left = []
            for figure in rest:  # a revised figure goes where the figure it replaces went
                deal = self.revised_deal(figure)
                if deal is None:
                    left.append(figure)
                    continue
                self.attach(deal, figure, frozenset(figure.own_companies), self.principals(figure.doc_id))
            rest = left
            ctx = self.contexts.get(group[0].doc_id, NO_CONTEXT)
            for part, companies in merge_subordinate(split_by_companies(rest), ctx):
                candidate = self.candidate(part, companies)
                # the sentence gives the other figures the same subject: they follow their sibling
                sibling = next((d for d, own in joined if own == companies and d.anchor == candidate.anchor), None)
                if sibling is not None and joins_window(sibling, candidate):
                    self.add(sibling, candidate)
                    continue
                self.place(candidate, prefer=[d for d, _ in joined])

    def pass_weak(self, figures: list[Figure]) -> None:
        weak = sorted((f for f in figures if f.tier == TIER_W), key=lambda f: (f.start, f.commitment_id))
        left = []
        for figure in weak:
            deal = self.matching_deal(figure, frozenset()) or self.revised_deal(figure) or self.supported_deal(figure)
            if deal is None:
                left.append(figure)
                continue
            self.attach(deal, figure, frozenset(), self.principals(figure.doc_id))
        if left and not any(f.commitment_id in self.deal_of for f in figures):
            groups: dict[str, list[Figure]] = {}
            for figure in left:
                groups.setdefault(figure.anchor or "", []).append(figure)
            for group in groups.values():
                # figures naming nobody in their sentence: their paragraph's or title's companies,
                # else the article's three main ones
                companies = frozenset().union(*(f.weak_companies for f in group))
                if not companies:
                    ctx = self.contexts.get(group[0].doc_id, NO_CONTEXT)
                    companies = frozenset(sorted(ctx.companies, key=lambda c: ctx.rank("company", c))[:3])
                self.place(self.candidate(group, companies))

    def supported_deal(self, figure: Figure) -> Deal | None:
        """A deal the figure's document already supports that fits it (module docstring, W pass)."""
        ctx = self.contexts.get(figure.doc_id, NO_CONTEXT)
        family = TYPE_FAMILIES.get(figure.deal_type)
        weak = set(figure.weak_companies)
        best, best_key = None, None
        # a country borrowed from the figure's own paragraph places it; one borrowed from the
        # title does not (the title sums up the whole article)
        local = set(figure.weak_countries) & set(ctx.paragraph_countries.get(figure.paragraph, ()))
        for deal in self.by_doc.get(figure.doc_id, ()):
            if local and deal.anchor not in local:
                continue
            if family is not None and deal.types() and family not in deal.types():
                continue
            here = sum(1 for f in deal.figures if f.doc_id == figure.doc_id)
            key = (len(weak & deal.companies), here, -deal.order)
            if best_key is None or key > best_key:
                best, best_key = deal, key
        return best


def split_by_companies(figures: list[Figure]) -> list[list[Figure]]:
    """Figures of one sentence, grouped by their own companies; those without go with the nearest
    figure of their clause that has some (else stay together)."""
    groups: dict[tuple, list[Figure]] = {}
    for figure in figures:
        named = [f for f in figures if f.own_companies and f.clause == figure.clause]
        if figure.own_companies or not named:
            key = (figure.own_companies, figure.clause if not figure.own_companies else -1)
        else:
            key = (min(named, key=lambda f: (abs(f.start - figure.start), f.start)).own_companies, -1)
        groups.setdefault(key, []).append(figure)
    return [sorted(group, key=lambda f: (f.start, f.commitment_id)) for group in groups.values()]


def merge_subordinate(parts: list[list[Figure]], ctx: DocContext) -> list[tuple[list[Figure], frozenset[str]]]:
    """The parts of a sentence with their companies, a part whose companies the document names far
    less often (SUBORDINATE_RATIO times) than another part's joined to that part ("Microsoft
    invested $7.3bn, including a stake in G42, and will spend $7.9bn", in an article naming
    Microsoft six times and G42 twice: G42 is an object of the sentence, not the subject of
    $7.9bn); parts whose companies are about as prominent stay apart."""
    merged = [(list(part), frozenset().union(*(f.own_companies for f in part))) for part in parts]
    changed = True
    while changed and len(merged) > 1:
        changed = False
        for i, (part, mine) in enumerate(merged):
            if not mine:
                continue
            top = max(ctx.companies.get(c, 0) for c in mine)
            hosts = [
                j for j, (_, other) in enumerate(merged)
                if j != i and other and not mine & other
                and min(ctx.companies.get(c, 0) for c in other) >= SUBORDINATE_RATIO * top
            ]
            if hosts:
                host, companies = merged[min(hosts, key=lambda j: merged[j][0][0].start)]
                host.extend(part)
                host.sort(key=lambda f: (f.start, f.commitment_id))
                del merged[i]
                changed = True
                break
    return merged


def cluster_figures(figures: list[Figure], contexts: dict[str, DocContext] | None = None) -> list[Deal]:
    """The leader clustering (module docstring, step 3) of attributed figures."""
    return Clustering(figures, contexts or {}).run()


# ---------------------------------------------------------------------------------------------
# Step 4: what each deal shows
# ---------------------------------------------------------------------------------------------


def deal_id_for(deal: Deal) -> str:
    """'d-' + 12 hex of sha256 of the earliest evidence commitment_id."""
    earliest = min((f.reported_on, f.commitment_id) for f in deal.figures)[1]
    return "d-" + hashlib.sha256(earliest.encode("utf-8")).hexdigest()[:12]


def _per_document(deal: Deal) -> dict[str, list[tuple[Figure, frozenset[str]]]]:
    docs: dict[str, list[tuple[Figure, frozenset[str]]]] = {}
    for figure, companies in deal.members:
        docs.setdefault(figure.doc_id, []).append((figure, companies))
    return docs


def deal_anchor(deal: Deal) -> str | None:
    """The documents' vote (module docstring, step 4); ties and no votes: the founder's anchor."""
    votes: Counter = Counter()
    for members in _per_document(deal).values():
        voters = sorted(
            (f for f, _ in members if f.own_countries and f.anchor and TIER_VOTES[f.tier]),
            key=lambda f: (f.tier, f.start, f.commitment_id),
        )
        if voters:
            votes[voters[0].anchor] += TIER_VOTES[voters[0].tier]
    if not votes:
        return deal.anchor
    top = max(votes.values())
    leaders = {country for country, n in votes.items() if n == top}
    return deal.anchor if deal.anchor in leaders else min(leaders)


def deal_countries(deal: Deal) -> list[str]:
    """The anchor first, then the other own countries of at least half of its documents (sorted)."""
    anchor = deal_anchor(deal)
    docs = _per_document(deal)
    counts: Counter = Counter()
    for members in docs.values():
        strong = {c for f, _ in members if f.tier != TIER_W for c in f.own_countries}
        counts.update(strong or {c for f, _ in members for c in f.own_countries + f.weak_countries})
    others = {c for c, n in counts.items() if 2 * n >= len(docs)} - {anchor, None}
    return ([anchor] if anchor else []) + sorted(others)


def deal_companies(deal: Deal, contexts: dict[str, DocContext] | None = None) -> list[str]:
    """The core plus the companies named by at least half of its documents, sorted.

    A document whose figures name no company of their own speaks through the companies their
    paragraphs or titles name and its own two main companies (only for a deal with companies: a
    programme without any does not borrow them).
    """
    docs = _per_document(deal)
    counts: Counter = Counter()
    for doc_id, members in docs.items():
        named = set().union(*(companies for _, companies in members))
        if not named and deal.core:
            ctx = (contexts or {}).get(doc_id, NO_CONTEXT)
            named = {c for f, _ in members for c in f.weak_companies}
            named |= set(sorted(ctx.companies, key=lambda c: ctx.rank("company", c))[:2])
        counts.update(named)
    return sorted(set(deal.core) | {c for c, n in counts.items() if 2 * n >= len(docs)})


def deal_title(deal: Deal, contexts: dict[str, DocContext]) -> str:
    """'OpenAI, G42, Oracle in United Arab Emirates': top deal companies in the deal's country."""
    anchor = deal_anchor(deal)
    place = country_name(anchor) if anchor else "several countries"
    docs = sorted({(f.reported_on, f.doc_id) for f in deal.figures})

    def key(company: str) -> tuple:
        total = sum(contexts.get(d, NO_CONTEXT).companies.get(company, 0) for _, d in docs)
        first = next(
            ((n, contexts[d].first[("company", company)]) for n, (_, d) in enumerate(docs)
             if d in contexts and ("company", company) in contexts[d].first),
            (len(docs), 0),
        )
        return (-total, first, company)

    companies = sorted(deal_companies(deal, contexts), key=key)
    if not companies:
        return f"AI infrastructure in {place}"
    return f"{', '.join(companies[:TITLE_COMPANIES])} in {place}"


def headline_figures(deal: Deal) -> set[str]:
    """Figures that may be the deal's headline (module docstring, step 4)."""
    figures = deal.figures
    allowed = set()
    for kind in {f.kind for f in figures}:
        same_kind = [f for f in figures if f.kind == kind]
        strong = [f for f in same_kind if f.tier != TIER_W]
        if not strong:
            allowed |= {f.commitment_id for f in same_kind}
            continue
        allowed |= {f.commitment_id for f in strong}
        allowed |= {f.commitment_id for f in same_kind if f.tier == TIER_W and any(same_figure(f, s) for s in strong)}
    return allowed


# ---------------------------------------------------------------------------------------------
# The warehouse side
# ---------------------------------------------------------------------------------------------

_CLUSTERS_SCHEMA = pa.schema(
    [
        ("deal_id", pa.string()),
        ("title", pa.string()),
        ("countries", pa.list_(pa.string())),
        ("companies", pa.list_(pa.string())),
    ]
)
_MEMBERS_SCHEMA = pa.schema(
    [("deal_id", pa.string()), ("commitment_id", pa.string()), ("tier", pa.string()), ("headline", pa.bool_())]
)
TIER_NAMES = {TIER_S: "S", TIER_M: "M", TIER_W: "W"}


def plan_deals(con: duckdb.DuckDBPyConnection) -> tuple[pa.Table, pa.Table]:
    """The clustering as two Arrow tables: deal_clusters and deal_members."""
    figures, contexts = attribute_figures(fetch_dicts(con, "deal_figures"), fetch_dicts(con, "deal_mentions"))
    clusters_rows, member_rows = [], []
    for deal in cluster_figures(figures, contexts):
        deal_id = deal_id_for(deal)
        clusters_rows.append(
            {
                "deal_id": deal_id,
                "title": deal_title(deal, contexts),
                "countries": deal_countries(deal),
                "companies": deal_companies(deal, contexts),
            }
        )
        headline = headline_figures(deal)
        member_rows.extend(
            {"deal_id": deal_id, "commitment_id": f.commitment_id, "tier": TIER_NAMES[f.tier],
             "headline": f.commitment_id in headline}
            for f in deal.figures
        )
    clusters = pa.Table.from_pylist(sorted(clusters_rows, key=lambda r: r["deal_id"]), schema=_CLUSTERS_SCHEMA)
    members = pa.Table.from_pylist(
        sorted(member_rows, key=lambda r: (r["deal_id"], r["commitment_id"])), schema=_MEMBERS_SCHEMA
    )
    return clusters, members


def build_deals(con: duckdb.DuckDBPyConnection) -> dict:
    """Rebuild ``deals`` and ``deal_evidence`` from commitments and mentions, in one transaction.

    Deterministic: the same warehouse content gives the same rows and deal ids. A deal id that the
    rebuild no longer produces is kept in ``deal_aliases`` with its successor (the new deal holding
    its evidence), so saved ids still resolve; current figures in ``commitment_history`` record
    their deal (the deal figure history). Returns counts ``{"deals": n, "evidence": n}``.
    """
    clusters, members = plan_deals(con)
    con.register("deal_clusters", clusters)
    con.register("deal_members", members)
    try:
        with transaction(con):
            run_sql(con, "stage_deal_keywords", {"path": str(DATA_DIR / "deal_keywords.csv")})
            run_sql(con, "record_deal_aliases")
            run_sql(con, "build_deals")
            run_sql(con, "record_commitment_deals")
    finally:
        con.unregister("deal_clusters")
        con.unregister("deal_members")
    return {"deals": clusters.num_rows, "evidence": members.num_rows}
