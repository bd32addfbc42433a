"""The leader clustering of figures into deals (steps 2 and 3 of warehouse/deals.py): candidates,
deals, the rules by which a candidate joins a deal, and splitting by companies."""

from __future__ import annotations

import bisect
import heapq
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache

from warehouse.deal_figures import (
    KNOWN_SHARE,
    LONG_WINDOW_DAYS,
    MIN_JACCARD,
    NO_CONTEXT,
    REVISION_WINDOW_DAYS,
    STATED_KINDS,
    SUBORDINATE_RATIO,
    TIER_M,
    TIER_S,
    TIER_W,
    TYPE_FAMILIES,
    WINDOW_DAYS,
    DocContext,
    Figure,
    figure_keys,
    is_round,
    lookup_keys,
)
from warehouse.resolution.features import CONVERSION_TOLERANCE, USD_TOLERANCE, close, comparable, same_figure
from warehouse.resolution.frames import company_registry


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
    day: int = field(init=False, repr=False, compare=False)  # reported_on as a day number

    def __post_init__(self) -> None:
        self.day = self.reported_on.toordinal()

    def story(self) -> frozenset[str]:
        """The companies its story is about, for a candidate naming none (``joins``): those its
        document names, or only its two main ones when all its amounts are round ("1 GW", "$10bn"
        in a story about other companies that mentions a deal's is theirs)."""
        specific = any(not is_round(f.amount) for f in self.figures)
        return self.doc_companies if specific else self.doc_principals

    @cached_property
    def places(self) -> frozenset[str]:
        """Countries it may be placed in besides its anchor: the ones its sentences name, not as a
        company's nationality ("the Saudi company is due to put $5bn into the country" is not
        placed in Saudi Arabia), and - for headline, multi-figure and weak figures, whose countries
        are loosely tied - its document's."""
        named = {c for f in self.figures for c in f.own_countries + f.weak_countries if c not in f.described}
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
    # kept as figures are added, for the join test: report days as day numbers, the figures, the
    # type families (TYPE_FAMILIES) and the figures of each document
    first_day: int = field(default=0, init=False, repr=False)
    last_day: int = field(default=0, init=False, repr=False)
    _figures: list = field(default_factory=list, init=False, repr=False)
    families: set = field(default_factory=set, init=False, repr=False)
    per_doc: Counter = field(default_factory=Counter, init=False, repr=False)
    _by_document: tuple | None = field(default=None, init=False, repr=False)
    # (kind, currency, amount, usd) -> (documents holding it up to two, len(members) then): a count
    # of two stays, a smaller one holds until the deal grows
    _holding: dict = field(default_factory=dict, init=False, repr=False)
    # STATED_KINDS -> the amounts (comparable) its headline and own-sentence figures state, sorted,
    # and the sums of two such amounts of one of its documents, sorted (``disagrees``)
    stated: dict = field(default_factory=dict, init=False, repr=False)
    stated_sums: dict = field(default_factory=dict, init=False, repr=False)
    _stated_by_doc: dict = field(default_factory=dict, init=False, repr=False)
    # how many of its documents name each company in an S figure, have it as a main company, name
    # each country in a figure's sentence (``known``); earlier_reports: its documents of an earlier
    # run, not in ``docs`` (a restored deal, warehouse/deal_state.py)
    company_reports: Counter = field(default_factory=Counter, init=False, repr=False)
    principal_reports: Counter = field(default_factory=Counter, init=False, repr=False)
    country_reports: Counter = field(default_factory=Counter, init=False, repr=False)
    project_reports: Counter = field(default_factory=Counter, init=False, repr=False)  # named projects
    earlier_reports: int = field(default=0, init=False, repr=False)
    _counted: dict = field(default_factory=dict, init=False, repr=False)  # (what, doc_id) -> names counted
    _known: dict = field(default_factory=dict, init=False, repr=False)  # what -> (version, names)
    _version: int = field(default=0, init=False, repr=False)  # grows with its counts and documents
    indexed_names: set = field(default_factory=set, init=False, repr=False)  # Clustering.by_company
    # every company it could be known by: its core, principal pair, companies, main companies and
    # the names its counts hold (``knows_any``)
    names: set = field(default_factory=set, init=False, repr=False)
    # the countries besides its anchor it is listed under in Clustering.by_key: those it is known by
    indexed_countries: frozenset = field(default=frozenset(), init=False, repr=False)
    dropped: bool = field(default=False, init=False, repr=False)  # merged into another (Clustering.drop)

    def __post_init__(self) -> None:
        self.first_day = self.first_reported.toordinal()
        self.last_day = self.last_reported.toordinal()
        self._tallies = {"companies": self.company_reports, "principals": self.principal_reports,
                         "countries": self.country_reports, "projects": self.project_reports}
        self.names.update(self.core, self.principal, self.companies, self.named)

    def add_figure(self, figure: Figure, companies: frozenset[str], principals: frozenset[str] = frozenset()) -> None:
        if not self.core and companies:
            # a deal founded without companies takes those of the first figure naming some
            self.core = companies
            self.principal = frozenset(sorted(companies)[:2]) if len(companies) <= 2 else self.principal
            self.companies = self.companies | companies
            self.names.update(companies)
        if figure.tier == TIER_S:  # headline and shared sentences sum up more than the deal
            self.companies = self.companies | companies
            self.names.update(companies)
            self.count("companies", figure.doc_id, companies)
        self.note_principals(figure.doc_id, principals)
        self.members.append((figure, companies))
        self._figures.append(figure)
        self.families.add(TYPE_FAMILIES.get(figure.deal_type))
        self.per_doc[figure.doc_id] += 1
        if figure.doc_id not in self.docs:
            self.docs.add(figure.doc_id)
            self._version += 1
        self.countries_named.update(figure.own_countries + figure.weak_countries)
        self.count("countries", figure.doc_id, figure.own_countries + figure.weak_countries)
        if figure.project:
            self.count("projects", figure.doc_id, (figure.project,))
        self.state(figure)
        for key in figure_keys(figure):
            self.by_amount.setdefault(key, []).append(figure)
        if figure.reported_on < self.first_reported:
            self.first_reported = figure.reported_on
            self.first_day = figure.reported_on.toordinal()
        if figure.reported_on > self.last_reported:
            self.last_reported = figure.reported_on
            self.last_day = figure.reported_on.toordinal()

    def note_principals(self, doc_id: str, principals: Iterable[str]) -> None:
        """The main companies of one of its documents."""
        self.named.update(principals)
        self.names.update(principals)
        self.count("principals", doc_id, principals)

    def count(self, what: str, doc_id: str, names: Iterable[str]) -> None:
        counted = self._counted.get((what, doc_id))
        fresh = [name for name in names if counted is None or name not in counted]
        if not fresh:
            return
        if counted is None:
            counted = self._counted[(what, doc_id)] = set()
        counted.update(fresh)
        self._tallies[what].update(fresh)
        self._version += 1

    @property
    def reports(self) -> int:
        return self.earlier_reports + len(self.docs)

    def tallies(self) -> dict[str, Counter]:
        """What ``known`` counts: companies, principals, countries, projects -> name -> documents
        naming it."""
        return dict(self._tallies)

    def restore_tallies(self, reports: int, tallies: dict[str, dict[str, int]]) -> None:
        """Continue from the counts an earlier run left (warehouse/deal_state.py restore_deals):
        ``reports`` documents it had then, none of them in ``docs``."""
        self.earlier_reports = reports - len(self.docs)
        for what, counts in tallies.items():
            self._tallies.setdefault(what, Counter()).update(counts)
            if what in ("companies", "principals"):
                self.names.update(counts)
        self._version += 1

    def knows_any(self, companies: frozenset[str]) -> bool:
        """Whether it could be known by one of these companies. A candidate naming companies joins
        only a deal that is (``joins``: the company match, the principal pair, its known companies
        and main companies are all among ``names``), so the others are not compared."""
        return not self.names.isdisjoint(companies)

    def known(self, what: str) -> frozenset[str]:
        """The companies (``companies``: in S figures; ``principals``: as a main company) or the
        countries (``countries``) at least KNOWN_SHARE of its documents name: what the deal is
        known by. A deal of one or two reports is known by all it names; a deal of many reports is
        not known by a name one report in five gives, so a deal does not grow into every deal of
        its country by gathering names report by report."""
        cached = self._known.get(what)
        if cached is not None and cached[0] == self._version:
            return cached[1]
        least = self.reports * KNOWN_SHARE
        names = frozenset(name for name, count in self._tallies[what].items() if count >= least)
        self._known[what] = (self._version, names)
        return names

    def state(self, figure: Figure) -> None:
        """Keep the amount of a headline or own-sentence figure of STATED_KINDS, and its sums with
        the other such amounts of its document."""
        value = comparable(figure)
        if figure.kind not in STATED_KINDS or figure.tier == TIER_W or value is None or value <= 0:
            return
        bisect.insort(self.stated.setdefault(figure.kind, []), value)
        others = self._stated_by_doc.setdefault((figure.kind, figure.doc_id), [])
        sums = self.stated_sums.setdefault(figure.kind, [])
        for other in others:
            bisect.insort(sums, other + value)
        others.append(value)

    @property
    def figures(self) -> list[Figure]:
        return list(self._figures)

    def documents_holding(self, figure: Figure, limit: int = 2) -> int:
        """How many of its documents (counted up to ``limit``) report the same figure as this one.
        Up to two, counted once per amount (same_figure reads nothing else of a figure) until the
        deal grows."""
        if limit > 2:
            return self._count_holding(figure, limit)
        amount = (figure.kind, figure.currency, figure.amount, figure.usd)
        known = self._holding.get(amount)
        if known is None or (known[0] < 2 and known[1] != len(self.members)):
            known = self._holding[amount] = (self._count_holding(figure, 2), len(self.members))
        return min(known[0], limit)

    def _count_holding(self, figure: Figure, limit: int) -> int:
        seen: set[str] = set()
        for key in lookup_keys(figure):
            for other in self.by_amount.get(key, ()):
                if other.doc_id not in seen and same_figure(figure, other):
                    seen.add(other.doc_id)
                    if len(seen) >= limit:
                        return limit
        return len(seen)

    def holds(self, figure: Figure, documents: int = 1) -> bool:
        """Whether at least ``documents`` of its documents report the same figure as this one."""
        return self.documents_holding(figure, documents) >= documents

    def types(self) -> set[str]:
        return self.families - {None}

    def by_document(self) -> dict[str, list[tuple[Figure, frozenset[str]]]]:
        """Its members grouped by document, each in the order it joined (read only: kept until the
        deal grows)."""
        cached = self._by_document
        if cached is None or cached[0] != len(self.members):
            docs: dict[str, list[tuple[Figure, frozenset[str]]]] = {}
            for figure, companies in self.members:
                docs.setdefault(figure.doc_id, []).append((figure, companies))
            cached = self._by_document = (len(self.members), docs)
        return cached[1]


def jaccard(a: frozenset[str] | set[str], b: frozenset[str] | set[str]) -> float:
    union = a | b
    return len(a & b) / len(union) if union else 1.0


def gap_days(deal: Deal, candidate: Candidate) -> int:
    """Days between the candidate's report and the nearest end of the deal's reports (0: inside)."""
    day = candidate.day
    if day > deal.last_day:
        return day - deal.last_day
    if day < deal.first_day:
        return deal.first_day - day
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
    companies, core = candidate.companies, deal.core
    if gap > candidate.long_window or not may_place(deal, candidate) or not may_take(deal, candidate):
        return None
    if two_chip_makers(companies, core):
        return None  # a buyer's contracts with two chip makers are two deals, even of one size
    same_doc = candidate.doc_id in deal.docs
    same_anchor = candidate.anchor == deal.anchor
    held: list[bool] = []

    def known() -> frozenset[str]:  # the companies the deal is known by (Deal.known)
        return core | deal.known("companies")

    def principals() -> frozenset[str]:
        return deal.known("principals")

    def shared() -> bool:
        if not held:
            held.append(any(deal.documents_holding(f) for f in candidate.figures))
        return held[0]

    if gap > WINDOW_DAYS:
        # reported again months later: the same figure, in the same country, by the same parties
        # (a sentence revising the figure may host it in the other country it names)
        revision = candidate.long_window > LONG_WINDOW_DAYS
        if not (
            (same_anchor or (revision and deal.anchor in {c for f in candidate.figures for c in f.own_countries}))
            and companies <= known() | principals()
            and (not core or companies & core or candidate.doc_companies & core)
            and (same_doc or shared())
        ):
            return None
    if not same_anchor and not shared():  # placed in another country: only with a figure it holds
        return None
    if not same_doc and not shared() and disagrees(deal, candidate):
        return None  # another report stating other money or chips: another deal
    if (
        companies
        and any(f.tier == TIER_S and f.doc_id in deal.docs for f in candidate.figures)
        and not companies <= known()
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
            or (companies <= known() and (same_doc or shared()))
            or (companies & (core | principals()) and shared())
        ):
            return score(match)
        return None
    if not companies:
        # a body sentence naming no company belongs with its article's deal (a headline naming
        # none is a programme of its own); any such figure may join a deal it repeats when its
        # story is about the deal's parties (its core or its documents' main companies; one of them
        # is a main company of its document when its amounts are round: a story only naming them
        # tells "1 GW" or "$10bn" of someone else), or the figure is confirmed in the deal's
        # country and the story names no company the deal does not (a round amount links nothing
        # else)
        detail = same_doc and (
            all(f.tier == TIER_S for f in candidate.figures)
            or (all(f.tier == TIER_M and not f.in_title for f in candidate.figures)
                and bool(candidate.doc_principals & core))
        )
        if detail or (
            shared() and (not core or candidate.story() & (core | principals())
                          or (same_anchor and candidate.doc_companies <= known() | principals()
                              and _confirmed(deal, candidate)))
        ):
            return score(1.0 if not core else 0.0)
        return None
    if companies & principals() and shared():  # a deal founded without companies
        return score(0.0)
    return None


@lru_cache(maxsize=1)
def chip_makers() -> frozenset[str]:
    """The companies the registry (nlp/data/companies.jsonl) lists as chip makers."""
    return frozenset(name for name, row in company_registry().items() if row.get("type") == "chipmaker")


def two_chip_makers(a: frozenset[str] | set[str], b: frozenset[str] | set[str]) -> bool:
    """Whether both sets of companies name chip makers and none in common: one buyer's contracts
    with two chip makers are two deals."""
    makers = chip_makers()
    ours, theirs = a & makers, b & makers
    return bool(ours and theirs and ours.isdisjoint(theirs))


def same_founders(a: frozenset[str], b: frozenset[str]) -> bool:
    """Whether two deals' cores may be the same parties: one within the other, or half shared."""
    return a <= b or b <= a or jaccard(a, b) >= MIN_JACCARD


def may_take(deal: Deal, candidate: Candidate) -> bool:
    """The company part of the join test, as far as names alone decide it: a candidate naming
    companies joins only a deal known by one of them; one naming none joins a deal with companies
    of another document only when its story names one of them (or names no company at all)."""
    if candidate.companies:
        return deal.knows_any(candidate.companies)
    story = candidate.doc_companies
    return not deal.core or not story or deal.knows_any(story) or candidate.doc_id in deal.docs


def _near(values: list[float] | None, value: float, tolerance: float = USD_TOLERANCE) -> bool:
    """Whether the sorted ``values`` hold one within ``tolerance`` of ``value``."""
    if not values:
        return False
    i = bisect.bisect_left(values, value * (1 - tolerance))
    return i < len(values) and close(values[i], value, tolerance)


def disagrees(deal: Deal, candidate: Candidate) -> bool:
    """Whether the candidate states money or a chip count (in a headline or its own sentence)
    where the deal's reports state other amounts of that kind, none of them a sum of the other
    side's parts ("$15.2bn" against "$7.3bn so far plus $7.9bn") nor within CONVERSION_TOLERANCE
    (6 %) of one of them (a conversion rounded by another outlet, at another month's rate: "over
    EUR 4.6bn" against "$5bn"; dev flat, 0.751 / 0.673 -> 0.750 / 0.675). Asked only of a
    candidate that repeats none of the deal's figures: reports of one deal give its money and its chips alike, so
    two amounts that differ are two deals (an Amazon campus at $10bn and another at $20bn, in the
    same country and weeks apart). Capacities do not tell deals apart: one campus is reported by
    its first phase, its total or both."""
    for kind in STATED_KINDS:
        values = deal.stated.get(kind)
        if not values:
            continue
        ours = [comparable(f) for f in candidate.figures if f.kind == kind and f.tier != TIER_W]
        ours = [v for v in ours if v is not None and v > 0]
        if not ours:
            continue
        if any(_near(deal.stated_sums.get(kind), v) for v in ours):
            continue
        if any(_near(values, v, CONVERSION_TOLERANCE) for v in ours):
            continue  # the same money converted and rounded by another outlet ("over EUR 4.6bn", "$5bn")
        if any(_near(values, a + b) for i, a in enumerate(ours) for b in ours[i + 1:]):
            continue
        return True
    return False


def may_place(deal: Deal, candidate: Candidate) -> bool:
    """The country part of the join test: the deal's country is the candidate's, or one the
    candidate may be placed in, or the candidate's is one the deal's figures name."""
    return (deal.anchor == candidate.anchor or deal.anchor in candidate.places
            or candidate.anchor in deal.known("countries"))


def best_of(candidate: Candidate, deals: list[Deal]) -> tuple[Deal | None, tuple | None]:
    """The deal that ranks the candidate highest (``joins``) and its score; (None, None): none takes it.
    Scores end with the deal's founding order, so no two tie and the deals' order does not matter."""
    best, best_score = None, None
    for deal in deals:
        score = joins(deal, candidate)
        if score is not None and (best_score is None or score > best_score):
            best, best_score = deal, score
    return best, best_score


def best_ranked(candidate: Candidate, deals: list[Deal], takes=None) -> tuple[Deal | None, tuple | None]:
    """``best_of`` for deals of other documents than the candidate's (their scores' second part is
    false), tried in the order of the rest of their scores (the company match, the latest report,
    the earliest founded; ``takes``, if given, must hold first): the first one that takes the
    candidate and is confirmed is the best, and no other is tried; once one takes it, the later
    ones are tried only if they could still rank higher (confirmed, or holding a figure of the
    candidate when the best so far holds none)."""
    companies = candidate.companies
    if companies:  # the company match, the fourth part of a score (``joins``), as it ranks
        def rank(d: Deal) -> tuple:
            core = d.core
            return (len(companies & core) / len(companies | core) if core else 0.0, d.last_day, -d.order)
    else:
        def rank(d: Deal) -> tuple:
            return (0.0 if d.core else 1.0, d.last_day, -d.order)
    ranked = sorted(deals, key=rank, reverse=True)
    best, best_score = None, None
    for deal in ranked:
        if takes is not None and not takes(deal):
            continue
        if best_score is not None:
            # the deals after the best so far rank lower on the rest of the score: one can only
            # rank higher confirmed, or (when the best holds none of the candidate's figures) holding one
            if best_score[2]:
                if not _confirmed(deal, candidate):
                    continue
            elif not any(deal.documents_holding(f) for f in candidate.figures):
                continue
        score = joins(deal, candidate)
        if score is None:
            continue
        if score[0]:
            return deal, score
        if best_score is None or score > best_score:
            best, best_score = deal, score
    return best, best_score


def _confirmed(deal: Deal, candidate: Candidate) -> bool:
    """Two or more of the deal's documents report one of the candidate's figures."""
    return any(deal.documents_holding(f) >= 2 for f in candidate.figures)


class Clustering:
    """The leader clustering of step 3; ``run`` returns the deals in founding order.

    Deals are indexed by country and company (``by_company``), by figure (kind and amount bucket)
    and country (``by_key``) and by document, so a candidate is only compared with the deals it
    could join: those of its country naming one of its companies, those of its document, and
    those holding one of its figures that it may be placed with (``joins`` refuses any other), and
    of those only the ones its companies (or, naming none, its story's) allow (``may_take``). A
    deal is listed under its anchor and under the other countries it is known by (``Deal.known``,
    kept as its reports grow: ``index_countries``). While the passes go day by day, both indexes
    are also kept for the deals within LONG_WINDOW_DAYS of the day only (``in_reach``,
    ``company_reach``). The deals of its own document are compared first, and when one of
    them is confirmed (two documents report one of its figures) no other can rank higher, so the
    others are not compared at all (``best``, ``matching_deal``); the others are compared in the
    order of the rest of their scores, up to the first confirmed one, and after the first one that
    takes it only those that could still rank higher (``best_ranked``). A deal keeps how many of
    its documents report an amount until it grows. The result is the same as trying every deal:
    tests/warehouse/test_warehouse_deals_search.py checks it.
    """

    def __init__(self, figures: list[Figure], contexts: dict[str, DocContext]):
        self.figures = figures
        self.contexts = contexts
        self.deals: list[Deal] = []  # current deals, in founding order
        self.founded = 0
        self.deal_of: dict[str, Deal] = {}  # commitment_id -> deal
        # (anchor, company) -> the deals of that country whose core, S figures or documents' main
        # companies name it, by id: a candidate naming companies joins a deal of its country that
        # holds none of its figures only through one of them (``joins``)
        self.by_company: dict[tuple, dict[int, Deal]] = {}
        # (figure_keys, country, anchored) -> the deals holding one, by id, for each country a deal
        # may be placed with: its anchor and the other countries it is known by (``may_place``)
        self.by_key: dict[tuple, dict[int, Deal]] = {}
        # the same for the deals within LONG_WINDOW_DAYS of the day being clustered (``advance``):
        # the passes go day by day, so a lookup in that window reads only the deals in reach
        self.in_reach: dict[tuple, dict[int, Deal]] = {}
        self.company_reach: dict[tuple, dict[int, Deal]] = {}  # by_company for the deals in reach
        self.day: int | None = None
        self._reaching: set[int] = set()  # ids of the deals in in_reach
        self._starting: list = []  # heap of (first_day, order, deal) not yet in reach
        self._ending: list = []  # heap of (last_day, order, deal) in reach (last_day may be stale)
        self.by_doc: dict[str, list[Deal]] = {}
        self._principals: dict[str, frozenset[str]] = {}

    # -- deals and their indexes -----------------------------------------------------------------
    def seed(self, deals: list[Deal], next_order: int) -> None:
        """Continue from ``deals`` an earlier run left (an increment, warehouse/deals.py
        ``update_deals``): they are indexed as if founded here, and the deals founded from now on
        are numbered from ``next_order`` on (after every stored deal)."""
        for deal in sorted(deals, key=lambda d: d.order):
            self.deals.append(deal)
            self.deal_of.update((figure.commitment_id, deal) for figure in deal.figures)
            deal.indexed_countries = deal.known("countries") - {deal.anchor}
            self.index(deal, self.entries(deal, deal.by_amount))
            self.index_names(deal)
            for doc_id in deal.docs:
                self.by_doc.setdefault(doc_id, []).append(deal)
        self.founded = max(self.founded, next_order)

    def found(self, candidate: Candidate) -> Deal:
        deal = Deal(
            anchor=candidate.anchor,
            core=candidate.companies,
            principal=candidate.principal,
            first_reported=candidate.reported_on,
            last_reported=candidate.reported_on,
            order=self.founded,
            companies=candidate.companies,
        )
        self.founded += 1
        self.deals.append(deal)
        self.add(deal, candidate)
        return deal

    def add(self, deal: Deal, candidate: Candidate) -> None:
        deal.note_principals(candidate.doc_id, candidate.doc_principals)
        for figure in candidate.figures:
            self.attach(deal, figure, candidate.companies)
        self.index_names(deal)

    def attach(
        self, deal: Deal, figure: Figure, companies: frozenset[str], principals: frozenset[str] = frozenset()
    ) -> None:
        # a deal is listed under a key (a document) from its first figure with that key (of that
        # document) on; a dropped deal never takes figures again
        new_keys = [key for key in figure_keys(figure) if key not in deal.by_amount]
        new_doc = figure.doc_id not in deal.docs
        deal.add_figure(figure, companies, principals)
        self.deal_of[figure.commitment_id] = deal
        if new_keys:
            self.index(deal, self.entries(deal, new_keys))
        self.index_countries(deal)
        if self.day is not None and id(deal) not in self._reaching and self.reaches(deal):
            self.enter_reach(deal)  # reported again within reach (a revision found it further back)
        self.index_names(deal)
        if new_doc:
            self.by_doc.setdefault(figure.doc_id, []).append(deal)

    def drop(self, deal: Deal, listed: bool = True) -> None:
        if listed:
            self.deals.remove(deal)
        deal.dropped = True
        self.leave_reach(deal)
        for doc_id in deal.docs:
            listed = self.by_doc.get(doc_id)
            if listed and deal in listed:
                listed.remove(deal)
        for company in deal.indexed_names:
            self.by_company.get((deal.anchor, company), {}).pop(id(deal), None)
        for entry in self.entries(deal, deal.by_amount):
            holding = self.by_key.get(entry)
            if holding:
                holding.pop(id(deal), None)

    def index_countries(self, deal: Deal) -> None:
        """List the deal in ``by_key`` under the countries it is now known by (``Deal.known``:
        a country can also stop being one as its reports grow)."""
        now = deal.known("countries")
        if deal.anchor in now:
            now = now - {deal.anchor}
        before = deal.indexed_countries
        if now == before:
            return
        deal.indexed_countries = now
        gone = before - now
        if gone:
            indexes = [self.by_key, self.in_reach] if id(deal) in self._reaching else [self.by_key]
            for entry in self.entries(deal, deal.by_amount, gone, anchor=False):
                for index in indexes:
                    holding = index.get(entry)
                    if holding:
                        holding.pop(id(deal), None)
        if now - before:
            self.index(deal, self.entries(deal, deal.by_amount, now - before, anchor=False))

    def index_names(self, deal: Deal) -> None:
        fresh = deal.names - deal.indexed_names
        if fresh:
            reaching = id(deal) in self._reaching
            for company in fresh:
                self.by_company.setdefault((deal.anchor, company), {})[id(deal)] = deal
                if reaching:
                    self.company_reach.setdefault((deal.anchor, company), {})[id(deal)] = deal
            deal.indexed_names |= fresh

    @staticmethod
    def entries(deal: Deal, keys: Iterable[tuple], named: Iterable[str] | None = None, anchor: bool = True
                ) -> list[tuple]:
        """Where a deal is listed in ``by_key``: (key, its anchor, True) for each amount key, and
        (key, country, False) for each other country it is known by (``may_place``)."""
        named = [c for c in (deal.indexed_countries if named is None else named) if c != deal.anchor]
        found = []
        for key in keys:
            if anchor:
                found.append((key, deal.anchor, True))
            found.extend((key, country, False) for country in named)
        return found

    def index(self, deal: Deal, entries: list[tuple]) -> None:
        reaching = id(deal) in self._reaching
        for entry in entries:
            self.by_key.setdefault(entry, {})[id(deal)] = deal
            if reaching:
                self.in_reach.setdefault(entry, {})[id(deal)] = deal
        if not reaching and self.day is not None and self.reaches(deal):
            self.enter_reach(deal)

    # -- the deals in reach of the day -----------------------------------------------------------
    def start_sweep(self) -> None:
        """Start going through the days from the first again: no deal is in reach yet."""
        self.in_reach, self.company_reach, self._reaching, self._ending, self.day = {}, {}, set(), [], None
        self._starting = [(d.first_day, d.order, d) for d in self.deals]
        heapq.heapify(self._starting)

    def advance(self, day: int) -> None:
        """Make ``in_reach`` hold the deals within LONG_WINDOW_DAYS of ``day`` (days only grow
        between two ``start_sweep``; deals that grow back into reach are added as they do)."""
        self.day = day
        while self._starting and self._starting[0][0] <= day + LONG_WINDOW_DAYS:
            deal = heapq.heappop(self._starting)[2]
            if not deal.dropped and self.reaches(deal):
                self.enter_reach(deal)
        while self._ending and self._ending[0][0] < day - LONG_WINDOW_DAYS:
            last, order, deal = heapq.heappop(self._ending)
            if id(deal) not in self._reaching:
                continue
            if deal.last_day != last:
                heapq.heappush(self._ending, (deal.last_day, order, deal))
            else:
                self.leave_reach(deal)

    def reaches(self, deal: Deal) -> bool:
        return deal.first_day - LONG_WINDOW_DAYS <= self.day <= deal.last_day + LONG_WINDOW_DAYS

    def enter_reach(self, deal: Deal) -> None:
        self._reaching.add(id(deal))
        heapq.heappush(self._ending, (deal.last_day, deal.order, deal))
        for entry in self.entries(deal, deal.by_amount):
            self.in_reach.setdefault(entry, {})[id(deal)] = deal
        for company in deal.indexed_names:
            self.company_reach.setdefault((deal.anchor, company), {})[id(deal)] = deal

    def leave_reach(self, deal: Deal) -> None:
        if id(deal) not in self._reaching:
            return
        self._reaching.discard(id(deal))
        for entry in self.entries(deal, deal.by_amount):
            holding = self.in_reach.get(entry)
            if holding:
                holding.pop(id(deal), None)
        for company in deal.indexed_names:
            self.company_reach.get((deal.anchor, company), {}).pop(id(deal), None)

    def pool(self, candidate: Candidate) -> list[Deal]:
        """The deals a candidate could join (those ``joins`` would not refuse at once): its
        country's reported within WINDOW_DAYS of it, and those holding a figure in the amount
        buckets of one of its figures, reported within LONG_WINDOW_DAYS of it, that it may be placed
        with (``may_place``). (A deal of its country reported further away takes it only with a
        figure it holds or a document it has, and a deal with a figure of its document is reported
        that day.)"""
        day, anchor = candidate.day, candidate.anchor
        found = {}
        low, high = day - WINDOW_DAYS, day + WINDOW_DAYS  # gap_days(deal, candidate) <= WINDOW_DAYS
        for deal in self.by_doc.get(candidate.doc_id, ()):
            if deal.anchor == anchor and deal.first_day <= high and deal.last_day >= low:
                found[id(deal)] = deal
        companies = candidate.companies
        far_low, far_high = day - LONG_WINDOW_DAYS, day + LONG_WINDOW_DAYS
        keys = None
        by_company = self.company_reach if day == self.day else self.by_company  # (``advance``)
        for company in companies:
            for i, deal in by_company.get((anchor, company), {}).items():
                if deal.first_day <= high and deal.last_day >= low:
                    found[i] = deal
                elif i not in found and deal.first_day <= far_high and deal.last_day >= far_low:
                    # further away: only holding one of its figures (below, for a candidate naming none)
                    if keys is None:
                        keys = {key for f in candidate.figures for key in lookup_keys(f)}
                    if not keys.isdisjoint(deal.by_amount):
                        found[i] = deal
        # a candidate naming companies joins only a deal knowing one of them (``may_take``): those
        # of its country are the ones above, so the amount index is read for the others only
        holding = self.holding_keys(candidate.figures, candidate, LONG_WINDOW_DAYS, own_country=not companies)
        for i, deal in holding.items():
            if i not in found and deal.first_day <= far_high and deal.last_day >= far_low and may_take(deal, candidate):
                found[i] = deal
        # in no particular order: every ranking of them ends with the founding order (best_of, best_ranked)
        return list(found.values())

    def holding_keys(self, figures: list[Figure], candidate: Candidate, window: int, own_country: bool = True
                     ) -> dict[int, Deal]:
        """The deals holding a figure in the amount buckets of one of these (by id) that the
        candidate may be placed with (``may_place``), at least those within ``window`` days of it;
        without ``own_country``, not those anchored in the candidate's country."""
        found: dict[int, Deal] = {}
        index = self.in_reach if candidate.day == self.day and window <= LONG_WINDOW_DAYS else self.by_key
        anchor, places = candidate.anchor, {candidate.anchor, *candidate.places}
        if not own_country:
            places.discard(anchor)
        for figure in figures:
            for key in lookup_keys(figure):
                for place in places:
                    holding = index.get((key, place, True))
                    if holding:
                        found.update(holding)
                holding = index.get((key, anchor, False))
                if holding:
                    found.update(holding)
        return found

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
        """The deal among ``among`` (default: the pool) that ranks the candidate highest (``joins``).

        Without ``among``, the deals of the candidate's own document in the pool are ranked first:
        one of them that two documents confirm outranks any deal of other documents (the score
        puts confirmation and the same document first), so the rest of the pool is not needed."""
        if among is not None:
            return best_of(candidate, among)[0]
        keys = {key for f in candidate.figures for key in lookup_keys(f)}
        local = [
            d for d in self.by_doc.get(candidate.doc_id, ())
            if gap_days(d, candidate) <= LONG_WINDOW_DAYS
            and (d.anchor == candidate.anchor or not keys.isdisjoint(d.by_amount))
        ]
        deal, score = best_of(candidate, local)
        if score is not None and score[0] and score[1]:
            return deal
        seen = {id(d) for d in local}
        other, other_score = best_ranked(candidate, [d for d in self.pool(candidate) if id(d) not in seen])
        if other_score is not None and (score is None or other_score > score):
            return other
        return deal

    def place(self, candidate: Candidate, prefer: list[Deal] | None = None) -> Deal:
        deal = (self.best(candidate, prefer) if prefer else None) or self.best(candidate)
        if deal is None:
            return self.found(candidate)
        self.add(deal, candidate)
        return deal

    def matching_deal(self, figure: Figure, companies: frozenset[str]) -> Deal | None:
        """The best deal holding a figure the same as this one that would take it (the deals of its
        own document first, as in ``best``)."""
        window = REVISION_WINDOW_DAYS if figure.restated else LONG_WINDOW_DAYS
        candidate = self.candidate([figure], companies)
        candidate.long_window = window
        keys = lookup_keys(figure)

        def near(d: Deal) -> bool:  # what ``joins`` does not refuse at once
            return gap_days(d, candidate) <= window and may_place(d, candidate)

        def holds(d: Deal) -> bool:
            return d.documents_holding(figure) > 0

        local = [d for d in self.by_doc.get(figure.doc_id, ()) if any(k in d.by_amount for k in keys)
                 and near(d) and holds(d)]
        deal, score = best_of(candidate, local)
        if score is not None and score[0] and score[1]:
            return deal
        seen = {id(d) for d in local}
        holding = self.holding_keys([figure], candidate, window)
        low, high = candidate.day - window, candidate.day + window  # gap_days(d, candidate) <= window
        others = [d for i, d in holding.items() if i not in seen and d.first_day <= high and d.last_day >= low
                  and may_take(d, candidate)]  # the others ``joins`` refuses
        other, other_score = best_ranked(candidate, others, takes=holds)
        if other_score is not None and (score is None or other_score > score):
            return other
        return deal

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
        self.start_sweep()
        for day, day_docs in days.items():
            self.advance(day.toordinal())
            known = self.founded
            for doc_id in day_docs:
                self.pass_strong(by_doc[doc_id])
            for doc_id in day_docs:
                self.pass_shared(by_doc[doc_id])
            self.settle(known)
        self.start_sweep()
        for doc_id in docs:
            self.advance(by_doc[doc_id][0].reported_on.toordinal())
            self.pass_weak(by_doc[doc_id])
        self.day = None
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
        """A deal founded today that now joins an earlier deal of its country it shares a figure or a
        document with is merged into it (the report that links them may have come later in the day)."""
        start = len(self.deals)  # deals are kept in founding order: today's are the last ones
        while start and self.deals[start - 1].order >= known:
            start -= 1
        for deal in self.deals[start:]:
            figures = deal.figures
            candidate = self.candidate(figures, deal.core)
            candidate.doc_principals = frozenset(deal.named)
            older = [d for d in self.pool(candidate) if d.order < deal.order]
            target = self.best(candidate, older)
            if target is None or not (deal.docs & target.docs or any(target.holds(f) for f in figures)):
                continue
            if deal.anchor and target.anchor and deal.anchor != target.anchor:
                continue  # one host: the same parties' deals in two countries stay two
            if not same_founders(deal.core, target.core):
                continue  # only the same parties are merged
            self.merge(deal, into=target)

    def merge(self, deal: Deal, into: Deal, listed: bool = True) -> None:
        """Move a deal's figures (and its documents' main companies) into another deal; without
        ``listed``, the deal stays in ``deals`` (marked dropped) for the caller to sweep out."""
        self.drop(deal, listed)
        for figure, companies in deal.members:
            self.attach(into, figure, companies)
        for (what, doc_id), names in deal._counted.items():
            if what == "principals":
                into.note_principals(doc_id, names)
        self.index_names(into)

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
        # what no deal took founds deals of its own, unless the figure stands in another country
        # than every deal of its document (a pledge to another country in a story about a
        # company's campus, "investment could rise to $1tn", is context)
        documents = self.by_doc.get(figures[0].doc_id, ()) if figures else ()
        left = [f for f in left if not documents or any(d.anchor == f.anchor for d in documents)]
        if left:
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
            here = deal.per_doc[figure.doc_id]
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


def cluster_figures(figures: list[Figure], contexts: dict[str, DocContext] | None = None,
                    seeded: list[Deal] = (), next_order: int = 0) -> list[Deal]:
    """The leader clustering (module docstring, step 3) of attributed figures; ``seeded``: deals
    of an earlier run they may join (``Clustering.seed``), returned with the others."""
    clustering = Clustering(figures, contexts or {})
    if seeded:
        clustering.seed(list(seeded), next_order)
    return clustering.run()
