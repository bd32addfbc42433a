"""The resolver end to end, pure: warehouse rows in, deals (and their Arrow tables) out.

frames.py builds each document's deal frames, clustering.py merges frames of different documents
into deals with the cross-document model, describe.py says what each deal shows. ``to_tables``
gives the two tables the persistence SQL reads, with the same columns and meaning as
warehouse.deals.describe_deals: ``deal_clusters`` (deal_id, title, countries, companies) and
``deal_members`` (deal_id, commitment_id, tier, headline); with ``with_parties`` (store.py),
``deal_clusters`` also carries each deal's ``parties`` (name and role, in title order) for
warehouse/deal_texts.py.

``resolve_corpus`` is ``resolve`` that also returns the corpus counts it used and the documents
it read, which store.py keeps (with the frames, saved.py) so a later incremental run
(incremental.py) scores new pairs as this build would.
"""

from __future__ import annotations

import pyarrow as pa

from warehouse.deal_texts import PARTIES_TYPE
from warehouse.resolution.clustering import cluster_frames
from warehouse.resolution.describe import Deal, describe_deal, headline_figures
from warehouse.resolution.features import Corpus
from warehouse.resolution.frames import Document, Frame, build_frames, read_documents, read_figures
from warehouse.resolution.model import Model, load_model
from warehouse.resolution.workers import map_objects

CLUSTERS_SCHEMA = pa.schema(
    [
        ("deal_id", pa.string()),
        ("title", pa.string()),
        ("countries", pa.list_(pa.string())),
        ("companies", pa.list_(pa.string())),
    ]
)
CLUSTERS_WITH_PARTIES = CLUSTERS_SCHEMA.append(pa.field("parties", PARTIES_TYPE))
FRAMES_PARALLEL_MIN = 1000  # fewer documents than this are framed in this process
MEMBERS_SCHEMA = pa.schema(
    [("deal_id", pa.string()), ("commitment_id", pa.string()), ("tier", pa.string()), ("headline", pa.bool_())]
)


def resolve(figure_rows: list[dict], mention_rows: list[dict], document_rows: list[dict],
            model: Model | None = None, threshold: float | None = None) -> list[Deal]:
    """The deals of the given figures, in order of their first report."""
    return resolve_corpus(figure_rows, mention_rows, document_rows, model, threshold)[0]


def resolve_corpus(figure_rows: list[dict], mention_rows: list[dict], document_rows: list[dict],
                   model: Model | None = None, threshold: float | None = None
                   ) -> tuple[list[Deal], Corpus, dict[str, Document]]:
    """``resolve``, the corpus counts its similarity features used, and the documents read."""
    model = model or load_model()
    docs = read_documents(document_rows, mention_rows)
    figures = read_figures(figure_rows, docs)
    frames = build_all_frames(figures, docs, model)
    corpus = Corpus.of(docs, [f for f in figures if f.is_commitment])
    return [describe_deal(group) for group in cluster_frames(frames, docs, corpus, model, threshold)], corpus, docs


def build_all_frames(figures: list, docs: dict, model) -> list[Frame]:
    """frames.build_frames over every document, the documents split between worker processes
    (workers.py: a document's frames depend on that document only); the frames in report order.
    The workers' frames hold copies of the figures, with their frame and host set."""
    order = list(dict.fromkeys(f.doc_id for f in figures))
    frames = map_objects(frames_range, len(order), figures, order, docs, model, minimum=FRAMES_PARALLEL_MIN)
    frames.sort(key=lambda f: f.key)
    return frames


def frames_range(figures: list, order: list[str], docs: dict, model, start: int, stop: int) -> list[Frame]:
    wanted = set(order[start:stop])
    return build_frames([f for f in figures if f.doc_id in wanted], docs, model)


def to_tables(deals: list[Deal], with_parties: bool = False) -> tuple[pa.Table, pa.Table]:
    clusters, members = [], []
    for deal in deals:
        clusters.append({"deal_id": deal.deal_id, "title": deal.title, "countries": deal.countries,
                         "companies": deal.companies, **({"parties": deal.parties} if with_parties else {})})
        headline = headline_figures(deal.figures)
        members.extend(
            {"deal_id": deal.deal_id, "commitment_id": f.commitment_id, "tier": f.tier,
             "headline": f.commitment_id in headline}
            for f in deal.figures
        )
    return (
        pa.Table.from_pylist(sorted(clusters, key=lambda r: r["deal_id"]),
                             schema=CLUSTERS_WITH_PARTIES if with_parties else CLUSTERS_SCHEMA),
        pa.Table.from_pylist(sorted(members, key=lambda r: (r["deal_id"], r["commitment_id"])), schema=MEMBERS_SCHEMA),
    )
