"""What two frames of different documents share: the ``cross`` model's features. Pure.

A frame pair is scored as a whole (one probability per pair of frames, not per pair of figures):
whether the two reports name the same principal parties, the same host, the same project, the same
figure (or a total and the parts that add up to it), figures of the same kind that disagree, how
close in time, how alike their titles, texts and sentences are. Scoring frames rather than figure
pairs keeps a short report of a campus's chips and a long one of its cost and phases comparable
(their figures need not match one by one), and costs one feature vector per candidate pair.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from warehouse.resolution.features import (
    YEAR_DAYS,
    Corpus,
    comparable,
    families,
    is_sum_of,
    jaccard,
    related_figure,
    same_figure,
)
from warehouse.resolution.frames import Document, Figure, Frame, tokens


@dataclass
class FramePair:
    """What two frames share, computed once for all their figure pairs."""

    party_overlap: float
    party_conflict: float
    party_any: float
    supplier_overlap: float
    host_same: float
    host_conflict: float
    countries_overlap: float
    title_similarity: float
    text_similarity: float
    frame_similarity: float
    date_gap: float
    type_conflict: float
    type_same: float
    project_same: float
    project_conflict: float
    company_similarity: float
    sum_link: float
    shared_figures: float
    lead_same: float
    lead_conflict: float
    names_frame: float
    names_text: float
    lead_company_same: float
    doc_project_same: float
    title_party_host: float


def headline_projects(doc: Document) -> set[str]:
    """The projects a document is about: those its title names, else the one it names most."""
    titled = {value.casefold() for kind, value in doc.in_title if kind == "project"}
    return titled or {p.casefold() for p in doc.ranked("project")[:1]}


def title_names(doc: Document, kind: str) -> set[str]:
    return {value for k, value in doc.in_title if k == kind}


def lead_figures(frame: Frame) -> list[Figure]:
    """The figures a frame leads with: those in the title, else its first figure of each kind."""
    titled = [f for f in frame.figures if f.in_title]
    if titled:
        return titled
    first: dict[str, Figure] = {}
    for figure in sorted(frame.figures, key=lambda f: f.start):
        first.setdefault(figure.kind, figure)
    return list(first.values())


def company_vector(doc: Document) -> dict[str, float]:
    """The document's company counts as a unit vector."""
    norm = math.sqrt(sum(v * v for v in doc.companies.values()))
    return {c: v / norm for c, v in doc.companies.items()} if norm else {}


def document_facts(doc: Document, corpus: Corpus) -> tuple:
    """What frame_pair reads of a document, worked out once per document (cached on the corpus):
    its company vector, leading company, headline projects, companies in the title, title words."""
    key = ("document-facts", doc.doc_id)
    facts = corpus.vectors.get(key)
    if facts is None:
        facts = corpus.vectors[key] = (
            company_vector(doc), doc.ranked("company")[:1], headline_projects(doc),
            title_names(doc, "company"), Counter(tokens(doc.title)),
        )
    return facts


def document_pair(doc_a: Document, doc_b: Document, corpus: Corpus) -> dict:
    """What two documents share, whichever of their frames are compared: remembered for the last
    pair of documents asked (score_pairs asks for the frame pairs of one document pair in a row;
    a long article has several frames, and its text cosine is the costliest feature)."""
    key = (doc_a.doc_id, doc_b.doc_id)
    last = corpus.vectors.get("last-document-pair")
    if last is not None and last[0] == key:
        return last[1]
    ca, company_a, projects_a, title_companies_a, title_a = document_facts(doc_a, corpus)
    cb, company_b, projects_b, title_companies_b, title_b = document_facts(doc_b, corpus)
    if len(ca) > len(cb):
        ca, cb = cb, ca
    shared = {
        "company_similarity": sum(v * cb.get(c, 0.0) for c, v in ca.items()),
        "doc_project_same": float(bool(projects_a & projects_b)),
        "lead_company_same": float(bool(company_a) and company_a == company_b),
        "title_party": bool(title_companies_a & title_companies_b),
        "names_text": corpus.cosine(doc_a.names, doc_b.names,
                                    (("doc-names", doc_a.doc_id), ("doc-names", doc_b.doc_id))),
        "title_similarity": corpus.cosine(title_a, title_b, (("title", doc_a.doc_id), ("title", doc_b.doc_id))),
        "text_similarity": corpus.cosine(doc_a.words, doc_b.words, (("text", doc_a.doc_id), ("text", doc_b.doc_id))),
    }
    corpus.vectors["last-document-pair"] = (key, shared)
    return shared


class FrameFacts:
    """What frame_pair and frame_features read of one frame, worked out once per frame (cached on
    the corpus, as document_facts): its principal parties, owners and suppliers, deal type
    families, lead figures, figure kinds, and whether a figure is past or part of a whole."""

    __slots__ = ("principals", "owners", "suppliers", "families", "lead", "kinds", "past", "part_of")

    def __init__(self, frame: Frame):
        self.principals = frame.principals
        self.owners = frame.owners
        self.suppliers = {p.name for p in frame.parties if p.role == "supplier"}
        self.families = families(frame.figures)
        self.lead = lead_figures(frame)
        self.kinds = {f.kind for f in frame.figures}
        self.past = any(f.past for f in frame.figures)
        self.part_of = any(f.part_of for f in frame.figures)


def frame_facts(frame: Frame, corpus: Corpus) -> FrameFacts:
    """The frame's FrameFacts, cached on the corpus under the frame's key and size."""
    key = ("frame-facts", frame.doc_id, frame.index, len(frame.figures))
    facts = corpus.vectors.get(key)
    if facts is None:
        facts = corpus.vectors[key] = FrameFacts(frame)
    return facts


def frame_pair(a: Frame, b: Frame, doc_a: Document, doc_b: Document, corpus: Corpus) -> FramePair:
    facts_a, facts_b = frame_facts(a, corpus), frame_facts(b, corpus)
    parties_a, parties_b = facts_a.principals, facts_b.principals
    suppliers_a, suppliers_b = facts_a.suppliers, facts_b.suppliers
    fam_a, fam_b = facts_a.families, facts_b.families
    gap = abs((a.reported_on - b.reported_on).days) if a.reported_on and b.reported_on else 0
    shared = sum(1 for x in a.figures if any(same_figure(x, y) for y in b.figures))
    sums = any(is_sum_of(x, b.figures) for x in a.figures) or any(is_sum_of(y, a.figures) for y in b.figures)
    documents = document_pair(doc_a, doc_b, corpus)
    lead_a, lead_b = facts_a.lead, facts_b.lead
    lead_same = any(same_figure(x, y) for x in lead_a for y in lead_b)
    lead_conflict = not lead_same and any(
        x.kind == y.kind and not is_sum_of(x, b.figures) and not is_sum_of(y, a.figures)
        for x in lead_a for y in lead_b
    )
    return FramePair(
        doc_project_same=documents["doc_project_same"],
        # both titles name one company and both frames have one host: the headline's who and where agree
        title_party_host=float(documents["title_party"] and a.host is not None and a.host == b.host),
        names_frame=corpus.cosine(a.names, b.names, (("names", a.doc_id, a.index, len(a.figures)),
                                                     ("names", b.doc_id, b.index, len(b.figures)))),
        names_text=documents["names_text"],
        lead_company_same=documents["lead_company_same"],
        lead_same=float(lead_same),
        lead_conflict=float(lead_conflict),
        party_overlap=jaccard(parties_a, parties_b),
        party_conflict=float(bool(parties_a) and bool(parties_b) and not parties_a & parties_b),
        party_any=float(bool(parties_a & parties_b)),
        supplier_overlap=float(bool(suppliers_a & suppliers_b)),
        host_same=float(a.host is not None and a.host == b.host),
        host_conflict=float(a.host is not None and b.host is not None and a.host != b.host),
        countries_overlap=jaccard(set(a.countries), set(b.countries)),
        title_similarity=documents["title_similarity"],
        text_similarity=documents["text_similarity"],
        frame_similarity=corpus.cosine(a.words, b.words, (("frame", a.doc_id, a.index, len(a.figures)),
                                                          ("frame", b.doc_id, b.index, len(b.figures)))),
        date_gap=min(2.0, gap / YEAR_DAYS),
        type_conflict=float(bool(fam_a) and bool(fam_b) and not fam_a & fam_b),
        type_same=float(bool(fam_a & fam_b)),
        project_same=float(bool(a.project) and a.project == b.project),
        project_conflict=float(bool(a.project) and bool(b.project) and a.project != b.project),
        company_similarity=documents["company_similarity"],
        sum_link=float(sums),
        shared_figures=min(1.0, shared / 2),
    )


def figure_agreement(a: Frame, b: Frame, corpus: Corpus) -> dict:
    """How the two frames' figures agree: the share of the smaller frame's figures the other
    repeats (or adds up to), how rare the rarest repeated amount is, and whether a kind both give
    (money, power, chips) has no figure in common (and by how much the closest pair differs)."""
    small, big = (a, b) if len(a.figures) <= len(b.figures) else (b, a)
    matched, rarity = 0, 0.0
    for x in small.figures:
        if any(related_figure(x, y, small.figures, big.figures) for y in big.figures):
            matched += 1
            rarity = max(rarity, corpus.amount_rarity(x))
    kinds = frame_facts(a, corpus).kinds & frame_facts(b, corpus).kinds
    mismatch, closest = 0.0, 1.0
    for kind in kinds:
        xs = [f for f in a.figures if f.kind == kind]
        ys = [f for f in b.figures if f.kind == kind]
        if any(related_figure(x, y, a.figures, b.figures) for x in xs for y in ys):
            continue
        mismatch = 1.0
        ratios = [min(1.0, abs(math.log10(comparable(x) / comparable(y))) / 3)
                  for x in xs for y in ys if comparable(x) and comparable(y)]
        closest = min([closest, *ratios])
    return {
        "match_share": matched / len(small.figures) if small.figures else 0.0,
        "match_rarity": rarity,
        "kinds_shared": float(bool(kinds)),
        "kind_mismatch": mismatch,
        "mismatch_ratio": closest if mismatch else 0.0,
    }


def frame_features(a: Frame, b: Frame, doc_a: Document, doc_b: Document, corpus: Corpus) -> dict:
    """The ``cross`` model's features of two frames of different documents (module docstring)."""
    features = dict(vars(frame_pair(a, b, doc_a, doc_b, corpus)))  # asdict deep-copies: slow
    features.update(figure_agreement(a, b, corpus))
    facts_a, facts_b = frame_facts(a, corpus), frame_facts(b, corpus)
    owners_a, owners_b = facts_a.owners, facts_b.owners
    features.update(
        owners_overlap=jaccard(owners_a, owners_b),
        owners_conflict=float(bool(owners_a) and bool(owners_b) and not owners_a & owners_b),
        no_parties=float(not facts_a.principals or not facts_b.principals),
        host_missing=float(a.host is None or b.host is None),
        any_past=float(facts_a.past or facts_b.past),
        any_part_of=float(facts_a.part_of or facts_b.part_of),
        size=math.log(len(a.figures) * len(b.figures)) if a.figures and b.figures else 0.0,
    )
    return features
