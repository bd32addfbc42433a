"""What a resolved deal shows: its id, host and other countries, principal companies, title, and
which of its figures may be its headline figures. Pure.

- deal id: 'd-' + 12 hex of sha256 of its earliest figure's commitment_id (earliest by report
  date, then commitment_id), as the rule-based clustering does, so ids stay stable across
  rebuilds of the same data and record_deal_aliases.sql can follow ids that change.
- host: the frames' hosts, one vote per document (weighted by how sure each frame is), ties to
  the earliest frame's; then the other countries the frames' sentences name in at least half of
  its documents.
- companies: the parties named by at least half of its documents, and always its leading party.
- parties: its companies in that order, each with the role its frames give it most (investor,
  supplier, partner; weighted by how sure each frame is).
- title and summary: told by telling.py from the deal's own record: project, parties with roles,
  deal type (its frames' most common), host, the headline figures (per kind, the latest report's
  largest headline figure, as warehouse/sql/build_deals.sql chooses them), first report. Frames
  hold commitment figures only, so a context figure is never told as the deal's.
- headline: a figure tied to the deal by its own sentence (tier S or M) may be a headline; a
  weakly tied one (W) only when the deal has no better figure of its kind or another of its
  figures confirms it.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field

from warehouse.resolution.features import same_figure
from warehouse.resolution.frames import Figure, Frame
from warehouse.resolution.telling import DealFacts, Party, deal_summary
from warehouse.resolution.telling import deal_title as tell_title

TITLE_COMPANIES = 3


@dataclass
class Deal:
    frames: list[Frame]
    deal_id: str = ""
    title: str = ""
    countries: list[str] = field(default_factory=list)
    companies: list[str] = field(default_factory=list)
    project: str | None = None
    parties: list[dict] = field(default_factory=list)  # {name, role}, in the order titles name them
    summary: str = ""

    @property
    def figures(self) -> list[Figure]:
        return [f for frame in self.frames for f in frame.figures]


def deal_id_for(figures: list[Figure]) -> str:
    earliest = min((f.reported_on, f.commitment_id) for f in figures)[1]
    return "d-" + hashlib.sha256(earliest.encode("utf-8")).hexdigest()[:12]


def deal_host(frames: list[Frame]) -> str | None:
    votes: Counter = Counter()
    for frame in frames:
        if frame.host:
            votes[frame.host] += 1.0 + min(1.0, max(0.0, frame.host_score) / 10)
    if not votes:
        return None
    top = max(votes.values())
    leaders = [c for c, n in votes.items() if n == top]
    for frame in frames:
        if frame.host in leaders:
            return frame.host
    return min(leaders)


def deal_countries(frames: list[Frame]) -> list[str]:
    host = deal_host(frames)
    docs = {f.doc_id for f in frames}
    counts: Counter = Counter()
    for doc_id in docs:
        counts.update({c for f in frames if f.doc_id == doc_id for fig in f.figures for c in fig.countries})
    others = sorted(c for c, n in counts.items() if 2 * n >= len(docs) and c != host)
    return ([host] if host else []) + others


def deal_companies(frames: list[Frame]) -> list[str]:
    docs = {f.doc_id for f in frames}
    counts: Counter = Counter()
    weight: Counter = Counter()
    for doc_id in docs:
        names = {p.name for f in frames if f.doc_id == doc_id for p in f.parties}
        counts.update(names)
        for f in frames:
            if f.doc_id == doc_id:
                for p in f.parties:
                    weight[p.name] += p.score
    chosen = {c for c, n in counts.items() if 2 * n >= len(docs)}
    if weight:
        chosen.add(min(weight, key=lambda c: (-counts[c], -weight[c], c)))
    return sorted(chosen, key=lambda c: (-counts[c], -weight[c], c))


def deal_project(frames: list[Frame]) -> str | None:
    projects = Counter(f.project for f in frames if f.project)
    return min(projects, key=lambda p: (-projects[p], p)) if projects else None


def deal_parties(deal: Deal) -> list[dict]:
    """Its companies in order, each with the role its frames give it most (ties: investor first)."""
    votes: dict[str, Counter] = {}
    for frame in deal.frames:
        for party in frame.parties:
            votes.setdefault(party.name, Counter())[party.role] += max(party.score, 0.01)
    order = {"investor": 0, "partner": 1, "supplier": 2}
    parties = []
    for name in deal.companies:
        roles = votes.get(name)
        role = min(roles, key=lambda r: (-roles[r], order.get(r, 3), r)) if roles else None
        parties.append({"name": name, "role": role})
    return parties


def headline_values(figures: list[Figure]) -> dict[str, Figure]:
    """Per kind, the figure build_deals.sql shows: among the headline figures, the latest report's
    largest (money in US dollars)."""
    allowed = headline_figures(figures)
    chosen: dict[str, Figure] = {}
    for figure in figures:
        if figure.commitment_id not in allowed or figure.amount is None or not figure.is_commitment:
            continue
        size = figure.usd if figure.kind == "money" and figure.usd is not None else figure.amount
        best = chosen.get(figure.kind)
        if best is None:
            chosen[figure.kind] = figure
            continue
        best_size = best.usd if best.kind == "money" and best.usd is not None else best.amount
        if (figure.reported_on, size, -figure.start) > (best.reported_on, best_size, -best.start):
            chosen[figure.kind] = figure
    return chosen


def deal_facts(deal: Deal) -> DealFacts:
    """The deal as telling.py reads it (no status: the frames do not say it)."""
    values = headline_values(deal.figures)
    money, power, chips = values.get("money"), values.get("power"), values.get("chips")
    types = Counter(f.deal_type for f in deal.frames if f.deal_type)
    return DealFacts(
        project=deal.project,
        parties=tuple(Party(p["name"], p["role"]) for p in deal.parties),
        deal_type=min(types, key=lambda t: (-types[t], t)) if types else None,
        host=deal.countries[0] if deal.countries else None,
        site=next((f.site for f in deal.frames if f.site), None),
        money_value=money.amount if money else None,
        money_currency=money.currency if money else None,
        money_usd=money.usd if money else None,
        mw=power.amount if power else None,
        chip_count=int(chips.amount) if chips else None,
        first_reported=min((f.reported_on for f in deal.frames), default=None),
    )


def deal_title(deal: Deal) -> str:
    """'Stargate Norway: Nscale and Aker plan a 230 MW AI data centre in Norway' (telling.py)."""
    return tell_title(deal_facts(deal))


def headline_figures(figures: list[Figure]) -> set[str]:
    allowed = set()
    for kind in {f.kind for f in figures}:
        same_kind = [f for f in figures if f.kind == kind]
        strong = [f for f in same_kind if f.tier != "W"]
        if not strong:
            allowed |= {f.commitment_id for f in same_kind}
            continue
        allowed |= {f.commitment_id for f in strong}
        allowed |= {f.commitment_id for f in same_kind if f.tier == "W" and any(same_figure(f, s) for s in strong)}
    return allowed


def describe_deal(frames: list[Frame]) -> Deal:
    deal = Deal(frames=sorted(frames, key=lambda f: f.key))
    deal.deal_id = deal_id_for(deal.figures)
    deal.countries = deal_countries(deal.frames)
    deal.companies = deal_companies(deal.frames)
    deal.project = deal_project(deal.frames)
    deal.parties = deal_parties(deal)
    facts = deal_facts(deal)
    deal.title = tell_title(facts)
    deal.summary = deal_summary(facts)
    return deal
