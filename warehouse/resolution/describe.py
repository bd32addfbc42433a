"""What a resolved deal shows: its id, host and other countries, principal companies, title, and
which of its figures may be its headline figures. Pure.

- deal id: 'd-' + 12 hex of sha256 of its earliest figure's commitment_id (earliest by report
  date, then commitment_id), as the rule-based clustering does, so ids stay stable across
  rebuilds of the same data and record_deal_aliases.sql can follow ids that change.
- host: the frames' hosts, one vote per document (weighted by how sure each frame is), ties to
  the earliest frame's; then the other countries the frames' sentences name in at least half of
  its documents.
- companies: the parties named by at least half of its documents, and always its leading party.
- title: "<project>: " when a project is named, then its three leading parties "in" the host.
- headline: a figure tied to the deal by its own sentence (tier S or M) may be a headline; a
  weakly tied one (W) only when the deal has no better figure of its kind or another of its
  figures confirms it.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field

from warehouse.countries import country_name
from warehouse.resolution.features import same_figure
from warehouse.resolution.frames import Figure, Frame

TITLE_COMPANIES = 3


@dataclass
class Deal:
    frames: list[Frame]
    deal_id: str = ""
    title: str = ""
    countries: list[str] = field(default_factory=list)
    companies: list[str] = field(default_factory=list)
    project: str | None = None

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


def deal_title(deal: Deal) -> str:
    host = deal.countries[0] if deal.countries else None
    place = country_name(host) if host else "several countries"
    lead = ", ".join(deal.companies[:TITLE_COMPANIES]) or "AI infrastructure"
    title = f"{lead} in {place}"
    return f"{deal.project}: {title}" if deal.project else title


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
    deal.title = deal_title(deal)
    return deal
