"""A two-week warehouse built by hand for the issue's sections and the review page.

Documents and extraction lines go through the real loaders (offsets computed here, never typed);
the deals are inserted directly, so the expectations do not depend on the clustering rules:

| deal | week(s) | countries | companies | figures | confidence |
| --- | --- | --- | --- | --- | --- |
| d-humain000001 | W20, W21 | SA | Humain, Nvidia | 1GW (Saudi Press Office) -> 5GW, 18,000 chips (DC Wire) | 0.8 |
| d-kenya0000002 | W21 | KE | G42, Microsoft | $1 billion (DC Wire) | 0.9 |
| d-rumour000003 | W21 | AE | OpenAI | 200MW (Gulf Blog) | 0.3 |
| d-france000004 | W06 | FR | Mistral | EUR 10 billion (Saudi Press Office) | 0.7 |

In 2025-W21: the Kenya and UAE deals are new, the Humain deal is updated (power changed, chips
added); Kenya and the UAE join the tracker; Microsoft, G42 and OpenAI are new companies.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from warehouse.load import load_documents, load_extractions, load_sources

WEEK = "2025-W21"
BASE = "https://news.example.org/"
SOURCES = [
    {"id": "spa-gov", "name": "Saudi Press Office", "kind": "government", "country": "SA", "feeds": [],
     "start_urls": [f"{BASE}spa/"], "article_pattern": "", "allowed_domains": ["news.example.org"]},
    {"id": "dc-wire", "name": "DC Wire", "kind": "trade", "country": "GB", "feeds": [f"{BASE}dc/feed.xml"],
     "start_urls": [], "article_pattern": "", "allowed_domains": ["news.example.org"]},
    {"id": "gulf-blog", "name": "Gulf Blog", "kind": "media", "country": "AE", "feeds": [f"{BASE}gulf/feed.xml"],
     "start_urls": [], "article_pattern": "", "allowed_domains": ["news.example.org"]},
]

# the mentions of both Humain articles
HUMAIN_MENTIONS = [("Humain", "company", "Humain"), ("Saudi Arabia", "country", "SA"), ("Nvidia", "company", "Nvidia")]
# doc key -> (source, published, title, text, figures [(surface, kind, attributes)], mentions [(surface, kind, value)])
DOCUMENTS = {
    "humain-1gw": ("spa-gov", "2025-05-13", "Humain and Nvidia plan a 1GW campus",
                   "Humain will build a 1GW AI campus in Saudi Arabia with Nvidia. The first phase opens in 2026.",
                   [("1GW", "power", {"mw": 1000.0})],
                   HUMAIN_MENTIONS),
    "humain-5gw": ("dc-wire", "2025-05-20", "Humain lifts its campus plan to 5GW",
                   "Humain now plans 5GW of capacity in Saudi Arabia. Nvidia will ship 18,000 GB300 chips to Humain.",
                   [("5GW", "power", {"mw": 5000.0}),
                    ("18,000 GB300 chips", "chips", {"count": 18000, "model": "GB300"})],
                   HUMAIN_MENTIONS),
    "kenya": ("dc-wire", "2025-05-21", "Microsoft and G42 pick Kenya",
              "Microsoft and G42 will invest $1 billion in a data centre in Kenya.",
              [("$1 billion", "money", {"value": 1e9, "currency": "USD", "value_usd": 1e9})],
              [("Microsoft", "company", "Microsoft"), ("G42", "company", "G42"), ("Kenya", "country", "KE")]),
    "rumour": ("gulf-blog", "2025-05-22", "A rumoured OpenAI site",
               "OpenAI may build 200MW in the UAE, a person familiar with the plan said.",
               [("200MW", "power", {"mw": 200.0})],
               [("OpenAI", "company", "OpenAI"), ("UAE", "country", "AE")]),
    "france": ("spa-gov", "2025-02-05", "Mistral plans a French cluster",
               "Mistral will spend EUR 10 billion on a cluster in France.",
               [("EUR 10 billion", "money", {"value": 1e10, "currency": "EUR", "value_usd": 1.04e10})],
               [("Mistral", "company", "Mistral"), ("France", "country", "FR")]),
}

# deal id -> (title, countries, companies, money_usd, mw, chips, chip model, confidence, evidence doc keys)
DEALS = {
    "d-humain000001": ("Humain, Nvidia in Saudi Arabia", ["SA"], ["Humain", "Nvidia"], None, 5000.0, 18000, "GB300",
                       0.8, ["humain-1gw", "humain-5gw"]),
    "d-kenya0000002": ("Microsoft, G42 in Kenya", ["KE"], ["G42", "Microsoft"], 1e9, None, None, None, 0.9, ["kenya"]),
    "d-rumour000003": ("OpenAI in United Arab Emirates", ["AE"], ["OpenAI"], None, 200.0, None, None, 0.3, ["rumour"]),
    "d-france000004": ("Mistral in France", ["FR"], ["Mistral"], 1.04e10, None, None, None, 0.7, ["france"]),
}


def url(key: str) -> str:
    return f"{BASE}{DOCUMENTS[key][0]}/{key}.html"


def doc_id(key: str) -> str:
    return hashlib.sha1(url(key).encode()).hexdigest()[:16]


def analysed(title: str, text: str) -> str:
    return f"{title}\n\n{text}"


def sentence_at(text: str, start: int) -> str:
    """The sentence around ``start``: lines and ". " end sentences (enough for these texts)."""
    begin = max(text.rfind("\n\n", 0, start) + 2 if "\n\n" in text[:start] else 0,
                text.rfind(". ", 0, start) + 2 if ". " in text[:start] else 0)
    end = text.find(". ", start)
    end = len(text) if end < 0 else end + 1
    return text[begin:end].strip()


def locate(text: str, surface: str, after: int = 0) -> tuple[int, int]:
    start = text.index(surface, after)
    return start, start + len(surface)


def build_week(con, folder: Path, documents: dict = DOCUMENTS, deals: dict = DEALS, sources=SOURCES) -> dict:
    """Load the documents, their extractions and the deals into ``con``; returns doc key -> doc_id."""
    docs, lines = [], []
    for key, (source, published, title, text, figures, mentions) in documents.items():
        full = analysed(title, text)
        docs.append({
            "doc_id": doc_id(key), "source_id": source, "url": url(key), "canonical_url": url(key),
            "title": title, "published": published, "published_source": "meta", "text": text,
            "content_hash": hashlib.sha256(" ".join(text.split()).encode()).hexdigest(),
            "fetched_at": f"{published}T12:00:00+00:00", "discovered_via": "feed", "language": "en",
        })
        body = len(title) + 2  # marks are found in the body, after the title
        commitments = []
        for surface, kind, attributes in figures:
            start, end = locate(full, surface, body)
            commitments.append({"kind": kind, "text": surface, "sentence": sentence_at(full, start), "start": start,
                                "end": end, "countries": [], "companies": [], **attributes})
        found, cursor = [], {}
        for surface, kind, value in mentions:
            start, end = locate(full, surface, cursor.get(surface, body))
            cursor[surface] = end
            found.append({"kind": kind, "value": value, "text": surface, "start": start, "end": end,
                          "sentence": sentence_at(full, start)})
        lines.append({"id": doc_id(key), "countries": sorted({m["value"] for m in found if m["kind"] == "country"}),
                      "companies": sorted({m["value"] for m in found if m["kind"] == "company"}),
                      "commitments": commitments, "mentions": found})
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "documents.jsonl").write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
    (folder / "extractions.jsonl").write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    load_sources(con, sources)
    load_documents(con, folder / "documents.jsonl")
    load_extractions(con, folder / "extractions.jsonl")
    for deal_id, (title, countries, companies, money, mw, chips, model, confidence, keys) in deals.items():
        dates = sorted(documents[key][1] for key in keys)
        con.execute(
            "insert into deals (deal_id, title, countries, companies, deal_type, status, money_value, money_currency, "
            "money_usd, mw, chip_count, chip_model, first_reported, last_reported, n_documents, n_sources, confidence) "
            "values (?, ?, ?, ?, 'data_center', null, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [deal_id, title, countries, companies, money, "USD" if money else None, money, mw, chips, model,
             dates[0], dates[-1], len(keys), len({documents[k][0] for k in keys}), confidence])
        for key in keys:
            con.execute(
                "insert into deal_evidence (deal_id, doc_id, commitment_id, sentence, published) "
                "select ?, c.doc_id, c.commitment_id, c.sentence, d.published "
                "from commitments c join documents d using (doc_id) where c.doc_id = ?", [deal_id, doc_id(key)])
    return {key: doc_id(key) for key in documents}


def hostile(documents: dict, text: str) -> dict:
    """The documents with ``text`` put in every title and before every sentence's first mark."""
    result = {}
    for key, (source, published, title, body, figures, mentions) in documents.items():
        result[key] = (source, published, f"{title} {text}", re.sub(r"^", f"{text} ", body), figures, mentions)
    return result
