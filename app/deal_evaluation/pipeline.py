"""Running the real pipeline on a deal gold set, and reading its deals back as a ``Prediction``.

Nothing here re-implements a stage: the gold articles are written as the crawl's
``documents.jsonl`` (the crawler's fields, doc ids and content hashes, and its de-duplication,
spiders/pipelines.py), loaded with the warehouse's load (``load_sources``, ``load_documents``),
extracted and loaded by the extract stage's own use case (app/extraction.py ``extract_and_load``,
in this process), and clustered by app/deals.py ``build_deals`` with the resolver the flow uses
(``deal_resolver``); all on a fresh DuckDB file in a temporary folder. So the score is the
score of the code that runs every week, whatever changes in it.
"""

from __future__ import annotations

import json
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from warehouse.deal_evaluation.gold import GoldError, GoldSet
from warehouse.deal_evaluation.scoring import PredictedDeal, PredictedFigure, Prediction

HERE = Path(__file__).resolve().parent
FETCHED_AT = "T12:00:00Z"  # each article is taken as crawled at noon (UTC) on its publication day


def outlet_slug(outlet: str) -> str:
    """A source id for an outlet: its name in lowercase letters and digits joined by hyphens."""
    return re.sub(r"[^a-z0-9]+", "-", outlet.casefold()).strip("-") or "outlet"


def crawl_documents(gold: GoldSet) -> tuple[list[dict], list[dict]]:
    """The gold articles as the crawler writes them: (documents, sources).

    Each article is a document of the source named after its outlet, with the crawler's doc id
    (sha1 of the canonical URL), content hash and fields; the crawler's de-duplication of the
    same story under several URLs applies too (a dropped copy is reported as not stored)."""
    from spiders.pipelines import make_content_hash, make_doc_id, select_documents
    from spiders.urls import canonicalize_url, parse_http_url

    documents, domains, names, seen = [], {}, {}, {}
    for article in gold.articles:
        canonical = canonicalize_url(article.url)
        if canonical in seen:
            raise GoldError(f"{article.origin}: same URL as article {seen[canonical]} ({canonical})")
        seen[canonical] = article.id
        source_id = outlet_slug(article.outlet)
        names.setdefault(source_id, article.outlet)
        domains.setdefault(source_id, set()).add(parse_http_url(canonical).host)
        documents.append({
            "doc_id": make_doc_id(canonical),
            "source_id": source_id,
            "url": article.url,
            "canonical_url": canonical,
            "title": article.title,
            "published": article.published,
            "published_source": "meta",
            "text": article.text,
            "content_hash": make_content_hash(article.text),
            "fetched_at": article.published + FETCHED_AT,
            "discovered_via": "feed",
            "language": "en",
            "alternate_urls": [],
        })
    kept, _ = select_documents(documents)
    sources = [
        {"id": source_id, "name": names[source_id], "kind": "media", "country": None, "feeds": [],
         "start_urls": [], "article_pattern": "", "allowed_domains": sorted(hosts)}
        for source_id, hosts in sorted(domains.items())
    ]
    return kept, sources


def write_documents(documents: list[dict], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as sink:
        for document in documents:
            sink.write(json.dumps(document, ensure_ascii=False) + "\n")
    return path


def build_warehouse(gold: GoldSet, work_dir: Path) -> tuple[Path, dict[str, str]]:
    """Crawl output, load, extract stage and deal building on ``work_dir/deals.duckdb``.

    Returns the warehouse file and the doc id of each gold article (by article id)."""
    from app.deals import build_deals, deal_resolver
    from app.extraction import extract_and_load
    from common.settings import EXTRACT_BATCH
    from spiders.pipelines import make_doc_id
    from spiders.urls import canonicalize_url
    from warehouse.db import connect
    from warehouse.load import iter_documents_to_extract, load_documents, load_sources

    db = work_dir / "deals.duckdb"
    if db.exists():
        raise FileExistsError(f"{db} exists: the deal evaluation needs a fresh warehouse")
    documents, sources = crawl_documents(gold)
    crawl = write_documents(documents, work_dir / "crawl" / "documents.jsonl")
    con = connect(db)
    try:
        load_sources(con, sources)
        load_documents(con, crawl)
    finally:
        con.close()
    extract_dir = work_dir / "extract"
    extract_dir.mkdir(parents=True, exist_ok=True)
    con = connect(db, create=False)
    try:  # in this process, one batch at a time (as `tracker reextract --workers 0`)
        extract_and_load(con, iter_documents_to_extract(con, EXTRACT_BATCH), extract_dir, workers=0)
    finally:
        con.close()
    build_deals(str(db), deal_resolver())
    return db, {article.id: make_doc_id(canonicalize_url(article.url)) for article in gold.articles}


def read_prediction(db: Path, doc_ids: dict[str, str]) -> Prediction:
    """The figures of each gold article's document with their deal, and the deals' rows."""
    from warehouse.db import connect

    con = connect(db, read_only=True)
    try:
        stored = {row[0] for row in con.execute("select doc_id from documents").fetchall()}
        figure_rows = con.sql((HERE / "predicted_figures.sql").read_text(encoding="utf-8")).fetchall()
        deal_rows = con.sql((HERE / "predicted_deals.sql").read_text(encoding="utf-8")).fetchall()
    finally:
        con.close()
    article_of = {doc_id: article for article, doc_id in doc_ids.items()}
    figures = [
        PredictedFigure(figure_id=cid, article=article_of[doc_id], kind=kind, amount=float(amount),
                        currency=currency, start=start, deal=deal_id, surface=surface or "", role=role)
        for cid, doc_id, kind, amount, currency, start, surface, deal_id, role in figure_rows
        if doc_id in article_of and amount is not None
    ]
    deals = {}
    for deal_id, title, countries, companies, money, currency, mw, chips in deal_rows:
        headline = tuple(item for item in (("money", money, currency), ("power", mw, None), ("chips", chips, None))
                         if item[1] is not None)
        deals[deal_id] = PredictedDeal(deal_id, title or "", tuple(countries or ()), tuple(companies or ()),
                                       tuple((kind, float(amount), cur) for kind, amount, cur in headline))
    missing = [article for article, doc_id in doc_ids.items() if doc_id not in stored]
    return Prediction(figures, deals, missing)


@contextmanager
def work_folder(work_dir: str | Path | None) -> Iterator[Path]:
    """``work_dir`` when given (kept afterwards, for a look at the warehouse), else a temporary
    folder removed at the end."""
    if work_dir is not None:
        path = Path(work_dir)
        path.mkdir(parents=True, exist_ok=True)
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="tracker-deal-eval-") as folder:
        yield Path(folder)


def run_pipeline(gold: GoldSet, work_dir: str | Path | None = None) -> Prediction:
    """Run the pipeline on the gold articles in a fresh warehouse and read its deals back."""
    with work_folder(work_dir) as folder:
        db, doc_ids = build_warehouse(gold, folder)
        return read_prediction(db, doc_ids)


def company_names() -> dict[str, str]:
    """Case-folded name, alias or legal name -> canonical name, from the company registry."""
    from nlp.resources import read_jsonl

    names: dict[str, str] = {}
    for row in read_jsonl("companies.jsonl"):
        canonical = row.get("name")
        if not isinstance(canonical, str):
            continue
        for name in [canonical, *(row.get("aliases") or []), *(row.get("legal_names") or [])]:
            if isinstance(name, str):
                names.setdefault(" ".join(name.casefold().split()), canonical)
    return names
