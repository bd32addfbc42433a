"""Deals told for readers, through the real warehouse and the real templates: a DuckDB file
loaded with handmade articles, the rule-based deal rebuild, the week's context, Jinja2 rendering.

What a reader must see: each deal under a title saying who does what where, with its
one-sentence summary; the story of the week is a real commitment, never a context figure (a
country's GDP, a fund's valuation), and context figures are never shown as a deal's figures.
(The rule-based clustering still makes records of context figures alone and counts them in the
country totals: that is the deal layer's to fix, not the telling's.)"""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest

from newsletter_templates.render import render_formats
from warehouse.db import connect
from warehouse.deals import build_deals
from warehouse.load import load_documents, load_extractions
from warehouse.report import week_context

WEEK = "2025-W21"

# (doc_id, published, title, body, companies, figures: (surface, kind, amount, role))
ARTICLES = [
    ("kenya-1", "2025-05-20", "G42 and Microsoft to build a data centre in Kenya",
     "G42 and Microsoft will invest $1 billion in a 100MW data centre in Kenya. "
     "Kenya's GDP is about $110 billion.",
     ["G42", "Microsoft"],
     [("$1 billion", "money", 1e9, "commitment"), ("100MW", "power", 100.0, "commitment"),
      ("$110 billion", "money", 110e9, "context")]),
    ("fund-1", "2025-05-21", "Acme Capital valued at $50 billion",
     "Acme Capital, which backs data centres in France, is valued at $50 billion.",
     ["Acme Capital"],
     [("$50 billion", "money", 50e9, "context")]),
]
COUNTRIES = {"Kenya": "KE", "France": "FR"}


def extraction(doc_id: str, title: str, body: str, companies: list[str], figures: list[tuple]) -> dict:
    """The extractor's line for one article: offsets into title, blank line, body."""
    text = f"{title}\n\n{body}"
    sentences = [title] + re.findall(r"[^.]+\.", body)

    def sentence_of(start: int) -> str:
        return next(s.strip() for s in sentences if text.find(s.strip()) <= start < text.find(s.strip()) + len(s))

    mentions = []
    for name, code in COUNTRIES.items():
        for m in re.finditer(name, text):
            mentions.append({"kind": "country", "value": code, "text": name, "start": m.start(), "end": m.end(),
                             "sentence": sentence_of(m.start())})
    for name in companies:
        for m in re.finditer(re.escape(name), text):
            mentions.append({"kind": "company", "value": name, "text": name, "start": m.start(), "end": m.end(),
                             "sentence": sentence_of(m.start())})
    commitments = []
    for surface, kind, amount, role in figures:
        start = text.rindex(surface)
        sentence = sentence_of(start)
        item = {"kind": kind, "text": surface, "sentence": sentence, "start": start, "end": start + len(surface),
                "role": role, "countries": sorted({c for n, c in COUNTRIES.items() if n in sentence}),
                "companies": sorted(c for c in companies if c in sentence)}
        item.update({"value": amount, "currency": "USD", "value_usd": amount} if kind == "money" else {"mw": amount})
        commitments.append(item)
    return {"id": doc_id, "countries": sorted({m["value"] for m in mentions if m["kind"] == "country"}),
            "companies": companies, "commitments": commitments, "mentions": mentions}


@pytest.fixture
def warehouse(tmp_path: Path):
    documents, extractions = [], []
    for doc_id, published, title, body, companies, figures in ARTICLES:
        url = f"http://127.0.0.1:8000/sites/wire/{doc_id}.html"
        documents.append({"doc_id": doc_id, "source_id": "wire", "url": url, "canonical_url": url, "title": title,
                          "published": published, "published_source": "meta", "text": body,
                          "content_hash": doc_id, "fetched_at": f"{published}T12:00:00", "discovered_via": "feed",
                          "language": "en"})
        extractions.append(extraction(doc_id, title, body, companies, figures))
    for name, rows in (("documents", documents), ("extractions", extractions)):
        (tmp_path / f"{name}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    con = connect(tmp_path / "tracker.duckdb")
    load_documents(con, tmp_path / "documents.jsonl")
    load_extractions(con, tmp_path / "extractions.jsonl")
    build_deals(con)
    yield con
    con.close()


def flat(text: str) -> str:
    if text.startswith("<!DOCTYPE html>"):
        text = html.unescape(re.sub(r"<[^>]+>", " ", text[text.index("<body"):]))
    return " ".join(text.split())


def test_a_rendered_newsletter_tells_each_deal_by_title_and_summary(warehouse):
    [(title, summary)] = warehouse.execute(
        "select title, summary from deals where mw is not null"
    ).fetchall()
    assert title == "G42 and Microsoft plan a 100 MW AI data centre in Kenya"
    assert summary == ("G42 and Microsoft plan a 100 MW AI data centre in Kenya; $1 billion committed; "
                       "first reported in May 2025.")
    docs = render_formats(week_context(warehouse, WEEK))
    for fmt, doc in docs.items():
        assert f"{title} {summary}" in flat(doc).replace("### ", ""), fmt
    # Kenya's GDP, in the Kenya story, is gathered into its deal as context (never a figure of it);
    # a story of context figures alone still makes a record: it is never told as a plan
    rows = warehouse.execute("select title from deals where mw is null").fetchall()
    assert sorted(r[0] for r in rows) == ["Acme Capital in France, no commitment figure reported"]
    [(kind, role)] = warehouse.execute(
        "select c.kind, c.role from deal_evidence e join commitments c using (commitment_id) "
        "join deals d using (deal_id) where d.mw is not null and c.value_usd = 110e9").fetchall()
    assert (kind, role) == ("money", "context")


def test_the_story_of_the_week_is_a_commitment_never_a_context_figure(warehouse):
    context = week_context(warehouse, WEEK)
    # the $50 billion valuation and the $110 billion GDP are bigger, but they are context
    assert context["lead"]["title"] == "G42 and Microsoft plan a 100 MW AI data centre in Kenya"
    assert [(f["kind"], f.get("value_usd") or f.get("mw")) for f in context["lead"]["figures"]] == [
        ("money", 1e9), ("power", 100.0)]
    for deal in context["deals"]:
        assert all(f["value_usd"] not in (50e9, 110e9) for f in deal["figures"]), deal["title"]
    text = flat(render_formats(context)["text"])
    lead = text[text.index("STORY OF THE WEEK"):text.index("THIS WEEK -")]
    assert "G42 and Microsoft plan a 100 MW AI data centre in Kenya" in lead
    assert "110 billion" not in lead and "50 billion" not in lead
    # in the deals sections, no context amount is listed as a figure of a deal
    deals = text[text.index("NEW THIS WEEK"):text.index("COUNTRIES JOINING")]
    assert "US$110 billion" not in deals and "US$50 billion" not in deals


def test_the_review_page_shows_the_summary_and_marks_context_figures(warehouse):
    from newsletter_templates.review import render_review
    from warehouse.review import review_context

    context = review_context(warehouse, WEEK)
    kenya = next(d for d in context["deals"] if d["title"].startswith("G42 and Microsoft"))
    assert kenya["summary"].startswith("G42 and Microsoft plan a 100 MW AI data centre in Kenya;")
    page = render_review(context)
    assert f'<p class="summary">{html.escape(kenya["summary"])}</p>' in page
    # the GDP in the evidence sentence is shown to the editor, struck through as context
    assert re.search(r'ent-context">\$110 billion<span class="ent-label">money [^<]*, context: not a deal figure', page)
