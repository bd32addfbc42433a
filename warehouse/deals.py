"""Cluster extracted figures into deals and rebuild ``deals`` and ``deal_evidence``.

Clustering rule (leader clustering; tests/warehouse/test_warehouse_deals.py pins its behaviour):

1. Attribution (SQL, warehouse/sql/deal_candidates.sql). A figure (commitment) belongs to the
   countries and companies of its own sentence; only when its sentence names none does it take the
   document's primary country (most mentions, ties: first mention) and the document's principal
   companies (the top two by mentions, ties: first mention); a sentence naming no country and a
   single company ("100,000 Nvidia GPUs", a supplier detail of the article's main story) also
   takes the principal companies. Each figure gets one *anchor*
   country: of its sentence's countries, the document's primary country if it is one of them,
   else the first one mentioned in the sentence. Figures without any country are left out: the
   tracker follows national deals.
2. Candidates. The figures of one document with the same anchor and overlapping companies (or
   both without any company) belong to the same deal: they form one candidate (connected
   components inside the document). Its countries and companies are the union of its figures'.
3. Leader clustering. Candidates are processed in a deterministic order (report date = published,
   else fetched; doc_id; first figure offset). A candidate joins an existing deal only when
   - it has the same anchor country as the deal, and
   - it was reported at most WINDOW_DAYS (45) days after the deal's latest report, and
   - its companies match the deal's *core* companies (those of the candidate that founded the
     deal; the core never drifts as the deal grows): Jaccard >= MIN_JACCARD (0.5), or the
     candidate names both companies of the deal's principal pair (the founder's two companies
     its document mentions most), or neither names any company, or - the same story told by an
     outlet that puts other partners in its figures' sentences - it names a core company and its
     document's companies match the founding document's (the deal's *story*) by Jaccard >= 0.5.
   Among several matching deals it joins the one with the highest Jaccard, then the most recently
   reported, then the earliest founded; otherwise it founds a new deal. Because every candidate
   is compared with a fixed core (not with every member), A~B and B~C never pull A and C together:
   no chaining across stories.
4. Each deal: deal_id = 'd-' + 12 hex of sha256(earliest evidence commitment_id), earliest by
   report date then commitment_id (stable across rebuilds of the same data). Countries: the
   anchor first, then the other countries present in at least half of its candidates (sorted).
   Companies: those present in at least half of its candidates plus the core ones (sorted). The
   title lists the three deal companies most mentioned by its evidence documents "in" the anchor.

Stargate UAE (OpenAI, G42, Oracle, Nvidia...) and Microsoft's UAE investment (Microsoft, G42)
share G42 and the UAE but neither the companies nor the principal pair nor the story, so they
stay apart; a figure about another country in the same article ("$1 billion in Kenya") gets its
own anchor and so its own deal.

The deal figures (money = the latest report's main figure among the figures attributed to the
deal), types and statuses are computed in SQL (warehouse/sql/build_deals.sql) from the clusters
handed over as Arrow tables.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date

import duckdb
import pyarrow as pa

from warehouse.countries import country_name
from warehouse.db import DATA_DIR, fetch_dicts, run_sql, transaction

WINDOW_DAYS = 45
MIN_JACCARD = 0.5
TITLE_COMPANIES = 3


@dataclass
class Candidate:
    """The figures of one document with the same anchor country and overlapping companies."""

    doc_id: str
    reported_on: date
    anchor: str
    countries: tuple[str, ...]
    companies: tuple[str, ...]
    commitment_ids: list[str] = field(default_factory=list)
    principal: frozenset[str] = frozenset()
    first_start: int = 0
    doc_companies: frozenset[str] = frozenset()


@dataclass
class Deal:
    """A deal being built: its founder fixes the anchor, the core companies and the principal pair."""

    anchor: str
    core: frozenset[str]
    principal: frozenset[str]
    last_reported: date
    story: frozenset[str] = frozenset()
    candidates: list[Candidate] = field(default_factory=list)

    @classmethod
    def founded_by(cls, candidate: Candidate) -> Deal:
        return cls(
            anchor=candidate.anchor,
            core=frozenset(candidate.companies),
            principal=candidate.principal,
            last_reported=candidate.reported_on,
            story=candidate.doc_companies,
            candidates=[candidate],
        )

    def add(self, candidate: Candidate) -> None:
        self.candidates.append(candidate)
        self.last_reported = max(self.last_reported, candidate.reported_on)


def _rank_key(prominence: dict, doc_id: str, kind: str, value: str) -> tuple:
    n_mentions, first_start = prominence.get((doc_id, kind, value), (0, None))
    return (-n_mentions, first_start if first_start is not None else 1 << 30, value)


def _principal_pair(candidate: Candidate, prominence: dict) -> frozenset[str]:
    ranked = sorted(
        candidate.companies,
        key=lambda company: _rank_key(prominence, candidate.doc_id, "company", company),
    )
    return frozenset(ranked[:2])


def jaccard(a: frozenset[str] | set[str], b: frozenset[str] | set[str]) -> float:
    union = a | b
    return len(a & b) / len(union) if union else 1.0


def company_match(deal: Deal, candidate: Candidate) -> float | None:
    """How well a candidate's companies match a deal's core: a score, or None for no match."""
    companies = frozenset(candidate.companies)
    if not companies and not deal.core:
        return 1.0
    if not companies or not deal.core:
        return None
    score = jaccard(companies, deal.core)
    if score >= MIN_JACCARD:
        return score
    if len(deal.principal) == 2 and deal.principal <= companies:
        return score
    if companies & deal.core and jaccard(candidate.doc_companies, deal.story) >= MIN_JACCARD:
        return score
    return None


def joins(deal: Deal, candidate: Candidate) -> float | None:
    """The join test of the leader clustering (module docstring, step 3): a score or None."""
    if candidate.anchor != deal.anchor:
        return None
    gap = (candidate.reported_on - deal.last_reported).days
    if gap > WINDOW_DAYS or gap < -WINDOW_DAYS:
        return None
    return company_match(deal, candidate)


def _document_components(figures: list[dict]) -> list[list[dict]]:
    """Figures of one document and anchor linked by overlapping companies (connected components)."""
    parent = list(range(len(figures)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, a in enumerate(figures):
        for j in range(i + 1, len(figures)):
            b = figures[j]
            linked = (set(a["companies"]) & set(b["companies"])) or (
                not a["companies"] and not b["companies"]
            )
            if linked:
                root_i, root_j = find(i), find(j)
                if root_i != root_j:
                    parent[max(root_i, root_j)] = min(root_i, root_j)
    groups: dict[int, list[dict]] = {}
    for index, figure in enumerate(figures):
        groups.setdefault(find(index), []).append(figure)
    return [groups[root] for root in sorted(groups)]


def collect_candidates(rows: list[dict], prominence: dict) -> list[Candidate]:
    """Group attributed figures (deal_candidates.sql) into candidates, in processing order."""
    doc_companies: dict[str, frozenset[str]] = {}
    for doc_id, kind, value in prominence:
        if kind == "company":
            doc_companies[doc_id] = doc_companies.get(doc_id, frozenset()) | {value}
    by_doc_anchor: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        if not row["anchor"]:
            continue
        figure = {
            "commitment_id": row["commitment_id"],
            "doc_id": row["doc_id"],
            "reported_on": row["reported_on"],
            "start": row["start_char"] if row["start_char"] is not None else 1 << 30,
            "countries": tuple(sorted(set(row["countries"] or ()))),
            "companies": tuple(sorted(set(row["companies"] or ()))),
        }
        by_doc_anchor.setdefault((row["doc_id"], row["anchor"]), []).append(figure)
    candidates = []
    for (doc_id, anchor), figures in by_doc_anchor.items():
        figures.sort(key=lambda f: (f["start"], f["commitment_id"]))
        for group in _document_components(figures):
            candidate = Candidate(
                doc_id=doc_id,
                reported_on=group[0]["reported_on"],
                anchor=anchor,
                countries=tuple(sorted({c for f in group for c in f["countries"]} | {anchor})),
                companies=tuple(sorted({c for f in group for c in f["companies"]})),
                commitment_ids=sorted(f["commitment_id"] for f in group),
                first_start=min(f["start"] for f in group),
            )
            candidate.principal = _principal_pair(candidate, prominence)
            candidate.doc_companies = doc_companies.get(doc_id, frozenset())
            candidates.append(candidate)
    candidates.sort(key=lambda c: (c.reported_on, c.doc_id, c.first_start, c.anchor))
    return candidates


def cluster_candidates(candidates: list[Candidate]) -> list[list[Candidate]]:
    """Leader clustering (module docstring, step 3); candidates must be in processing order."""
    deals: list[Deal] = []
    for candidate in candidates:
        best, best_key = None, None
        for order, deal in enumerate(deals):
            score = joins(deal, candidate)
            if score is None:
                continue
            key = (score, deal.last_reported, -order)
            if best_key is None or key > best_key:
                best, best_key = deal, key
        if best is None:
            deals.append(Deal.founded_by(candidate))
        else:
            best.add(candidate)
    return [deal.candidates for deal in deals]


def deal_id_for(cluster: list[Candidate]) -> str:
    """'d-' + 12 hex of sha256 of the earliest evidence commitment_id."""
    earliest = min(
        (candidate.reported_on, commitment_id)
        for candidate in cluster
        for commitment_id in candidate.commitment_ids
    )[1]
    return "d-" + hashlib.sha256(earliest.encode("utf-8")).hexdigest()[:12]


def _in_half(values_per_candidate: list[tuple[str, ...]]) -> set[str]:
    """Values present in at least half of the candidates."""
    counts: dict[str, int] = {}
    for values in values_per_candidate:
        for value in set(values):
            counts[value] = counts.get(value, 0) + 1
    return {value for value, n in counts.items() if 2 * n >= len(values_per_candidate)}


def deal_countries(cluster: list[Candidate]) -> list[str]:
    """The anchor first, then the other countries of at least half of the candidates (sorted)."""
    anchor = cluster[0].anchor
    others = _in_half([c.countries for c in cluster]) - {anchor}
    return [anchor, *sorted(others)]


def deal_companies(cluster: list[Candidate]) -> list[str]:
    """Companies of at least half of the candidates, plus the core (the founder's), sorted."""
    return sorted(_in_half([c.companies for c in cluster]) | set(cluster[0].companies))


def _ranked(values: set[str], kind: str, cluster: list[Candidate], prominence: dict) -> list[str]:
    """Values ordered by total mentions in the cluster's documents, then by first appearance."""
    docs = sorted({(c.reported_on, c.doc_id) for c in cluster})

    def key(value: str) -> tuple:
        total = sum(prominence.get((doc_id, kind, value), (0, None))[0] for _, doc_id in docs)
        first = next(
            (
                (position, prominence[(doc_id, kind, value)][1])
                for position, (_, doc_id) in enumerate(docs)
                if (doc_id, kind, value) in prominence
            ),
            (len(docs), 0),
        )
        return (-total, first, value)

    return sorted(values, key=key)


def deal_title(cluster: list[Candidate], prominence: dict) -> str:
    """'OpenAI, G42, Oracle in United Arab Emirates': top deal companies in the anchor country."""
    place = country_name(cluster[0].anchor)
    companies = _ranked(set(deal_companies(cluster)), "company", cluster, prominence)
    if not companies:
        return f"AI infrastructure in {place}"
    return f"{', '.join(companies[:TITLE_COMPANIES])} in {place}"


def _prominence(con: duckdb.DuckDBPyConnection) -> dict:
    return {
        (row["doc_id"], row["kind"], row["value"]): (row["n_mentions"], row["first_start"])
        for row in fetch_dicts(con, "document_prominence")
    }


def plan_deals(con: duckdb.DuckDBPyConnection) -> tuple[pa.Table, pa.Table]:
    """The clustering as two Arrow tables: deal_clusters and deal_members."""
    prominence = _prominence(con)
    candidates = collect_candidates(fetch_dicts(con, "deal_candidates"), prominence)
    clusters_rows, member_rows = [], []
    for cluster in cluster_candidates(candidates):
        deal_id = deal_id_for(cluster)
        clusters_rows.append(
            {
                "deal_id": deal_id,
                "title": deal_title(cluster, prominence),
                "countries": deal_countries(cluster),
                "companies": deal_companies(cluster),
            }
        )
        member_rows.extend(
            {"deal_id": deal_id, "commitment_id": commitment_id}
            for cand in cluster
            for commitment_id in cand.commitment_ids
        )
    clusters = pa.Table.from_pylist(
        sorted(clusters_rows, key=lambda r: r["deal_id"]),
        schema=pa.schema(
            [
                ("deal_id", pa.string()),
                ("title", pa.string()),
                ("countries", pa.list_(pa.string())),
                ("companies", pa.list_(pa.string())),
            ]
        ),
    )
    members = pa.Table.from_pylist(
        sorted(member_rows, key=lambda r: (r["deal_id"], r["commitment_id"])),
        schema=pa.schema([("deal_id", pa.string()), ("commitment_id", pa.string())]),
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
