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
   anchored in France; "$1bn in Kenya" stays in Kenya). A state, region or city its sentence
   names (``Figure.sited``: nlp/places.py, the list and the gazetteer's towns after "in", "at",
   "near", "outside"; not one opening a company's mention, nor a company's home: "a start-up
   from San Francisco", "Austin-based") places it when all lie in one country,
   and a country named only as a company's nationality ("US chipmaker Nvidia", "MGX, the
   Emirati fund", "Japan's SoftBank", "America's Stargate", "money from Japan") or of who must
   approve ("approval from US regulators", "US export licences": ``Figure.described``) is left
   out. Money in a national currency is spent in
   that currency's country when the document names it ("Singapore's STT GDC follows with 4.5
   billion baht", in a story on Thailand's approvals, is anchored in Thailand; ISO 4217 codes start
   with the country's code; a conversion, "RM25.5bn (S$7.7bn)", in the first currency's:
   ``mark_conversions``), and so is a figure whose sentence and paragraph name no country ("Rs
   10,372 crore" for the IndiaAI Mission, in a story naming no country but Japan); euros are spent
   in the euro area: in the euro-area countries among those a figure may be placed in, else in the
   one euro-area country its document names (``euro_places``); dollars and other currencies of
   many countries say nothing. A figure still without anchor, in a
   document naming no country at all (a local report on "a campus in Saline Township, Michigan"),
   is anchored in the country of the places its document's text names and of the listed projects
   its figures belong to ("IndiaAI Mission": India, nlp/data/projects.jsonl) when they all lie in
   one (``place_unplaced``: the same places as ``Figure.sited``, read from the whole text; a month
   or season after "in" is a date, not a town).
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
   country of its paragraph if the paragraph names one); the W figures left found deals of their
   own, one per anchor, unless their document's deals are all in other countries (a phase's cost
   in a paragraph naming nobody, in an article whose campus went to a deal of another type, is
   still a commitment, and step 3a gathers it into its story: leaving all of them out lost dev
   pairwise recall 0.017 for precision 0.008; a pledge to another country in a story about a
   company's campus stays out).
   ``joins``: within WINDOW_DAYS (45) of the deal's reports, the candidate's anchor is the deal's
   (or it repeats a figure of the deal and either side's sentences name the other's country), and
   its companies match the deal's *core* (its founder's companies, fixed: A~B and B~C never pull
   A and C together): Jaccard >= MIN_JACCARD (0.5), the founder's principal pair, a subset of the
   deal's companies when it repeats a figure or comes from a document the deal already has, or a
   core or main company when it repeats a figure; an S figure naming a company the deal's figures
   in the same document do not name is another deal; a candidate naming a chip maker (registry
   type ``chipmaker``) and a deal whose core names chip makers, none of them the candidate's, are
   two deals (one buyer's contracts with two chip makers, even of one size: 10 GW with Nvidia,
   10 GW with Broadcom);
   a figure naming no company joins its own
   article's deal (a body sentence with one figure; a body sentence with several, naming a
   country, when one of its document's two main companies is of the deal's core: "the site
   starts with 230 MW and may add 290 MW" in a story on the campus's builders) or a deal it
   repeats when its document names one of the deal's
   core companies (when the figure's amounts are all round, one of the deal's core or main
   companies must be one of its document's two main companies: "1 GW", "$10bn" in a story about
   other companies that only mentions the deal's is theirs), or the deal has none, or two of the
   deal's reports give the figure in the same country and its document names no company the deal
   does not (a round amount, "1 GW", "EUR
   20bn", repeated by two reports of a deal is no link for a story of other companies or of
   another country); a deal without companies takes a
   candidate naming some only when it repeats a figure and the deal's documents are about one of
   them. A deal is known by names (``Deal.known``): once it has several reports, its companies,
   main companies and named countries in these tests are those at least half of its documents
   (KNOWN_SHARE) give, not every name one report gave, so a deal does not grow into every deal of
   its country report by report. A report of another document that repeats none of the deal's
   figures but states other money or another chip count (in its headline or its own sentences)
   is another deal (``disagrees``: reports of one deal state its money and chips alike; a total
   and the parts that add up to it are not other money; capacities do not count, as one campus
   is reported by its first phase, its total or both). Up to LONG_WINDOW_DAYS (183), only with
   the same figure (or its document's other one), the same anchor and no new company. A sentence
   revising a figure ("from $600bn to nearly $1tn", "1GW, up from 200MW"; ``mark_revisions``)
   ties the old figure to the deal holding it up to REVISION_WINDOW_DAYS back (in a country the
   sentence names), and the new figure follows it. An S figure whose companies all come after it
   and are named a third as often as the article's leading company ("a 1GW campus, built with
   AdaniConneX and Airtel" in an article on Google's hub) is grouped with that company
   (``leader_of``). Ranking: a deal holding the same figure reported by two or more
   documents, then one the candidate's document supports, then one holding the same figure, then
   the Jaccard, the latest report and the earliest founded.
3a. Stories gathered (``gather_stories`` in warehouse/deal_linking.py): a deal at least half of
   whose documents report another deal of the same anchor and parties, naming no other project,
   in articles that tell one story (no two of their deals founded by parties that cannot be the
   same), is a piece of that deal (a sentence naming nobody and repeating no figure founds a
   deal of its own) and is merged into it; a piece naming no company may go into one naming some.
   Projects joined (``join_projects``, same module): deals that name the same project or
   programme (``Figure.project``, named by at least half of each deal's documents; not a name
   that gathers several deals, such as "Stargate" or "OpenAI for Countries", nlp/data/
   projects.jsonl) in the same country are one deal when their parties may be (``may_hold``); a
   listed public programme or package takes only deals whose founders name companies as it does
   (a part reported with its own company is a deal of its own).
3b. Linking (warehouse/deal_linking.py, whose docstring states it): the deals the leader
   clustering founded are compared as wholes with earlier deals that may share their place and
   share a company or an amount, scored by trees learned on the development set's pairs of rules
   deals (app/deal_link_training.py), and a deal whose average probability with an earlier group
   reaches the threshold is merged into it.
4. What each deal shows: deal_id = 'd-' + 12 hex of sha256(earliest evidence commitment_id),
   earliest by report date then commitment_id (stable across rebuilds of the same data). Country: a
   vote of its documents (each by its best-tied figure naming a country, or a town or region of
   one, in its own sentence, or placed by its document's text (``place_unplaced``): S counts 3, M
   2; W figures do not vote), ties to the founder's; then the other own countries of at
   least half of its documents. A deal whose reports name no country at all is placed at the home
   its core companies share (suppliers left out; companies from two countries: no country; a core
   of suppliers only: the home its documents' other main companies share, the buyer's, else the
   suppliers').
   Companies: the core plus those named by at least half of its documents (with the chip makers
   named inside the S and M figures of a document whose figures name companies, "60,000 Nvidia
   GPUs": the supplier is a party). Parties: the deal companies, most mentioned by its documents
   first, a chip or hardware maker as a supplier. Title and summary: told from the deal's record
   once build_deals.sql has chosen its figures, type and status (warehouse/deal_texts.py,
   warehouse/resolution/telling.py: project, at most three parties, a verb for the type and
   status, the main headline figure, the host country).
   Headline figures (SQL, warehouse/sql/build_deals.sql): per kind, the latest report's largest
   figure among the S and M figures and the W figures an S or M figure of the deal confirms; a deal
   with only W figures of a kind uses them. Step 4 reads a deal's documents summed up one by one
   (``Summary``), so a deal an increment restores is described from its stored summary plus its
   new documents'.

The weekly increment (``update_deals``: what the flow, the CLI and the benchmark call). Every rules
build keeps the clustering's state (warehouse/deal_state.py, migrations 044 and 045): each deal's
founder's fields, what its figures added (with how many of its documents give each name), its
summary, and each figure's deal, amount and tier.
A run is an increment when there is a state from today's rules (fingerprint of their code, SQL,
keyword patterns and the company registry), the deals are the ones that build left (another
resolver did not rebuild them since), no clustered document changed or went (a re-extraction or
a changed text gives new figure ids) and some documents are new; otherwise a full rebuild, the
reason logged (``update_deals(con, full=True)`` asks for one). An increment reads the figures of
the new documents only (step 1), restores the stored deals they could join (those of their
anchors or their documents' main countries, those holding a figure in the amount buckets of one
of theirs, within the longest window a join reaches; of their figures, stand-ins for the amounts
near the new figures), continues the clustering from them (steps 2 and 3: the same passes, day
by day, over the new figures only), gathers the pieces of the new documents' stories (step 3a:
only deals the new figures founded are pieces), links the deals the new figures founded to them
and to each other (step 3b, with the restored deals' title words read from their documents), describes the
changed and new deals (step 4: a deal's id is its earliest figure's, so a deal that gains later
reports keeps its id; one that gains an earlier report takes the new id and its old one is kept
in ``deal_aliases``), and writes only those deals with the full rebuild's SQL. Where an increment
may differ from a full rebuild over the same documents: it never re-splits or re-merges stored
deals (a new report bridging two deals joins the better one; they stay two), the new documents
are clustered after the stored ones, even when reported earlier (a full rebuild clusters in report
order, so an earlier report may found the deal a later one joined), the stored documents' W
figures stay where they went (a full rebuild places them after every S and M figure, the new ones
too), and a new deal is linked only to restored deals (not to a stored deal its figures did not
bring back). On the handmade fixtures, new documents in report order give the deals of a full
rebuild (tests/warehouse/test_warehouse_deals_increment.py).
"""

from __future__ import annotations

import gc
import hashlib
import json
import logging
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from warehouse.db import DATA_DIR, read_sql, run_sql, transaction
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
    figures_of_columns,
    line_breaks,
    link_placed,
    place_columns,
    place_unplaced,
    unplaced_documents,
)
from warehouse.deal_linking import resolve_figures, title_words
from warehouse.deal_state import STAND_IN, Described, deals_to_restore, plan_update, record_state, restore_deals
from warehouse.deal_texts import PARTIES_TYPE, tell_deals
from warehouse.resolution.features import SUPPLIER_TYPES, same_figure
from warehouse.resolution.frames import company_registry
from warehouse.resolution.store import persist_plan
from warehouse.resolution.telling import DealFacts, Party
from warehouse.resolution.telling import deal_title as deal_title_of

# What warehouse/deals.py offers: the rebuild, and the clustering's parts that the tests use one by one
# (they live in warehouse/deal_figures.py and warehouse/deal_clustering.py).
__all__ = [
    "TIER_M", "TIER_S", "TIER_W", "Deal", "DocContext", "Figure", "attribute_figures", "build_deals",
    "cluster_figures", "deal_anchor", "deal_companies", "deal_countries", "deal_id_for", "deal_parties", "deal_title",
    "headline_figures", "update_deals",
]


# ---------------------------------------------------------------------------------------------
# Step 4: what each deal shows
# ---------------------------------------------------------------------------------------------


LAST_MENTION = ("9999-12-31", "", 0)  # the first mention of a company no document of the deal names


@dataclass
class Summary:
    """What step 4 reads of a deal's documents, summed up document by document: a deal an
    increment restores (warehouse/deal_state.py) is described from its stored summary plus its
    new documents' share, as if from all its figures."""

    documents: int = 0
    votes: Counter = field(default_factory=Counter)  # anchor -> votes of its documents' best-tied figures
    countries: Counter = field(default_factory=Counter)  # country -> documents naming it
    named: Counter = field(default_factory=Counter)  # company -> documents whose figures name it
    borrowed: Counter = field(default_factory=Counter)  # company -> documents speaking through it (none named)
    mentions: dict = field(default_factory=dict)  # company -> [mentions, (report date, doc_id, first offset)]
    earliest: tuple | None = None  # (report date, commitment_id) of its earliest figure
    strong_kinds: set = field(default_factory=set)  # kinds of its S and M figures

    def add(self, deal: Deal, contexts: dict[str, DocContext]) -> Summary:
        """Add the share of the deal's documents (those of its members: a restored deal's new ones)."""
        for doc_id, members in deal.by_document().items():
            self.documents += 1
            voter = min(
                (f for f, _ in members
                 if (f.own_countries or f.sited or f.text_placed) and f.anchor and TIER_VOTES[f.tier]),
                key=lambda f: (f.tier, f.start, f.commitment_id), default=None,
            )
            if voter is not None:
                self.votes[voter.anchor] += TIER_VOTES[voter.tier]
            strong = {c for f, _ in members if f.tier != TIER_W for c in f.own_countries}
            self.countries.update(strong or {c for f, _ in members for c in f.own_countries + f.weak_countries})
            named = set().union(*(companies for _, companies in members))
            ctx = contexts.get(doc_id, NO_CONTEXT)
            if named:  # with the chip makers named inside its S and M figures ("60,000 Nvidia GPUs")
                self.named.update(named | {c for f, _ in members if f.tier != TIER_W for c in f.brands})
            else:  # (a figure's own suppliers are among its weak companies)
                borrowed = {c for f, _ in members for c in f.weak_companies}
                self.borrowed.update(borrowed | set(sorted(ctx.companies, key=lambda c: ctx.rank("company", c))[:2]))
            reported = members[0][0].reported_on.isoformat()
            for company, n in ctx.companies.items():
                known = self.mentions.get(company)
                first = (reported, doc_id, ctx.first[("company", company)]) if ("company", company) in ctx.first \
                    else LAST_MENTION
                if known is None:
                    self.mentions[company] = [n, first]
                else:
                    known[0] += n
                    known[1] = min(known[1], first)
            # a document's figures share its report date
            earliest = (reported, min(f.commitment_id for f, _ in members))
            if self.earliest is None or earliest < self.earliest:
                self.earliest = earliest
            self.strong_kinds.update(f.kind for f, _ in members if f.tier != TIER_W)
        return self

    def to_json(self) -> str:
        return json.dumps({"documents": self.documents, "votes": self.votes, "countries": self.countries,
                           "named": self.named, "borrowed": self.borrowed, "mentions": self.mentions,
                           "earliest": self.earliest, "strong_kinds": sorted(self.strong_kinds)},
                          sort_keys=True, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str | None) -> Summary:
        if not text:
            return cls()
        data = json.loads(text)
        return cls(documents=data["documents"], votes=Counter(data["votes"]), countries=Counter(data["countries"]),
                   named=Counter(data["named"]), borrowed=Counter(data["borrowed"]),
                   mentions={c: [n, tuple(first)] for c, (n, first) in data["mentions"].items()},
                   earliest=tuple(data["earliest"]) if data["earliest"] else None,
                   strong_kinds=set(data["strong_kinds"]))


def summary_of(deal: Deal, contexts: dict[str, DocContext] | None = None) -> Summary:
    """The summary of all of a deal's documents (a deal built in this run)."""
    return Summary().add(deal, contexts or {})


def deal_id_for(deal: Deal, summary: Summary | None = None) -> str:
    """'d-' + 12 hex of sha256 of the earliest evidence commitment_id."""
    earliest = (summary or summary_of(deal)).earliest[1]
    return "d-" + hashlib.sha256(earliest.encode("utf-8")).hexdigest()[:12]


def deal_anchor(deal: Deal, summary: Summary | None = None) -> str | None:
    """The documents' vote (module docstring, step 4); ties and no votes: the founder's anchor."""
    votes = (summary or summary_of(deal)).votes
    if not votes:
        return deal.anchor
    top = max(votes.values())
    leaders = {country for country, n in votes.items() if n == top}
    return deal.anchor if deal.anchor in leaders else min(leaders)


def deal_countries(deal: Deal, summary: Summary | None = None) -> list[str]:
    """The anchor first, then the other own countries of at least half of its documents (sorted)."""
    summary = summary or summary_of(deal)
    anchor = deal_anchor(deal, summary)
    others = {c for c, n in summary.countries.items() if 2 * n >= summary.documents} - {anchor, None}
    if not anchor and not others:
        anchor = home_of_core(deal)
    return ([anchor] if anchor else []) + sorted(others)


def home_of_core(deal: Deal) -> str | None:
    """A deal whose reports name no country at all: the home of its core companies other than
    suppliers, when they all share one (OpenAI's chip contracts, a Texas campus told by city); a
    core of suppliers only: the home of its documents' other main companies (the buyer of a chip
    maker's contract), else of the suppliers."""
    registry = company_registry()

    def owners_of(names) -> list[str]:
        return [c for c in names if registry.get(c, {}).get("type") not in SUPPLIER_TYPES]

    owners = owners_of(deal.core) or owners_of(deal.named) or list(deal.core)
    homes = {registry.get(c, {}).get("country") for c in owners}
    return homes.pop() if len(homes) == 1 and None not in homes else None


def deal_companies(deal: Deal, contexts: dict[str, DocContext] | None = None, summary: Summary | None = None
                   ) -> list[str]:
    """The core plus the companies named by at least half of its documents (by the figures'
    sentences, or inside an S or M figure: "60,000 Nvidia GPUs"), sorted.

    A document whose figures name no company of their own speaks through the companies their
    paragraphs or titles name and its own two main companies (only for a deal with companies: a
    programme without any does not borrow them).
    """
    summary = summary or summary_of(deal, contexts)
    counts = summary.named + summary.borrowed if deal.core else summary.named
    return sorted(set(deal.core) | {c for c, n in counts.items() if 2 * n >= summary.documents})


def deal_parties(deal: Deal, contexts: dict[str, DocContext] | None = None, summary: Summary | None = None
                 ) -> list[dict]:
    """The deal companies as its parties, most mentioned by its documents first (then named
    earliest), each ``{name, role}``: a chip or hardware maker (nlp/data/companies.jsonl) is a
    supplier, the others' roles are not known."""
    summary = summary or summary_of(deal, contexts)

    def key(company: str) -> tuple:
        total, first = summary.mentions.get(company, (0, LAST_MENTION))
        return (-total, first, company)

    companies = sorted(deal_companies(deal, contexts, summary), key=key)
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
    by_kind: dict[str, list[Figure]] = {}
    for f in deal.figures:
        listed = by_kind.get(f.kind)
        if listed is None:
            by_kind[f.kind] = [f]
        else:
            listed.append(f)
    allowed = set()
    for same_kind in by_kind.values():
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
log = logging.getLogger("tracker.warehouse")


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


def read_figures(con: duckdb.DuckDBPyConnection, doc_ids: list[str] | None = None
                 ) -> tuple[list[Figure], dict[str, DocContext]]:
    """Step 1 from the warehouse: the figures of deal_figures.sql placed in their documents' texts
    (deal_documents.sql), and linked through the mentions summed up per document
    (deal_document_mentions.sql) and listed per sentence (deal_sentence_mentions.sql). The same
    figures and contexts as ``attribute_figures`` of the deal_figures.sql and deal_mentions.sql
    rows (tests/warehouse/test_warehouse_deals_reading.py), without a Python row per mention.
    ``doc_ids``: only these documents' (an increment's new documents)."""
    if doc_ids is None:
        return _read_figures(con, read_sql, ordered=True)
    return _read_figures(con, lambda name: _only_wanted(read_sql(name), doc_ids), ordered=False)


def _only_wanted(query: str, doc_ids: list[str]) -> str:
    """A query file's rows of the documents ``doc_ids``, named in the query (DuckDB pushes a list
    of constants down to the tables it reads, not a filter by another table: 0.03 s instead of
    0.9 s for the texts of 1,000 new documents in 100k)."""
    body = query.strip().rstrip(";")
    listed = ", ".join("'" + doc_id.replace("'", "''") + "'" for doc_id in sorted(set(doc_ids))) or "null"
    return f"select * from ({body}) where doc_id in ({listed})"


def _read_figures(con: duckdb.DuckDBPyConnection, query, ordered: bool) -> tuple[list[Figure], dict[str, DocContext]]:
    # the figure rows as columns, not a dict per row (719,000 rows at 100k documents)
    table = con.sql(query("deal_figures")).to_arrow_table()
    if not ordered:  # in the file's own order (a filtered query does not keep it)
        table = table.take(pc.sort_indices(table, sort_keys=[
            ("reported_on", "ascending", "at_end"), ("doc_id", "ascending", "at_end"),
            ("start_char", "ascending", "at_end"), ("commitment_id", "ascending", "at_end")]))
    columns = {name: table.column(name).to_pylist() for name in table.column_names}
    n = table.num_rows
    by_doc: dict[str, list[int]] = {}
    for i, doc_id in enumerate(columns["doc_id"]):
        rows = by_doc.get(doc_id)
        if rows is None:
            by_doc[doc_id] = [i]
        else:
            rows.append(i)
    sentence_starts: list = [None] * n
    in_title: list = [False] * n
    paragraphs: list = [None] * n
    starts, sentences = columns["start_char"], columns["sentence"]
    breaks: dict[str, list[int]] = {}
    titles: dict[str, frozenset[str]] = {}
    for batch in con.sql(query("deal_documents")).to_arrow_reader(10_000):
        for doc_id, title_end, text in zip(*(column.to_pylist() for column in batch.columns), strict=True):
            breaks[doc_id] = line_breaks(text)
            titles[doc_id] = title_words(text[:title_end])
            if doc_id in by_doc:
                place_columns(by_doc[doc_id], starts, sentences, title_end, text, breaks[doc_id],
                              sentence_starts, in_title, paragraphs)
    counts = con.sql(query("deal_document_mentions")).to_arrow_table()
    contexts = count_contexts(zip(*(column.to_pylist() for column in counts.columns), strict=True), breaks)
    for doc_id, words in titles.items():
        if words:
            contexts.setdefault(doc_id, DocContext()).title_words = words
    sentences_listed: dict[tuple[str, str], list] = {}
    listed = con.sql(query("deal_sentence_mentions")).to_arrow_table()
    for doc_id, sentence, kinds, values, offsets in zip(*(c.to_pylist() for c in listed.columns), strict=True):
        sentences_listed[(doc_id, sentence)] = list(zip(kinds, values, offsets, strict=True))
    figures, links = figures_of_columns(columns, sentence_starts, in_title, paragraphs)
    figures = link_placed(figures, links, contexts, sentences_listed)
    unplaced = unplaced_documents(figures, contexts)
    if unplaced:  # their texts again: a few documents, not a copy of every text kept above
        rows = con.sql(_only_wanted(read_sql("deal_documents"), unplaced)).fetchall()
        place_unplaced(figures, {doc_id: text for doc_id, _, text in rows}, contexts)
    return figures, contexts


def describe_deals(deals: list[Deal], contexts: dict[str, DocContext], stored: dict[int, str] | None = None
                   ) -> tuple[pa.Table, pa.Table, list[Described]]:
    """Step 4 for these deals: the two Arrow tables the persistence SQL reads (deal_clusters;
    deal_members: the figures of ``deal.figures``) and each deal described. ``stored``: the
    stored summaries of restored deals (by ``id(deal)``; their figures are the new ones, whose
    headline flags ``new_headlines`` gives)."""
    clusters_rows: list[dict] = []
    described: list[Described] = []
    member_columns: dict[str, list] = {name: [] for name in _MEMBERS_SCHEMA.names}
    for deal in deals:
        kept = (stored or {}).get(id(deal))
        summary = Summary.from_json(kept).add(deal, contexts)
        deal_id = deal_id_for(deal, summary)
        parties = deal_parties(deal, contexts, summary)
        described.append(Described(deal_id, deal, parties, summary.to_json()))
        clusters_rows.append(
            {
                "deal_id": deal_id,
                "title": deal_title_of(DealFacts(parties=tuple(Party(p["name"], p["role"]) for p in parties),
                                                 host=deal_anchor(deal, summary))),
                "countries": deal_countries(deal, summary),
                "companies": deal_companies(deal, contexts, summary),
                "parties": parties,
            }
        )
        headline = headline_figures(deal) if kept is None else new_headlines(deal, Summary.from_json(kept))[0]
        for f in deal.figures:
            member_columns["deal_id"].append(deal_id)
            member_columns["commitment_id"].append(f.commitment_id)
            member_columns["tier"].append(TIER_NAMES[f.tier])
            member_columns["headline"].append(f.commitment_id in headline)
    clusters = pa.Table.from_pylist(sorted(clusters_rows, key=lambda r: r["deal_id"]), schema=_CLUSTERS_SCHEMA)
    members = pa.Table.from_pydict(member_columns, schema=_MEMBERS_SCHEMA)
    return clusters, members.sort_by([("deal_id", "ascending"), ("commitment_id", "ascending")]), described


def new_headlines(deal: Deal, stored: Summary) -> tuple[set[str], list[tuple], set[str]]:
    """``headline_figures`` of a restored deal that gained figures (``deal.figures``; of the
    figures it held, ``deal.by_amount`` has stand-ins near them: warehouse/deal_state.py):
    (the new figures that may be headlines, the amounts (kind, currency, amount, usd) of held W
    figures an S or M figure now repeats, the kinds whose held W figures stop being headlines
    unless repeated: kinds that had no S or M figure until now)."""
    new = deal.figures
    strong_kinds = stored.strong_kinds | {f.kind for f in new if f.tier != TIER_W}

    def repeated(figure: Figure, among) -> bool:
        return any(
            other.tier != TIER_W and other is not figure and among(other) and same_figure(figure, other)
            for kind, unit, bucket in figure_keys(figure) for step in (-2, -1, 0, 1, 2)
            for other in deal.by_amount.get((kind, unit, bucket + step), ())
        )

    headline = {f.commitment_id for f in new
                if f.tier != TIER_W or f.kind not in strong_kinds or repeated(f, lambda other: True)}
    fresh = {f.commitment_id for f in new}
    amounts = sorted({
        (f.kind, f.currency, f.amount, f.usd)
        for key in deal.by_amount for f in deal.by_amount[key]
        if f.commitment_id == STAND_IN and f.tier == TIER_W
        and repeated(f, lambda other: other.commitment_id in fresh)
    }, key=repr)
    return headline, amounts, strong_kinds - stored.strong_kinds


def persist_deals(con: duckdb.DuckDBPyConnection) -> None:
    """Write the staged ``deal_clusters`` and ``deal_members`` (registered or temp tables) of a
    full rebuild: deal aliases, deals, evidence, texts, figure history, with the learned
    resolver's own persistence (the same SQL for both). Inside the caller's transaction."""
    persist_plan(con)


def persist_increment(con: duckdb.DuckDBPyConnection) -> None:
    """Write an increment's changed and new deals (``deal_changed_clusters``, their new figures
    ``deal_new_members``, ``deal_renamed``: the changed deals' stored ids -> ids now) with the
    full rebuild's SQL, each step kept to those deals: aliases and the renamed deals' evidence
    (record_deal_increment.sql, which also removes their stored deals rows, and
    record_current_deal_aliases.sql), build_deals.sql's
    inserts (not its deletes of every deal: the evidence of the new figures, then the deals rows,
    from every figure of those deals, stage_deal_increment.sql), their texts, and the first
    statement of record_commitment_deals.sql (not the second, which clears the figures of every
    deal not staged). Inside the caller's transaction."""
    inserts = {statement.split()[2]: statement for statement in sql_statements("build_deals")
               if statement.lower().startswith("insert into")}
    con.execute("create or replace temp table deal_clusters as select * from deal_changed_clusters")
    con.execute("create or replace temp table deal_members as select * from deal_new_members")
    run_sql(con, "record_deal_increment")
    run_sql(con, "record_current_deal_aliases")
    con.execute(inserts["deal_evidence"])
    run_sql(con, "stage_deal_increment")
    con.execute(inserts["deals"])
    run_sql(con, "stage_deal_keywords", {"path": str(DATA_DIR / "deal_keywords.csv")})
    tell_deals(con, only_staged=True)
    con.execute(sql_statements("record_commitment_deals")[0])


def sql_statements(name: str) -> list[str]:
    """The statements of ``warehouse/sql/<name>.sql``, its comment lines left out."""
    text = "\n".join(line for line in read_sql(name).splitlines() if not line.strip().startswith("--"))
    return [statement.strip() for statement in text.split(";") if statement.strip()]


def build_deals(con: duckdb.DuckDBPyConnection) -> dict:
    """Rebuild ``deals`` and ``deal_evidence`` from commitments and mentions, in one transaction.

    Deterministic: the same warehouse content gives the same rows and deal ids. A deal id that the
    rebuild no longer produces is kept in ``deal_aliases`` with its successor (the new deal holding
    its evidence), so saved ids still resolve; current figures in ``commitment_history`` record
    their deal (the deal figure history). The clustering's state is recorded for later increments
    (warehouse/deal_state.py). Returns counts ``{"deals": n, "evidence": n}``.
    """
    with collector_paused():  # to the end: the figures and deals stay alive while they are written
        figures, contexts = read_figures(con)
        deals = resolve_figures(figures, contexts)
        clusters, members, described = describe_deals(deals, contexts)
        con.register("deal_clusters", clusters)
        con.register("deal_members", members)
        try:
            with transaction(con):
                persist_deals(con)
                next_order = 1 + max((d.order for d in deals), default=-1)
                record_state(con, "full", described, figures, None, next_order=next_order)
        finally:
            con.unregister("deal_clusters")
            con.unregister("deal_members")
    return {"deals": clusters.num_rows, "evidence": members.num_rows}


# ---------------------------------------------------------------------------------------------
# The weekly increment
# ---------------------------------------------------------------------------------------------


def update_deals(con: duckdb.DuckDBPyConnection, full: bool = False) -> dict:
    """Bring the deals up to date: attach the new documents when the stored state allows
    (deal_state.plan_update), else rebuild in full (``build_deals``), the reason logged.

    What the flow, the CLI and the benchmark call. Returns ``{"deals": n, "evidence": n, "mode":
    "full" | "incremental" | "none", ...}``."""
    mode, new, why = ("full", [], "asked for") if full else plan_update(con)
    if mode == "full":
        log.info("deals: full rebuild (%s)", why)
        return {**build_deals(con), "mode": "full", "reason": why}
    if mode == "none":
        deals, evidence = con.execute(
            "select (select count(*) from deals), (select count(*) from deal_evidence)").fetchall()[0]
        return {"deals": deals, "evidence": evidence, "mode": "none"}
    with collector_paused():
        counts = attach(con, new)
    log.info("deals: %s new documents attached incrementally (%s deals changed, %s new)", len(new),
             counts["changed"], counts["new"])
    return counts


_AMOUNTS_SCHEMA = pa.schema([("deal_id", pa.string()), ("kind", pa.string()), ("currency", pa.string()),
                             ("amount", pa.float64()), ("usd", pa.float64()), ("headline", pa.bool_())])


def stored_title_words(con: duckdb.DuckDBPyConnection, stored: dict[str, tuple[Deal, str]]) -> dict[int, Counter]:
    """The title words of each restored deal's documents (by the deal's ``id``), for step 3b
    (warehouse/deal_linking.py): its documents of earlier runs are not read again."""
    if not stored:
        return {}
    con.register("deal_link_wanted", pa.table({"deal_id": pa.array(sorted(stored), pa.string())}))
    try:
        rows = con.execute(
            """select distinct f.deal_id, f.doc_id, d.title
               from deal_rule_figures as f
               join documents as d
                   on d.doc_id = f.doc_id
               where f.deal_id in (select deal_id from deal_link_wanted)
               order by f.deal_id, f.doc_id""").fetchall()
    finally:
        con.unregister("deal_link_wanted")
    words: dict[int, Counter] = {}
    for deal_id, _, title in rows:
        words.setdefault(id(stored[deal_id][0]), Counter()).update(title_words((title or "").strip()))
    return words


def attach(con: duckdb.DuckDBPyConnection, new_ids: list[str]) -> dict:
    """Attach the figures of the documents ``new_ids`` to the stored deals they join, or found
    deals with them, and persist (module docstring, "The weekly increment")."""
    figures, contexts = read_figures(con, new_ids)
    anchors = {f.anchor for f in figures} | {contexts[d].primary for d in new_ids if d in contexts}
    stored = restore_deals(con, deals_to_restore(con, figures, anchors), figures)
    old_id = {id(deal): deal_id for deal_id, (deal, _) in stored.items()}
    next_order = con.execute("select next_order from deal_rule_state").fetchall()[0][0]
    def stored_words(wanted: list[Deal]) -> dict[int, Counter]:  # only the restored deals linking compares
        return stored_title_words(con, {old_id[id(d)]: stored[old_id[id(d)]] for d in wanted if id(d) in old_id})

    deals = resolve_figures(figures, contexts, seeded=[deal for deal, _ in stored.values()], next_order=next_order,
                            stored_words=stored_words)
    changed = [d for d in deals if d.members]  # a restored deal's members are the figures it gained
    summaries = {id(deal): summary for deal, summary in stored.values()}
    clusters, members, described = describe_deals(changed, contexts, summaries)
    renamed = {old_id[id(d.deal)]: d.deal_id for d in described if id(d.deal) in old_id}
    amounts, kinds = [], []
    for d in described:
        if id(d.deal) in old_id:
            _, repeated, lost = new_headlines(d.deal, Summary.from_json(summaries[id(d.deal)]))
            amounts += [(old_id[id(d.deal)], *amount, True) for amount in repeated]
            kinds += [(old_id[id(d.deal)], kind) for kind in sorted(lost)]
    tables = {
        "deal_changed_clusters": clusters,
        "deal_new_members": members,
        "deal_renamed": pa.table({"old_id": pa.array(sorted(renamed), pa.string()),
                                  "new_id": pa.array([renamed[k] for k in sorted(renamed)], pa.string())}),
        "deal_headline_amounts": pa.Table.from_pylist(
            [dict(zip(_AMOUNTS_SCHEMA.names, row, strict=True)) for row in amounts], schema=_AMOUNTS_SCHEMA),
        "deal_headline_kinds": pa.table({"deal_id": pa.array([k[0] for k in kinds], pa.string()),
                                         "kind": pa.array([k[1] for k in kinds], pa.string())}),
    }
    for name, table in tables.items():
        con.register(name, table)
    try:
        with transaction(con):
            persist_increment(con)
            record_state(con, "incremental", described, figures, new_ids, renamed,
                         next_order=1 + max((d.order for d in deals), default=next_order - 1))
    finally:
        for name in tables:
            con.unregister(name)
        con.execute("drop table if exists deal_clusters")
        con.execute("drop table if exists deal_members")
    founded = sum(1 for d in changed if id(d) not in old_id)
    return {"deals": con.execute("select count(*) from deals").fetchall()[0][0],
            "evidence": con.execute("select count(*) from deal_evidence").fetchall()[0][0],
            "mode": "incremental", "documents": len(new_ids), "changed": len(changed) - founded, "new": founded,
            "restored": len(stored)}
