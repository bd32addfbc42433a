"""Cluster extracted figures into deals and rebuild ``deals`` and ``deal_evidence``.

A deal is one real-world deal or programme: the figures (commitments) that several documents, or
several sentences of one document, report about it. The rule is leader clustering over figures,
most reliable links first; tests/warehouse/test_warehouse_deals*.py pin its behaviour and
docs/architecture.md ("Deal clustering") explains it with its limits.

1. Links of a figure (inputs: warehouse/sql/deal_figures.sql and deal_mentions.sql). A figure's
   *own* countries and companies are those named in its own sentence. In a sentence with several
   figures (or in the headline, which sums up the article) each company goes with the figures
   that follow it, until the next company: "Nvidia will provide 18,000 chips for Humain, and AMD
   agreed a $10bn partnership" gives 18,000 to Nvidia and $10bn to Humain and AMD; companies after
   the last figure go with the last one. A company named inside the figure ("23,000 Nvidia GPUs")
   is its supplier, a weak link. Links the extractor *borrowed* from the paragraph or the title
   (``link_scope``) are weak links too. Each figure gets a tier:
     S  a body sentence with one figure and an own country or company;
     M  the headline, or a body sentence with several figures naming a country or company;
     W  a figure whose sentence names no country and no company (only borrowed links).
   Its *anchor* (the host country) is one of its own countries (else of its borrowed ones): the
   one its paragraph names most, then the document, then the first in the sentence; the
   document's main country (most mentions) competes when the paragraph names it ("EUR 20bn from
   Canadian Brookfield", in a paragraph on France, is anchored in France).
2. Same figure. Two figures *match* when they are the same kind and amount (1 %; money in the
   same currency, or within 1.5 % in US dollars): the strongest sign that two reports are about
   the same deal.
3. Leader clustering, in three passes over the documents in report order (date, doc_id):
   S  the S figures of a document with the same anchor and own companies form a candidate; it
      joins the best matching deal or founds one;
   M  each M figure joins the deal holding a matching figure when there is one (the companies of
      its sentence that this explains are then not held against the sentence's other figures:
      "Microsoft's $30bn and 120,000 GPUs behind the GBP 31bn deal" sends each figure to its own
      deal); the sentence's other figures form a candidate that joins a deal (the deals its
      sibling figures joined first) or founds one;
   W  each W figure joins the deal holding a matching figure, else a deal its own document already
      supports with compatible companies, anchor and deal type, else - when its document has no
      deal at all - its document's W figures found one; otherwise it is left out (it stays in
      ``commitments``): a weak figure never founds a deal next to its article's real ones.
   A candidate joins a deal (``joins``) only when it was reported within WINDOW_DAYS (45) of the
   deal's reports and
   - its anchor is the deal's, or it matches a figure of the deal and its document names the
     deal's country (one outlet puts the US first where the others say Saudi Arabia);
   - and its companies match the deal's *core* (the founder's companies; the core never drifts):
     Jaccard >= MIN_JACCARD (0.5), or both companies of the founder's principal pair, or a subset
     of the core when its document already supports the deal or it matches a figure of the
     deal, or any core company when it matches a figure of the deal; a candidate without
     companies joins only a deal it matches a figure of (and whose core its document names); a
     deal without companies takes only candidates without companies.
   Among several deals it joins the one holding a matching figure, then the highest Jaccard, then
   the most recently reported, then the earliest founded. Because candidates are compared with a
   fixed core, A~B and B~C never pull A and C together: no chaining across stories.
4. Each deal: deal_id = 'd-' + 12 hex of sha256(earliest evidence commitment_id), earliest by
   report date then commitment_id (stable across rebuilds of the same data). Country: a vote of
   its documents (each its most reliable own-anchored figure: S counts 3, M 2; W figures do not
   vote), ties to the founder's; then the other own countries of at least half of its documents.
   Companies: the core plus those named by at least half of its documents. Title: the three deal
   companies most mentioned by its documents, "in" the country. Headline figures (SQL,
   warehouse/sql/build_deals.sql): per kind, the latest report's largest figure among the S and M
   figures, and the W figures that match an S or M figure of the deal; a deal with only W figures
   of a kind uses them.

Deterministic: the same rows in give the same deals, ids and evidence (every order is total).
"""

from __future__ import annotations

import bisect
import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

import duckdb
import pyarrow as pa

from warehouse.countries import country_name
from warehouse.db import DATA_DIR, fetch_dicts, run_sql, transaction

WINDOW_DAYS = 45
LONG_WINDOW_DAYS = 183  # a deal reported again with the same figure, same country, no new company
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
    tier: int = TIER_W
    anchor: str | None = None


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


@dataclass
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

    @classmethod
    def founded_by(cls, candidate: Candidate, order: int) -> Deal:
        deal = cls(
            anchor=candidate.anchor,
            core=candidate.companies,
            principal=candidate.principal,
            first_reported=candidate.reported_on,
            last_reported=candidate.reported_on,
            order=order,
            named=set(candidate.doc_principals),
        )
        deal.add(candidate)
        return deal

    def add(self, candidate: Candidate) -> None:
        self.named |= candidate.doc_principals
        for figure in candidate.figures:
            self.add_figure(figure, candidate.companies)

    def add_figure(self, figure: Figure, companies: frozenset[str], principals: frozenset[str] = frozenset()) -> None:
        if not self.core and companies:
            # a deal founded without companies takes those of the first figure naming some
            self.core = companies
            self.principal = frozenset(sorted(companies)[:2]) if len(companies) <= 2 else self.principal
        self.named |= principals
        self.members.append((figure, companies))
        self.docs.add(figure.doc_id)
        self.first_reported = min(self.first_reported, figure.reported_on)
        self.last_reported = max(self.last_reported, figure.reported_on)

    @property
    def figures(self) -> list[Figure]:
        return [figure for figure, _ in self.members]

    @property
    def countries_named(self) -> set[str]:
        return {c for f in self.figures for c in f.own_countries + f.weak_countries}

    @property
    def companies(self) -> frozenset[str]:
        """The core and the companies of its S figures (headline and shared sentences sum up more)."""
        return self.core.union(*(companies for f, companies in self.members if f.tier == TIER_S))

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
        ctx.first.setdefault(key, m["start_char"])
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
) -> dict[str, tuple[set, set]]:
    """Own and supplier companies of each figure of one sentence (module docstring, step 1).

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
        if last_in_clause:
            own[figure.commitment_id] |= {
                m["value"] for m in free
                if m["start_char"] >= figure.end and clause_of(m["start_char"]) == figure.clause
            }
    return {cid: (own[cid], supplier[cid]) for cid in own}


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
    return min(pool, key=lambda c: (-paragraph.get(c, 0), -ctx.countries.get(c, 0), ctx.first.get(("country", c), 1 << 30), c))


def attribute_figures(figure_rows: list[dict], mention_rows: list[dict]) -> tuple[list[Figure], dict[str, DocContext]]:
    """Figures with their own and weak links, tiers and anchors, in report order."""
    contexts = document_contexts(mention_rows)
    by_sentence: dict[tuple[str, str], list[dict]] = {}
    for m in mention_rows:
        by_sentence.setdefault((m["doc_id"], m["sentence"]), []).append(m)
    figures = [_figure(row) for row in figure_rows]
    groups: dict[tuple[str, str], list[Figure]] = {}
    for figure, row in zip(figures, figure_rows):
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
        company_mentions = [m for m in mentions if m["kind"] == "company"]
        sentence_countries = {m["value"] for m in mentions if m["kind"] == "country"}
        companies = _sentence_companies(group, company_mentions, clause_of)
        for figure in group:
            row = rows[figure.commitment_id]
            trusted = row["link_scope"] in (None, "sentence")  # the extractor's lists are the sentence's
            own_companies, suppliers = companies[figure.commitment_id]
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
            figure.anchor = choose_anchor(figure, contexts.get(figure.doc_id, DocContext()))
    return figures, contexts


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
    holding one of its figures, then the company match.
    """
    gap = gap_days(deal, candidate)
    if gap > LONG_WINDOW_DAYS:
        return None
    shared = any(same_figure(f, g) for f in candidate.figures for g in deal.figures)
    same_doc = candidate.doc_id in deal.docs
    if gap > WINDOW_DAYS:
        # reported again months later: the same figure, in the same country, by the same parties
        if not (
            (shared or same_doc)
            and candidate.anchor == deal.anchor
            and candidate.companies <= deal.companies | deal.named
            and (not deal.core or candidate.companies & deal.core or candidate.doc_companies & deal.core)
        ):
            return None
    if candidate.anchor != deal.anchor and not (
        shared
        and (deal.anchor in _countries_for(candidate) or candidate.anchor in deal.countries_named)
    ):
        return None
    companies, core = candidate.companies, deal.core
    if (
        companies
        and not companies <= deal.companies
        and any(f.tier == TIER_S and f.doc_id in deal.docs for f in candidate.figures)
    ):
        return None  # in one article, a figure naming a company the deal's figures there do not is another deal
    confirmed = shared and _confirmed(deal, candidate)

    def score(match: float) -> tuple:
        return (confirmed, same_doc, shared, match, deal.last_reported, -deal.order)

    if companies and core:
        match = jaccard(companies, core)
        if (
            match >= MIN_JACCARD
            or (len(deal.principal) == 2 and deal.principal <= companies)
            or (companies <= deal.companies and (shared or same_doc))
            or (shared and companies & (core | deal.named))
        ):
            return score(match)
        return None
    if not companies:
        # a body sentence naming no company belongs with its article's deal (a headline naming
        # none is a programme of its own); any such figure may join a deal it repeats
        detail = same_doc and all(f.tier == TIER_S for f in candidate.figures)
        if detail or (shared and (not core or confirmed or candidate.doc_companies & core)):
            return score(1.0 if not core else 0.0)
        return None
    if shared and companies & deal.named:  # a deal founded without companies
        return score(0.0)
    return None


def _countries_for(candidate: Candidate) -> set[str]:
    """Countries a candidate may be placed in besides its anchor: the ones its sentences name, and
    - for headline, multi-figure and weak figures, whose countries are loosely tied - its document's."""
    named = {c for f in candidate.figures for c in f.own_countries + f.weak_countries}
    if all(f.tier != TIER_S for f in candidate.figures):
        named |= candidate.doc_countries
    return named


def _confirmed(deal: Deal, candidate: Candidate) -> bool:
    """Two or more of the deal's documents report one of the candidate's figures."""
    return any(
        len({g.doc_id for g in deal.figures if same_figure(f, g)}) >= 2 for f in candidate.figures
    )


class Clustering:
    """The leader clustering of step 3; ``run`` returns the deals in founding order."""

    def __init__(self, figures: list[Figure], contexts: dict[str, DocContext]):
        self.figures = figures
        self.contexts = contexts
        self.deals: list[Deal] = []
        self.deal_of: dict[str, Deal] = {}  # commitment_id -> deal

    # -- helpers ---------------------------------------------------------------------------------
    def candidate(self, figures: list[Figure], companies: frozenset[str]) -> Candidate:
        first = figures[0]
        ctx = self.contexts.get(first.doc_id, DocContext())
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
            doc_principals=frozenset(sorted(ctx.companies, key=lambda c: ctx.rank("company", c))[:2]),
        )

    def principals(self, doc_id: str) -> frozenset[str]:
        ctx = self.contexts.get(doc_id, DocContext())
        return frozenset(sorted(ctx.companies, key=lambda c: ctx.rank("company", c))[:2])

    def best(self, candidate: Candidate, among: list[Deal] | None = None) -> Deal | None:
        best, best_key = None, None
        for deal in among if among is not None else self.deals:
            key = joins(deal, candidate)
            if key is not None and (best_key is None or key > best_key):
                best, best_key = deal, key
        return best

    def place(self, candidate: Candidate, prefer: list[Deal] | None = None) -> Deal:
        deal = (self.best(candidate, prefer) if prefer else None) or self.best(candidate)
        if deal is None:
            deal = Deal.founded_by(candidate, len(self.deals))
            self.deals.append(deal)
        else:
            deal.add(candidate)
        for figure in candidate.figures:
            self.deal_of[figure.commitment_id] = deal
        return deal

    def matching_deal(self, figure: Figure, companies: frozenset[str]) -> Deal | None:
        """The best deal holding a figure the same as this one that would take it."""
        candidate = self.candidate([figure], companies)
        holding = [d for d in self.deals if any(same_figure(figure, g) for g in d.figures)]
        return self.best(candidate, holding) if holding else None

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
            known = len(self.deals)
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
            groups.setdefault((figure.anchor or "", figure.own_companies), []).append(figure)
        return [self.candidate(group, frozenset(companies)) for (_, companies), group in groups.items()]

    def settle(self, known: int) -> None:
        """A deal founded today that now joins an earlier deal it shares a figure or a document with
        is merged into it (the report that links them may have come later in the day)."""
        for deal in list(self.deals[known:]):
            figures = deal.figures
            candidate = self.candidate(figures, deal.core)
            candidate.doc_principals = frozenset(deal.named)
            older = [d for d in self.deals if d.order < deal.order]
            target = self.best(candidate, older)
            if target is None or not (
                deal.docs & target.docs or any(same_figure(f, g) for f in figures for g in target.figures)
            ):
                continue
            cores = (deal.core, target.core)
            if not (cores[0] <= cores[1] or cores[1] <= cores[0] or jaccard(*cores) >= MIN_JACCARD):
                continue  # only the same parties are merged
            for figure, companies in deal.members:
                target.add_figure(figure, companies)
                self.deal_of[figure.commitment_id] = target
            target.named |= deal.named
            self.deals.remove(deal)

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
                deal.add_figure(figure, companies, self.principals(figure.doc_id))
                self.deal_of[figure.commitment_id] = deal
                explained |= companies & deal.companies
                joined.append((deal, frozenset(figure.own_companies)))
            for part in merge_subordinate(split_by_companies(rest), self.contexts.get(group[0].doc_id, DocContext())):
                companies = frozenset().union(*(f.own_companies for f in part))
                candidate = self.candidate(part, companies)
                # the sentence gives the other figures the same subject: they follow their sibling
                sibling = next((d for d, own in joined if own == companies and d.anchor == candidate.anchor), None)
                if sibling is not None and joins_window(sibling, candidate):
                    sibling.add(candidate)
                    for figure in part:
                        self.deal_of[figure.commitment_id] = sibling
                    continue
                self.place(candidate, prefer=[d for d, _ in joined])

    def pass_weak(self, figures: list[Figure]) -> None:
        weak = sorted((f for f in figures if f.tier == TIER_W), key=lambda f: (f.start, f.commitment_id))
        left = []
        for figure in weak:
            deal = self.matching_deal(figure, frozenset()) or self.supported_deal(figure)
            if deal is None:
                left.append(figure)
                continue
            deal.add_figure(figure, frozenset(), self.principals(figure.doc_id))
            self.deal_of[figure.commitment_id] = deal
        if left and not any(f.commitment_id in self.deal_of for f in figures):
            groups: dict[str, list[Figure]] = {}
            for figure in left:
                groups.setdefault(figure.anchor or "", []).append(figure)
            for group in groups.values():
                # figures naming nobody in their sentence: their paragraph's or title's companies,
                # else the article's three main ones
                companies = frozenset().union(*(f.weak_companies for f in group))
                if not companies:
                    ctx = self.contexts.get(group[0].doc_id, DocContext())
                    companies = frozenset(sorted(ctx.companies, key=lambda c: ctx.rank("company", c))[:3])
                self.place(self.candidate(group, companies))

    def supported_deal(self, figure: Figure) -> Deal | None:
        """A deal the figure's document already supports that fits it (module docstring, W pass)."""
        ctx = self.contexts.get(figure.doc_id, DocContext())
        family = TYPE_FAMILIES.get(figure.deal_type)
        weak = set(figure.weak_companies)
        best, best_key = None, None
        # a country borrowed from the figure's own paragraph places it; one borrowed from the
        # title does not (the title sums up the whole article)
        local = set(figure.weak_countries) & set(ctx.paragraph_countries.get(figure.paragraph, ()))
        for deal in self.deals:
            if figure.doc_id not in deal.docs:
                continue
            if local and deal.anchor not in local:
                continue
            companies = deal.companies
            if family is not None and deal.types() and family not in deal.types():
                continue
            here = sum(1 for f in deal.figures if f.doc_id == figure.doc_id)
            key = (len(weak & companies), here, -deal.order)
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


def merge_subordinate(parts: list[list[Figure]], ctx: DocContext) -> list[list[Figure]]:
    """Join a part whose companies the document names far less often (SUBORDINATE_RATIO times) than
    another part's companies ("Microsoft invested $7.3bn, including a stake in G42, and will spend
    $7.9bn", in an article naming Microsoft six times and G42 twice: G42 is an object of the
    sentence, not the subject of $7.9bn); parts whose companies are about as prominent stay apart."""

    def companies(part: list[Figure]) -> set[str]:
        return set().union(*(f.own_companies for f in part))

    merged = [list(part) for part in parts]
    changed = True
    while changed and len(merged) > 1:
        changed = False
        for i, part in enumerate(merged):
            mine = companies(part)
            if not mine:
                continue
            top = max(ctx.companies.get(c, 0) for c in mine)
            hosts = [
                j for j, other in enumerate(merged)
                if j != i and companies(other) and not mine & companies(other)
                and min(ctx.companies.get(c, 0) for c in companies(other)) >= SUBORDINATE_RATIO * top
            ]
            if hosts:
                host = merged[min(hosts, key=lambda j: merged[j][0].start)]
                for figure in part:
                    figure.own_companies = tuple(sorted(companies(host)))
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
            ctx = (contexts or {}).get(doc_id, DocContext())
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
        total = sum(contexts.get(d, DocContext()).companies.get(company, 0) for _, d in docs)
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
