"""The resolver's database side: read its inputs from the warehouse, persist its plan and its state.

Everything else in the package is pure. ``read_inputs`` turns the warehouse rows into the plain
records frames.py reads (figures, mentions, documents), for every document or for the named ones;
``persist_plan`` hands the two Arrow tables of a plan, ``deal_clusters`` and ``deal_members``, to
the same SQL the rule-based clustering uses (warehouse/sql/record_deal_aliases.sql,
build_deals.sql, record_commitment_deals.sql, then warehouse/deal_texts.py), so deal ids,
aliases, titles, headline figures and the figure history are kept exactly as before.

``build_deals`` is what the flow calls (TRACKER_DEAL_RESOLVER=model): it attaches new documents
to the existing deals when it can (incremental.py says when) and otherwise calls
``rebuild_deals``, the full rebuild, which also records the state the next increment starts from
(``record_state``: migration 042's resolver_* tables).
"""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_left
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from warehouse.db import DATA_DIR, run_sql, transaction

SQL_DIR = Path(__file__).resolve().parent / "sql"
PACKAGE = Path(__file__).resolve().parent
REGISTRY = PACKAGE.parents[1] / "nlp" / "data" / "companies.jsonl"
FRAMES_SCHEMA = pa.schema([("doc_id", pa.string()), ("frame_index", pa.int32()), ("commitment_id", pa.string()),
                           ("reported_on", pa.date32()), ("blocking_key", pa.string())])
LINE_BREAK = re.compile("\n")  # paragraphs of the analysed text are its lines
FACTS_SCHEMA = pa.schema([("doc_id", pa.string()), ("frame_index", pa.int32()), ("commitment_id", pa.string()),
                          ("figures", pa.int32()), ("host", pa.string()), ("owners", pa.list_(pa.string()))])
PACK_PARALLEL_MIN = 5000  # fewer documents than this are packed in this process
STATES_SCHEMA = pa.schema([("doc_id", pa.string()), ("state", pa.binary())])
CORPUS_SCHEMA = pa.schema([("kind", pa.string()), ("term", pa.string()), ("documents", pa.int64())])


def read_query(con: duckdb.DuckDBPyConnection, name: str) -> list[dict]:
    """All rows of ``warehouse/resolution/sql/<name>.sql`` as dicts."""
    return con.sql((SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")).to_arrow_table().to_pylist()


def read_some(con: duckdb.DuckDBPyConnection, query: str, table: str) -> list[dict]:
    """Rows of ``query`` (a file's text) whose doc_id is in the registered table ``table``."""
    body = query.strip().rstrip(";")
    return con.sql(f"select * from ({body}) where doc_id in (select doc_id from {table})").to_arrow_table().to_pylist()


def read_inputs(con: duckdb.DuckDBPyConnection, doc_ids: list[str] | None = None
                ) -> tuple[list[dict], list[dict], list[dict]]:
    """(figure rows, mention rows, document rows) of every dated document with figures, or only
    of the documents ``doc_ids`` names; where each figure and mention sits in its document's
    text added by ``place_rows``."""
    if doc_ids is None:
        figures, mentions, documents = (read_query(con, name) for name in ("figures", "mentions", "documents"))
    else:
        con.register("resolver_wanted", pa.table({"doc_id": pa.array(sorted(set(doc_ids)), pa.string())}))
        try:
            figures, mentions, documents = (
                read_some(con, (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8"), "resolver_wanted")
                for name in ("figures", "mentions", "documents")
            )
        finally:
            con.unregister("resolver_wanted")
        # in the order of the files' own ORDER BY (a filter by join does not keep it)
        figures.sort(key=lambda r: (r["reported_on"], r["doc_id"], r.get("start_char") is None,
                                    r.get("start_char") or 0, r["commitment_id"]))
        mentions.sort(key=lambda r: (r["doc_id"], r["start_char"] is None, r["start_char"] or 0, r["kind"], r["value"]))
        documents.sort(key=lambda r: r["doc_id"])
    place_rows(figures, mentions, documents)
    return figures, mentions, documents


def place_rows(figures: list[dict], mentions: list[dict], documents: list[dict]) -> None:
    """Add where each row sits in its document's analysed text (documents.sql): a mention's and a
    figure's ``paragraph_no`` (line breaks before it; deal_mentions.sql and deal_figures.sql count
    the same way), a figure's ``sentence_start`` (where its sentence is found, searching from its
    length before the figure; None when it is not) and ``in_title``. Done here, once per document,
    because SQL counted the line breaks of a document's whole prefix once per row."""
    texts = {row["doc_id"]: row["analysed"] for row in documents}
    title_ends = {row["doc_id"]: len(row["title"]) for row in documents}
    breaks: dict[str, list[int]] = {}

    def paragraph_of(doc_id: str, start: int | None) -> int | None:
        if start is None:
            return None
        offsets = breaks.get(doc_id)
        if offsets is None:
            offsets = breaks[doc_id] = [m.start() for m in LINE_BREAK.finditer(texts.get(doc_id, ""))]
        return bisect_left(offsets, start)

    for row in mentions:
        row["paragraph_no"] = paragraph_of(row["doc_id"], row["start_char"])
    for row in figures:
        start, sentence, text = row.get("start_char"), row.get("sentence"), texts.get(row["doc_id"], "")
        found = None
        if start is not None and sentence is not None:
            found = text.find(sentence, max(start - len(sentence), 0))
        row["sentence_start"] = found if found is not None and found >= 0 else None
        row["in_title"] = start is not None and start < title_ends.get(row["doc_id"], 0)
        row["paragraph_no"] = paragraph_of(row["doc_id"], start)


def fingerprint() -> str:
    """What the resolver's results depend on besides the data: its code and SQL, its weights and
    the company registry. A change to any of them makes the next build a full one."""
    digest = hashlib.sha256()
    paths = sorted([*PACKAGE.glob("*.py"), *SQL_DIR.glob("*.sql"), PACKAGE / "weights.json", REGISTRY])
    for path in paths:
        if path.exists():
            digest.update(path.name.encode("utf-8") + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def evidence_checksum(con: duckdb.DuckDBPyConnection) -> str:
    """A checksum of deal_evidence: whether the deals are still the ones this resolver left."""
    count, total = con.execute(
        "select count(*), coalesce(sum(hash(deal_id || '|' || coalesce(commitment_id, ''))), 0) from deal_evidence"
    ).fetchall()[0]
    return f"{count}:{total}"


def persist_plan(con: duckdb.DuckDBPyConnection) -> None:
    """Write the staged ``deal_clusters`` and ``deal_members`` (registered tables or temp tables)
    through the shared persistence SQL. Runs inside the caller's transaction."""
    from warehouse.deal_texts import tell_deals

    run_sql(con, "stage_deal_keywords", {"path": str(DATA_DIR / "deal_keywords.csv")})
    run_sql(con, "record_deal_aliases")
    run_sql(con, "record_current_deal_aliases")
    run_sql(con, "build_deals")
    tell_deals(con)
    run_sql(con, "record_commitment_deals")


def frame_table(frames) -> pa.Table:
    """resolver_frames rows of these frames, one per blocking key, as an Arrow table built by
    columns (millions of rows at 100k documents)."""
    from warehouse.resolution.blocking import blocking_keys

    columns: dict[str, list] = {name: [] for name in FRAMES_SCHEMA.names}
    for frame in frames:
        keys = sorted(blocking_keys(frame), key=repr)
        columns["doc_id"] += [frame.doc_id] * len(keys)
        columns["frame_index"] += [frame.index] * len(keys)
        columns["commitment_id"] += [frame.figures[0].commitment_id] * len(keys)
        columns["reported_on"] += [frame.reported_on] * len(keys)
        columns["blocking_key"] += [key_text(key) for key in keys]
    return pa.Table.from_pydict(columns, schema=FRAMES_SCHEMA)


def key_text(key: tuple) -> str:
    """A blocking key as text (its parts joined by '|')."""
    return "|".join(str(part) for part in key)


def corpus_rows(corpus) -> list[dict]:
    rows = [{"kind": "documents", "term": "", "documents": corpus.documents}]
    rows += [{"kind": "word", "term": word, "documents": n} for word, n in corpus.word_docs.items()]
    rows += [{"kind": "amount", "term": key_text(key), "documents": n} for key, n in corpus.amount_docs.items()]
    return rows


def read_corpus(con: duckdb.DuckDBPyConnection):
    """The stored corpus counts as a features.Corpus."""
    from warehouse.resolution.features import Corpus

    corpus = Corpus()
    for kind, term, n in con.execute("select kind, term, documents from resolver_corpus").fetchall():
        if kind == "documents":
            corpus.documents = n
        elif kind == "word":
            corpus.word_docs[term] = n
        else:
            figure_kind, bucket = term.rsplit("|", 1)
            corpus.amount_docs[(figure_kind, int(bucket))] = n
    return corpus


def record_state(con: duckdb.DuckDBPyConnection, mode: str, frames, corpus, deals, doc_ids: list[str] | None,
                 retired: list[str] = (), docs: dict | None = None) -> None:
    """Record what the next increment starts from. ``doc_ids`` None: a full build (every table
    replaced); else an increment adding these documents, their frames and counts, and the
    parties of ``deals`` (``retired``: deal ids the increment retired). ``docs``: the documents
    of ``frames``, kept with them (migration 043, saved.py)."""
    full = doc_ids is None
    if full:
        for table in ("resolver_documents", "resolver_frames", "resolver_corpus", "resolver_parties",
                      "resolver_frame_facts", "resolver_document_states"):
            con.execute(f"delete from {table}")
    if docs is not None:
        save_frames(con, frames, docs)
    con.register("resolver_new_frames", frame_table(frames))
    con.register("resolver_new_corpus", pa.Table.from_pylist(corpus_rows(corpus), schema=CORPUS_SCHEMA))
    parties = pa.Table.from_pylist([{"deal_id": d.deal_id, "parties": d.parties} for d in deals],
                                   schema=pa.schema([("deal_id", pa.string()),
                                                     ("parties", pa.list_(pa.struct([("name", pa.string()),
                                                                                     ("role", pa.string())])))]))
    con.register("resolver_new_parties", parties)
    wanted = set(doc_ids or ())
    hashes = [row for row in read_query(con, "document_hashes") if full or row["doc_id"] in wanted]
    con.register("resolver_new_hashes", pa.Table.from_pylist(
        sorted(hashes, key=lambda row: row["doc_id"]),
        schema=pa.schema([("doc_id", pa.string()), ("figures_hash", pa.string())])))
    try:
        run_sql_file(con, "record_resolver_state", {"full": full})
        ids = [d.deal_id for d in deals] + list(retired)
        if ids:
            con.execute("delete from resolver_parties where deal_id in (select unnest($ids))", {"ids": ids})
        con.execute("insert into resolver_parties select deal_id, parties from resolver_new_parties")
        con.execute("delete from resolver_state")
        documents = con.execute("select count(*) from resolver_documents").fetchall()[0][0]
        con.execute("insert into resolver_state values ($fingerprint, $mode, $documents, $checksum, $at)",
                    {"fingerprint": fingerprint(), "mode": mode, "documents": documents,
                     "checksum": evidence_checksum(con), "at": datetime.now(UTC).replace(tzinfo=None)})
    finally:
        for name in ("resolver_new_frames", "resolver_new_corpus", "resolver_new_parties", "resolver_new_hashes"):
            con.unregister(name)


def save_frames(con: duckdb.DuckDBPyConnection, frames, docs: dict) -> None:
    """Keep ``frames`` (resolver_frame_facts) and, per document, its frames and facts serialised
    (resolver_document_states): what an increment reads back instead of framing again."""
    from warehouse.resolution.saved import fact_row, pack_range
    from warehouse.resolution.workers import map_objects

    by_doc: dict[str, list] = {}
    for frame in frames:
        by_doc.setdefault(frame.doc_id, []).append(frame)
    order = sorted(by_doc)
    facts = pa.Table.from_pylist([fact_row(frame) for frame in frames], schema=FACTS_SCHEMA)
    # packed in worker processes (workers.py): one compressed JSON text per document, 100k of them in a big rebuild
    packed = map_objects(pack_range, len(order), order, by_doc, docs, minimum=PACK_PARALLEL_MIN)
    states = pa.table({"doc_id": pa.array(order, pa.string()), "state": pa.array(packed, pa.binary())},
                      schema=STATES_SCHEMA)
    con.register("resolver_new_facts", facts)
    con.register("resolver_new_states", states)
    try:
        con.execute("insert or replace into resolver_frame_facts by name select * from resolver_new_facts")
        con.execute("insert or replace into resolver_document_states by name select * from resolver_new_states")
    finally:
        con.unregister("resolver_new_facts")
        con.unregister("resolver_new_states")


def run_sql_file(con: duckdb.DuckDBPyConnection, name: str, params: dict | None = None) -> None:
    """Run every statement of ``warehouse/resolution/sql/<name>.sql``."""
    text = (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")
    for statement in (s.strip() for s in text.split(";")):
        if statement and not all(line.startswith("--") for line in statement.splitlines() if line.strip()):
            used = {k: v for k, v in (params or {}).items() if f"${k}" in statement}
            con.execute(statement, used) if used else con.execute(statement)


def plan_deals(con: duckdb.DuckDBPyConnection, model=None) -> tuple[pa.Table, pa.Table]:
    """The resolver's deals as the two Arrow tables the persistence SQL reads."""
    from warehouse.resolution.resolve import resolve, to_tables

    figures, mentions, documents = read_inputs(con)
    return to_tables(resolve(figures, mentions, documents, model=model))


def rebuild_deals(con: duckdb.DuckDBPyConnection, model=None) -> dict:
    """Rebuild ``deals`` and ``deal_evidence`` from every document, in one transaction, and record
    the resolver's state for later increments.

    Same contract as warehouse.deals.build_deals: deterministic (unchanged deals keep their ids:
    an id is its earliest figure's), retired ids kept in ``deal_aliases`` with their successor,
    the figure history recorded. Returns ``{"deals": n, "evidence": n, "mode": "full"}``.
    """
    from warehouse.resolution.resolve import resolve_corpus, to_tables

    figures, mentions, documents = read_inputs(con)
    deals, corpus, docs = resolve_corpus(figures, mentions, documents, model=model)
    clusters, members = to_tables(deals, with_parties=True)
    con.register("deal_clusters", clusters)
    con.register("deal_members", members)
    try:
        with transaction(con):
            persist_plan(con)
            frames = [frame for deal in deals for frame in deal.frames]
            record_state(con, "full", frames, corpus, deals, None, docs=docs)
    finally:
        con.unregister("deal_clusters")
        con.unregister("deal_members")
    return {"deals": clusters.num_rows, "evidence": members.num_rows, "mode": "full"}


def build_deals(con: duckdb.DuckDBPyConnection) -> dict:
    """The flow's deals stage for the learned resolver: an increment when the stored state allows
    one, else a full rebuild (incremental.py, ``update_deals``)."""
    from warehouse.resolution.incremental import update_deals

    return update_deals(con)
