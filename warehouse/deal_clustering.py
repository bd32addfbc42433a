"""The leader clustering of figures into deals (steps 2 and 3 of warehouse/deals.py): candidates,
deals, the rules by which a candidate joins a deal, and splitting by companies."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property

from warehouse.deal_figures import (
    LONG_WINDOW_DAYS,
    MIN_JACCARD,
    NO_CONTEXT,
    REVISION_WINDOW_DAYS,
    SUBORDINATE_RATIO,
    TIER_M,
    TIER_S,
    TIER_W,
    TYPE_FAMILIES,
    WINDOW_DAYS,
    DocContext,
    Figure,
    figure_keys,
    lookup_keys,
)
from warehouse.resolution.features import same_figure


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
