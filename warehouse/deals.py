"""Cluster extracted figures into deals and rebuild ``deals`` and ``deal_evidence``.

Clustering rule (first version; the tests in tests/warehouse/test_warehouse_deals.py pin its behaviour):

1. Candidate deal mentions. Each commitment (a figure) gets a key: the countries of its sentence
   (else the document's) and the companies of its sentence when it names two or more (else the
   sentence's plus the document's). A document's figures with the same key form one candidate.
   Candidates without any country are left out: the tracker follows national deals.
2. Two candidates are the same deal when they
   - share at least one country, and
   - were reported (published, else fetched) within 120 days of each other, and
   - have overlapping companies: Jaccard(companies) >= 0.5, or the same principal pair (the
     candidate's two companies its document names most often, ties by first mention), or both
     name no company and have the same countries.
   The test is the same inside one document and across documents; candidates are joined with
   union-find (so the relation is transitive).
3. Each cluster is a deal: deal_id = 'd-' + 12 hex of sha256(earliest evidence commitment_id),
   earliest by report date then commitment_id, so ids are stable across rebuilds of the same data.
   Countries and companies are the union of its candidates'. The title lists the three companies
   most mentioned by the evidence documents "in" the country they mention most.

Keeping the Jaccard threshold high stops shared partners from chaining distinct deals: Stargate
UAE (OpenAI, G42, Oracle, Nvidia...) and Microsoft's UAE investment (Microsoft, G42) share G42 and
the UAE but not their companies (Jaccard 1/5) nor their principal pair.

The deal figures, types and statuses are computed in SQL (warehouse/sql/build_deals.sql) from the
clusters handed over as Arrow tables.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import duckdb
import pyarrow as pa

from warehouse.countries import country_name
from warehouse.db import DATA_DIR, fetch_dicts, run_sql, transaction

WINDOW_DAYS = 120
MIN_JACCARD = 0.5
TITLE_COMPANIES = 3


@dataclass
class Candidate:
    """The figures of one document that share a key (countries, companies)."""

    doc_id: str
    reported_on: date
    countries: tuple[str, ...]
    companies: tuple[str, ...]
    commitment_ids: list[str] = field(default_factory=list)
    principal: frozenset[str] = frozenset()


def _rank_key(prominence: dict, doc_id: str, kind: str, value: str) -> tuple:
    n_mentions, first_start = prominence.get((doc_id, kind, value), (0, None))
    return (-n_mentions, first_start if first_start is not None else 1 << 30, value)


def _principal_pair(candidate: Candidate, prominence: dict) -> frozenset[str]:
    ranked = sorted(
        candidate.companies,
        key=lambda company: _rank_key(prominence, candidate.doc_id, "company", company),
    )
    return frozenset(ranked[:2])


def same_deal(a: Candidate, b: Candidate) -> bool:
    """The clustering test between two candidates (see the module docstring)."""
    if not set(a.countries) & set(b.countries):
        return False
    if abs((a.reported_on - b.reported_on).days) > WINDOW_DAYS:
        return False
    companies_a, companies_b = set(a.companies), set(b.companies)
    if not companies_a and not companies_b:
        return a.countries == b.countries
    if len(companies_a & companies_b) / len(companies_a | companies_b) >= MIN_JACCARD:
        return True
    return len(a.principal) == 2 and a.principal == b.principal


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        root_i, root_j = self.find(i), self.find(j)
        if root_i != root_j:
            # the smaller index (earlier candidate) stays the root: deterministic
            self.parent[max(root_i, root_j)] = min(root_i, root_j)


def collect_candidates(rows: list[dict], prominence: dict) -> list[Candidate]:
    """Group commitment rows (deal_candidates.sql) into candidates, in report order."""
    by_key: dict[tuple, Candidate] = {}
    for row in rows:
        countries = tuple(sorted(set(row["countries"] or ())))
        companies = tuple(sorted(set(row["companies"] or ())))
        if not countries:
            continue
        key = (row["doc_id"], countries, companies)
        if key not in by_key:
            by_key[key] = Candidate(row["doc_id"], row["reported_on"], countries, companies)
        by_key[key].commitment_ids.append(row["commitment_id"])
    candidates = sorted(
        by_key.values(), key=lambda c: (c.reported_on, c.doc_id, c.countries, c.companies)
    )
    for candidate in candidates:
        candidate.principal = _principal_pair(candidate, prominence)
        candidate.commitment_ids.sort()
    return candidates


def cluster_candidates(candidates: list[Candidate]) -> list[list[Candidate]]:
    """Union-find over the candidates; pairs are only compared within a shared country."""
    union_find = _UnionFind(len(candidates))
    by_country: dict[str, list[int]] = defaultdict(list)
    for index, candidate in enumerate(candidates):
        for country in candidate.countries:
            by_country[country].append(index)
    for country in sorted(by_country):
        indices = by_country[country]  # already in report order
        for position, i in enumerate(indices):
            for j in indices[position + 1 :]:
                if (candidates[j].reported_on - candidates[i].reported_on).days > WINDOW_DAYS:
                    break
                if same_deal(candidates[i], candidates[j]):
                    union_find.union(i, j)
    clusters: dict[int, list[Candidate]] = defaultdict(list)
    for index, candidate in enumerate(candidates):
        clusters[union_find.find(index)].append(candidate)
    return [clusters[root] for root in sorted(clusters)]


def deal_id_for(cluster: list[Candidate]) -> str:
    """'d-' + 12 hex of sha256 of the earliest evidence commitment_id."""
    earliest = min(
        (candidate.reported_on, commitment_id)
        for candidate in cluster
        for commitment_id in candidate.commitment_ids
    )[1]
    return "d-" + hashlib.sha256(earliest.encode("utf-8")).hexdigest()[:12]


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
    """'OpenAI, G42, Oracle in United Arab Emirates': top companies in the top country."""
    countries = _ranked({c for cand in cluster for c in cand.countries}, "country", cluster, prominence)
    companies = _ranked({c for cand in cluster for c in cand.companies}, "company", cluster, prominence)
    place = country_name(countries[0])
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
                "countries": sorted({c for cand in cluster for c in cand.countries}),
                "companies": sorted({c for cand in cluster for c in cand.companies}),
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

    Deterministic: the same warehouse content gives the same rows and deal ids. Returns counts
    ``{"deals": n, "evidence": n}``.
    """
    clusters, members = plan_deals(con)
    con.register("deal_clusters", clusters)
    con.register("deal_members", members)
    try:
        with transaction(con):
            run_sql(con, "stage_deal_keywords", {"path": str(DATA_DIR / "deal_keywords.csv")})
            run_sql(con, "build_deals")
    finally:
        con.unregister("deal_clusters")
        con.unregister("deal_members")
    return {"deals": clusters.num_rows, "evidence": members.num_rows}
