"""Fixtures of the warehouse tests: a temporary DuckDB file, seeded from tests/warehouse/fixtures."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from warehouse.db import connect
from warehouse.deals import build_deals
from warehouse.load import load_documents, load_extractions, load_sources

FIXTURES = Path(__file__).parent / "fixtures"

# doc_id of each fixture document (see fixtures/README.md)
DOC_IDS = SimpleNamespace(
    stargate_uae_openai="145883bd2a006289",
    stargate_uae_dcwire="f21555a08f6cebe5",
    stargate_uae_syndicated="3ac12992543751fa",
    microsoft_uae="ff99da95c58b709d",
    humain_gov="b88afe0373ef2dc9",
    humain_dcwire="7fc003e89dcd6cfb",
    stargate_norway="4170ce63ddfa499c",
    no_deal="5d28ffa7267b50c0",
)


@pytest.fixture
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture
def doc() -> SimpleNamespace:
    return DOC_IDS


@pytest.fixture
def rows():
    """rows(con, table): every row of a table in a stable order (all columns)."""

    def table_rows(con, table: str) -> list[tuple]:
        return con.execute(f"select * from {table} order by all").fetchall()

    return table_rows


@pytest.fixture
def sources() -> list[dict]:
    return json.loads((FIXTURES / "sources.json").read_text(encoding="utf-8"))


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "tracker.duckdb"


@pytest.fixture
def con(db_path: Path):
    connection = connect(db_path)
    yield connection
    connection.close()


@pytest.fixture
def seeded(con, sources):
    """Sources, documents and extractions loaded, deals built."""
    load_sources(con, sources)
    load_documents(con, FIXTURES / "documents.jsonl")
    load_extractions(con, FIXTURES / "extractions.jsonl")
    build_deals(con)
    return con

