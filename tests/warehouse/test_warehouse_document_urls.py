"""Every URL of a story leads to its one stored document (document_urls)."""

from __future__ import annotations

import json

from warehouse.db import connect
from warehouse.load import load_documents


def line(doc_id, url, canonical, text, alternates=None, fetched="2025-05-22T10:00:00Z"):
    return {"doc_id": doc_id, "source_id": "wire", "url": url, "canonical_url": canonical, "title": "T",
            "published": "2025-05-22", "published_source": "meta", "text": text, "content_hash": "h-" + text,
            "fetched_at": fetched, "discovered_via": "feed", "language": "en",
            **({"alternate_urls": alternates} if alternates is not None else {})}


def test_canonical_fetched_alternate_and_syndicated_urls_lead_to_one_document(tmp_path):
    original = "https://ledger.example/2025/05/stargate-uae.html"
    lines = [
        line("aaaa", original + "?ref=home", original, "Stargate UAE story",
             alternates=["https://ledger.example/amp/2025/05/stargate-uae.html"]),
        # a syndicated identical copy on another site: not stored again, but its URLs are kept
        line("bbbb", "https://meridian.example/tech/stargate/", "https://meridian.example/tech/stargate/",
             "Stargate UAE story", fetched="2025-05-22T12:00:00Z"),
        line("cccc", "https://other.example/a", "https://other.example/a", "A different story"),
    ]
    path = tmp_path / "documents.jsonl"
    path.write_text("".join(json.dumps(item) + "\n" for item in lines))
    con = connect(tmp_path / "t.duckdb")
    load_documents(con, path)
    load_documents(con, path)  # idempotent
    rows = dict(con.execute("select url, doc_id from document_urls").fetchall())
    relations = dict(con.execute("select url, relation from document_urls").fetchall())
    assert con.execute("select count(*) from documents").fetchone()[0] == 2
    assert rows[original] == "aaaa" and relations[original] == "canonical"
    assert rows[original + "?ref=home"] == "aaaa" and relations[original + "?ref=home"] == "fetched"
    assert rows["https://ledger.example/amp/2025/05/stargate-uae.html"] == "aaaa"
    assert rows["https://meridian.example/tech/stargate/"] == "aaaa"  # the syndicated copy
    assert rows["https://other.example/a"] == "cccc"
    assert len(rows) == 5
