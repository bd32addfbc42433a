"""Bulk loads into the warehouse: sources, crawled documents, crawl errors, extractions.

Every load reads its whole input at once (``read_json`` with explicit columns, or an Arrow table),
stages it in a temporary table and applies it in one transaction, with the SQL of
``warehouse/sql/``. Loading the same input twice leaves the same rows.

Extraction streams: ``iter_documents_to_extract`` reads the documents to extract in pages of
``batch_size`` (doc_id ranges listed once) and ``load_extractions`` loads one or more batches'
output, so memory does not grow with the number of documents. A streaming load passes
``settle=False`` and calls ``settle_document_entities`` once at its end: the documents' entity
lists wait in ``document_entities_pending`` meanwhile, because DuckDB rewrites a whole document
row (text included) when a list column changes, and doing that batch by batch made the time per
document grow with the archive.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from warehouse.db import fetch_dicts, fetch_rows, run_sql, transaction

DOCUMENT_ACTIONS = ("new", "updated", "unchanged", "duplicate", "superseded", "rejected")

_SOURCES_SCHEMA = pa.schema(
    [
        ("source_id", pa.string()),
        ("name", pa.string()),
        ("kind", pa.string()),
        ("country", pa.string()),
        ("feeds", pa.list_(pa.string())),
        ("start_urls", pa.list_(pa.string())),
        ("article_pattern", pa.string()),
        ("allowed_domains", pa.list_(pa.string())),
    ]
)


def _field(source: Any, name: str, default: Any = None) -> Any:
    if isinstance(source, Mapping):
        return source.get(name, default)
    return getattr(source, name, default)


def _source_row(source: Any) -> dict:
    source_id = _field(source, "id") or _field(source, "source_id")
    if not source_id:
        raise ValueError(f"source without an id: {source!r}")
    return {
        "source_id": source_id,
        "name": _field(source, "name") or source_id,
        "kind": _field(source, "kind"),
        "country": _field(source, "country"),
        "feeds": list(_field(source, "feeds") or ()),
        "start_urls": list(_field(source, "start_urls") or ()),
        "article_pattern": _field(source, "article_pattern") or "",
        "allowed_domains": list(_field(source, "allowed_domains") or ()),
    }


def load_sources(con: duckdb.DuckDBPyConnection, sources: Iterable[Any]) -> int:
    """Upsert registry sources (``spiders.registry.Source`` objects or dicts with its fields).

    A source whose fields are unchanged is not rewritten; sources missing from the list are kept
    (their documents still point at them). Returns the number of sources given.
    """
    rows = sorted((_source_row(s) for s in sources), key=lambda r: r["source_id"])
    ids = [r["source_id"] for r in rows]
    if len(ids) != len(set(ids)):
        raise ValueError("sources: the same id is given twice")
    staged = pa.Table.from_pylist(rows, schema=_SOURCES_SCHEMA)
    con.register("staged_sources", staged)
    try:
        with transaction(con):
            run_sql(con, "upsert_sources", {"updated_at": datetime.now().replace(microsecond=0)})
    finally:
        con.unregister("staged_sources")
    return len(rows)


def _input_path(path: str | os.PathLike) -> str:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    return str(path)


def load_documents(con: duckdb.DuckDBPyConnection, documents_jsonl: str | os.PathLike) -> dict:
    """Load the crawler's ``documents.jsonl`` in one transaction.

    New documents are inserted; a stored document whose ``content_hash`` changed gets its new
    content (and so is extracted again); identical text under another canonical URL is not stored
    twice; every URL a line names (canonical, fetched, alternates) is kept in ``document_urls``
    for the document it leads to; bad lines are recorded in ``crawl_errors`` (stage ``load``) and
    skipped. A document never changes hands: a line whose doc_id is stored for another source (a
    page claiming another publisher's canonical URL) is rejected with its reason and the stored
    article stays as it was; so is a line whose fetched or canonical URL is outside its source's
    allowed domains and ports (when the source is in ``sources``). Returns the number of lines
    per action: new, updated, unchanged, duplicate, superseded, rejected.
    """
    path = _input_path(documents_jsonl)
    with transaction(con):
        run_sql(con, "stage_documents", {"path": path})
        _stage_url_refusals(con)
        run_sql(con, "classify_documents", {"path": path})
        counts = dict.fromkeys(DOCUMENT_ACTIONS, 0)
        counts.update(dict(fetch_rows(con, "count_document_actions")))
        run_sql(con, "apply_documents")
        run_sql(con, "record_document_urls")
    return counts


_REFUSALS_SCHEMA = pa.schema([("source_id", pa.string()), ("origin", pa.string()), ("reason", pa.string())])


def _stage_url_refusals(con: duckdb.DuckDBPyConnection) -> int:
    """Fill ``staged_document_refusals``: the (source, origin) pairs of staged lines that the
    source may not store, with the reason (spiders.urls.url_refusal: another host, a port the
    source's feeds and start pages do not use, user@host, a host browsers read differently).

    The crawler already keeps pages to their source's bounds; this check at the warehouse door
    also covers output of older crawlers and hand-made files. Only distinct origins are checked
    (a few per source), so it costs nothing per document. Sources missing from the registry
    table, or without allowed domains, are not checked. Returns the number of refused origins.
    """
    from spiders.urls import allowed_ports, url_refusal

    refused = []
    for source_id, origin, domains, feeds, start_urls in fetch_rows(con, "staged_document_origins"):
        reason = url_refusal(f"{origin}/", domains, allowed_ports([*(feeds or ()), *(start_urls or ())]))
        if reason:
            refused.append({"source_id": source_id, "origin": origin, "reason": reason})
    con.register("staged_document_refusals_input", pa.Table.from_pylist(refused, schema=_REFUSALS_SCHEMA))
    try:
        con.execute("create or replace temp table staged_document_refusals as "
                    "select * from staged_document_refusals_input")
    finally:
        con.unregister("staged_document_refusals_input")
    return len(refused)


def load_crawl_errors(con: duckdb.DuckDBPyConnection, errors_jsonl: str | os.PathLike) -> int:
    """Append the crawler's ``crawl_errors.jsonl``; records already stored are not repeated.

    Returns the number of rows added.
    """
    path = _input_path(errors_jsonl)
    with transaction(con):
        added = fetch_rows(con, "load_crawl_errors", {"path": path})[0][0]
    return int(added)


def documents_to_extract(con: duckdb.DuckDBPyConnection) -> list[dict]:
    """Documents whose current text has not been extracted yet, as extraction input lines.

    ``[{"id", "title", "text", "published"}]`` ordered by doc_id; published is YYYY-MM-DD or None.
    """
    return fetch_dicts(con, "documents_to_extract")


def documents_to_extract_page(
    con: duckdb.DuckDBPyConnection, *, after: str = "", limit: int, every: bool = False
) -> list[dict]:
    """One keyset page of extraction input lines: at most ``limit`` documents after ``after``.

    Same lines and order as ``documents_to_extract``; with ``every``, every stored document
    (re-extraction after a pipeline change), not only those whose text has not been extracted.
    """
    if limit < 1:
        raise ValueError("limit must be at least 1")
    return fetch_dicts(con, "documents_to_extract_page", {"after": after, "limit": limit, "every": every})


def count_documents_to_extract(con: duckdb.DuckDBPyConnection, *, every: bool = False) -> int:
    """How many documents ``iter_documents_to_extract`` would yield (for progress totals)."""
    return int(fetch_rows(con, "count_documents_to_extract", {"every": every})[0][0])


def iter_documents_to_extract(
    con: duckdb.DuckDBPyConnection, batch_size: int, *, every: bool = False
) -> Iterator[list[dict]]:
    """The documents to extract in batches of ``batch_size``, ordered by doc_id.

    The doc_ids to extract are listed once (a few MB for a million documents); each batch is then
    read by its doc_id range when the previous one has been consumed, so loading a batch's
    extractions in between is safe, only one page of texts is held at a time, and reading a page
    costs the same at any warehouse size.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    ids = [row[0] for row in fetch_rows(con, "documents_to_extract_ids", {"every": every})]
    for first in range(0, len(ids), batch_size):
        low, high = ids[first], ids[min(first + batch_size, len(ids)) - 1]
        page = fetch_dicts(con, "documents_to_extract_range", {"low": low, "high": high, "every": every})
        if page:
            yield page


def load_extractions(
    con: duckdb.DuckDBPyConnection, extractions_jsonl: str | os.PathLike | list[str | os.PathLike],
    settle: bool = True,
) -> dict:
    """Load extraction lines (the output of docs/architecture.md plus ``mentions``; ``id`` is the
    doc_id) from one file, or from several files in one transaction (a later line for the same id
    wins).

    In one transaction, the mentions and commitments of every document in the files are replaced
    by the files', the document's ``countries``/``companies`` are set, and the ``content_hash``
    that was extracted is recorded so ``documents_to_extract`` skips it. Lines naming no stored
    document are skipped. Returns counts: documents, unknown, rejected, mentions, commitments.

    With ``settle=False`` (a streaming load, many calls in a row) the ``countries``/``companies``
    wait in ``document_entities_pending`` until ``settle_document_entities``; any later settling
    load copies them too, so an interrupted stream loses nothing.
    """
    if isinstance(extractions_jsonl, (list, tuple)):
        if not extractions_jsonl:
            raise ValueError("no extraction files to load")
        path: str | list[str] = [_input_path(p) for p in extractions_jsonl]
    else:
        path = _input_path(extractions_jsonl)
    with transaction(con):
        run_sql(con, "stage_extractions", {"path": path})
        run_sql(con, "apply_extractions")
        counts = fetch_dicts(con, "count_extractions")[0]
        if settle:
            run_sql(con, "settle_document_entities")
    return {key: int(value) for key, value in counts.items()}


def settle_document_entities(con: duckdb.DuckDBPyConnection) -> int:
    """Copy the entity lists waiting in ``document_entities_pending`` into ``documents`` (one
    transaction, rows whose lists are unchanged untouched); returns how many documents waited."""
    with transaction(con):
        waiting = fetch_rows(con, "count_document_entities_pending")[0][0]
        if waiting:
            run_sql(con, "settle_document_entities")
    if waiting:
        # the rewritten rows go to the file now, under the caller's memory settings, rather than
        # at close, where a checkpoint of 100k rewritten documents took 900 MB
        con.execute("checkpoint")
    return int(waiting)


def load_extraction_batch(
    con: duckdb.DuckDBPyConnection, lines: Iterable[Mapping[str, Any]], path: str | os.PathLike
) -> dict:
    """Write one batch of extraction lines to ``path`` (JSON Lines, kept) and load it.

    ``load_extractions`` of that file: one transaction for the whole batch. Returns its counts.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    from nlp.extract import dump_line

    with path.open("w", encoding="utf-8") as sink:
        sink.writelines(dump_line(line) for line in lines)
    return load_extractions(con, path)
