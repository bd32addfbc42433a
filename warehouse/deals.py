"""Cluster extracted figures into deals and rebuild ``deals`` and ``deal_evidence``.

A deal is one real-world deal or programme: the figures (commitments) that several documents, or
several sentences of one document, report about it. The rule is a leader clustering over figures,
most reliable links first. docs/architecture.md ("Deal clustering") explains it with its limits;
tests/warehouse/test_warehouse_deals_rules.py shows each rule on a handmade article and
tests/e2e/test_sample_deals.py checks the whole against the sample's deal answer key.
Step 1 is in warehouse/deal_figures.py, steps 2 and 3 in warehouse/deal_clustering.py; this module
describes each deal (step 4) and rebuilds the tables.

1. Links of a figure (inputs: warehouse/sql/deal_figures.sql and deal_mentions.sql; the rebuild
   reads the mentions summed up, ``read_figures``). Its *own* countries and companies are those
   named in its own sentence; the extractor's others are *borrowed* from the paragraph or title
   (its ``link_scope``). In a sentence with several figures
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
   anchored in France; "$1bn in Kenya" stays in Kenya). Money in a national currency is spent in
   that currency's country when the document names it ("Singapore's STT GDC follows with 4.5
   billion baht", in a story on Thailand's approvals, is anchored in Thailand; ISO 4217 codes start
   with the country's code); dollars, euros and other currencies of many countries say nothing.
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
   earlier deal sharing a figure or a document, with the same parties and the same country, is
   merged into it (``settle``). After all days, each W figure joins the deal holding the same
   figure, else a deal its own document already supports (of a compatible deal type, in the
   country of its paragraph if the paragraph names one); a document whose figures are all W founds
   deals with them; any other W figure is left out (it stays in ``commitments``).
   ``joins``: within WINDOW_DAYS (45) of the deal's reports, the candidate's anchor is the deal's
   (or it repeats a figure of the deal and either side's sentences name the other's country), and
   its companies match the deal's *core* (its founder's companies, fixed: A~B and B~C never pull
   A and C together): Jaccard >= MIN_JACCARD (0.5), the founder's principal pair, a subset of the
   deal's companies when it repeats a figure or comes from a document the deal already has, or a
   core or main company when it repeats a figure; an S figure naming a company the deal's figures
   in the same document do not name is another deal; a figure naming no company joins its own
   article's deal (body sentences) or a deal it repeats when its document names one of the deal's
   core companies, or the deal has none, or two of the deal's reports give the figure in the same
   country and its document names no company the deal does not (a round amount, "1 GW", "EUR
   20bn", repeated by two reports of a deal is no link for a story of other companies or of
   another country); a deal without companies takes a
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
   earliest by report date then commitment_id (stable across rebuilds of the same data). Country: a
   vote of its documents (each by its best-tied figure naming a country in its own sentence: S
   counts 3, M 2; W figures do not vote), ties to the founder's; then the other own countries of at
   least half of its documents. A deal whose reports name no country at all is placed at the home
   its core companies share (suppliers left out; companies from two countries: no country).
   Companies: the core plus those named by at least half of its documents. Parties: the deal
   companies, most mentioned by its documents first, a chip or hardware maker as a supplier. Title
   and summary: told from the deal's record once build_deals.sql has chosen its figures, type and
   status (warehouse/deal_texts.py, warehouse/resolution/telling.py: project, at most three
   parties, a verb for the type and status, the main headline figure, the host country).
   Headline figures (SQL, warehouse/sql/build_deals.sql): per kind, the latest report's largest
   figure among the S and M figures and the W figures an S or M figure of the deal confirms; a deal
   with only W figures of a kind uses them.
"""

from __future__ import annotations

import gc
import hashlib
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import duckdb
import pyarrow as pa

from warehouse.db import DATA_DIR, fetch_dicts, read_sql, run_sql, transaction
from warehouse.deal_clustering import (
    Deal,
    cluster_figures,
)
from warehouse.deal_figures import (
    NO_CONTEXT,
    TIER_M,
    TIER_S,
    TIER_VOTES,
    TIER_W,
    TITLE_COMPANIES,
    DocContext,
    Figure,
    attribute_figures,
    count_contexts,
    figure_keys,
    line_breaks,
    link_figures,
    place_figures,
)
from warehouse.deal_texts import PARTIES_TYPE, tell_deals
from warehouse.resolution.features import SUPPLIER_TYPES, same_figure
from warehouse.resolution.frames import company_registry
from warehouse.resolution.telling import DealFacts, Party
from warehouse.resolution.telling import deal_title as deal_title_of

# What warehouse/deals.py offers: the rebuild, and the clustering's parts that the tests use one by one
# (they live in warehouse/deal_figures.py and warehouse/deal_clustering.py).
__all__ = [
    "TIER_M", "TIER_S", "TIER_W", "Deal", "DocContext", "Figure", "attribute_figures", "build_deals",
    "cluster_figures", "deal_anchor", "deal_companies", "deal_countries", "deal_id_for", "deal_parties", "deal_title",
    "headline_figures", "plan_deals",
]


# ---------------------------------------------------------------------------------------------
# Step 4: what each deal shows
# ---------------------------------------------------------------------------------------------


def deal_id_for(deal: Deal) -> str:
    """'d-' + 12 hex of sha256 of the earliest evidence commitment_id."""
    earliest = min((f.reported_on, f.commitment_id) for f in deal.figures)[1]
    return "d-" + hashlib.sha256(earliest.encode("utf-8")).hexdigest()[:12]


def _per_document(deal: Deal) -> dict[str, list[tuple[Figure, frozenset[str]]]]:
    return deal.by_document()


def deal_anchor(deal: Deal) -> str | None:
    """The documents' vote (module docstring, step 4); ties and no votes: the founder's anchor."""
    votes: Counter = Counter()
    for members in _per_document(deal).values():
        voter = min(
            (f for f, _ in members if f.own_countries and f.anchor and TIER_VOTES[f.tier]),
            key=lambda f: (f.tier, f.start, f.commitment_id), default=None,
        )
        if voter is not None:
            votes[voter.anchor] += TIER_VOTES[voter.tier]
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
    if not anchor and not others:
        anchor = home_of_core(deal)
    return ([anchor] if anchor else []) + sorted(others)


def home_of_core(deal: Deal) -> str | None:
    """A deal whose reports name no country at all: the home of its core companies other than
    suppliers, when they all share one (OpenAI's chip contracts, a Texas campus told by city)."""
    registry = company_registry()
    owners = [c for c in deal.core if registry.get(c, {}).get("type") not in SUPPLIER_TYPES]
    homes = {registry.get(c, {}).get("country") for c in owners}
    return homes.pop() if len(homes) == 1 and None not in homes else None


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


def deal_parties(deal: Deal, contexts: dict[str, DocContext]) -> list[dict]:
    """The deal companies as its parties, most mentioned by its documents first (then named
    earliest), each ``{name, role}``: a chip or hardware maker (nlp/data/companies.jsonl) is a
    supplier, the others' roles are not known."""
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
    registry = company_registry()
    return [{"name": c, "role": "supplier" if registry.get(c, {}).get("type") in SUPPLIER_TYPES else None}
            for c in companies]


def deal_title(deal: Deal, contexts: dict[str, DocContext]) -> str:
    """The clustering's title: its leading parties in its country ('OpenAI, G42 and Oracle plan ...'
    once the figures are known: warehouse/deal_texts.py tells the final title after the rebuild)."""
    parties = deal_parties(deal, contexts)[:TITLE_COMPANIES]
    return deal_title_of(DealFacts(parties=tuple(Party(p["name"], p["role"]) for p in parties), host=deal_anchor(deal)))


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
        # a strong figure the same as a weak one (amounts within 1 %, or 1.5 % in US dollars) is at
        # most two amount buckets away from it: figure_keys buckets are as wide as the tolerances
        buckets: dict[tuple, list[Figure]] = {}
        for f in strong:
            for key in figure_keys(f):
                buckets.setdefault(key, []).append(f)
        allowed |= {
            f.commitment_id for f in same_kind
            if f.tier == TIER_W and any(
                same_figure(f, s)
                for kind_, unit, bucket in figure_keys(f) for step in (-2, -1, 0, 1, 2)
                for s in buckets.get((kind_, unit, bucket + step), ())
            )
        }
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
        ("parties", PARTIES_TYPE),
    ]
)
_MEMBERS_SCHEMA = pa.schema(
    [("deal_id", pa.string()), ("commitment_id", pa.string()), ("tier", pa.string()), ("headline", pa.bool_())]
)
TIER_NAMES = {TIER_S: "S", TIER_M: "M", TIER_W: "W"}


@contextmanager
def collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off while the clustering builds its millions of small objects:
    it would walk all of them again and again (a third of the clustering's time at 100k
    documents). Nothing the clustering builds refers back to itself, so reference counting frees
    it all the same."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def plan_deals(con: duckdb.DuckDBPyConnection) -> tuple[pa.Table, pa.Table]:
    """The clustering as two Arrow tables: deal_clusters and deal_members."""
    with collector_paused():
        return _plan_deals(con)


def read_figures(con: duckdb.DuckDBPyConnection) -> tuple[list[Figure], dict[str, DocContext]]:
    """Step 1 from the warehouse: the figures of deal_figures.sql placed in their documents' texts
    (deal_documents.sql), and linked through the mentions summed up per document
    (deal_document_mentions.sql) and listed per sentence (deal_sentence_mentions.sql). The same
    figures and contexts as ``attribute_figures`` of the deal_figures.sql and deal_mentions.sql
    rows (tests/warehouse/test_warehouse_deals_reading.py), without a Python row per mention."""
    figure_rows = fetch_dicts(con, "deal_figures")
    by_doc: dict[str, list[dict]] = {}
    for row in figure_rows:
        by_doc.setdefault(row["doc_id"], []).append(row)
    breaks: dict[str, list[int]] = {}
    for batch in con.sql(read_sql("deal_documents")).to_arrow_reader(10_000):
        for doc_id, title_end, text in zip(*(column.to_pylist() for column in batch.columns), strict=True):
            breaks[doc_id] = line_breaks(text)
            if doc_id in by_doc:
                place_figures(by_doc[doc_id], title_end, text, breaks[doc_id])
    counts = con.sql(read_sql("deal_document_mentions")).to_arrow_table()
    contexts = count_contexts(zip(*(column.to_pylist() for column in counts.columns), strict=True), breaks)
    sentences: dict[tuple[str, str], list] = {}
    listed = con.sql(read_sql("deal_sentence_mentions")).to_arrow_table()
    for doc_id, sentence, kinds, values, starts in zip(*(c.to_pylist() for c in listed.columns), strict=True):
        sentences[(doc_id, sentence)] = list(zip(kinds, values, starts, strict=True))
    return link_figures(figure_rows, contexts, sentences), contexts


def _plan_deals(con: duckdb.DuckDBPyConnection) -> tuple[pa.Table, pa.Table]:
    figures, contexts = read_figures(con)
    clusters_rows: list[dict] = []
    member_columns: dict[str, list] = {name: [] for name in _MEMBERS_SCHEMA.names}
    for deal in cluster_figures(figures, contexts):
        deal_id = deal_id_for(deal)
        parties = deal_parties(deal, contexts)
        clusters_rows.append(
            {
                "deal_id": deal_id,
                "title": deal_title_of(DealFacts(parties=tuple(Party(p["name"], p["role"]) for p in parties),
                                                 host=deal_anchor(deal))),
                "countries": deal_countries(deal),
                "companies": deal_companies(deal, contexts),
                "parties": parties,
            }
        )
        headline = headline_figures(deal)
        for f in deal.figures:
            member_columns["deal_id"].append(deal_id)
            member_columns["commitment_id"].append(f.commitment_id)
            member_columns["tier"].append(TIER_NAMES[f.tier])
            member_columns["headline"].append(f.commitment_id in headline)
    clusters = pa.Table.from_pylist(sorted(clusters_rows, key=lambda r: r["deal_id"]), schema=_CLUSTERS_SCHEMA)
    members = pa.Table.from_pydict(member_columns, schema=_MEMBERS_SCHEMA)
    return clusters, members.sort_by([("deal_id", "ascending"), ("commitment_id", "ascending")])


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
            tell_deals(con)
            run_sql(con, "record_commitment_deals")
    finally:
        con.unregister("deal_clusters")
        con.unregister("deal_members")
    return {"deals": clusters.num_rows, "evidence": members.num_rows}
