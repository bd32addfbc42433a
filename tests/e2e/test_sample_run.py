"""The whole weekly pipeline on the bundled sample web, as `make run` runs it.

One real run (Prefect flow, Scrapy over loopback HTTP, spaCy, DuckDB, Jinja2) per session, then a
second run to prove it is idempotent (the `sample_run` fixture, tests/e2e/conftest.py); every
assertion reads what a user would read: rows in the warehouse and links in the newsletter. The
deals against the sample's deal answer key: test_sample_deals.py.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
GOLD = REPO / "sample" / "gold.jsonl"
TABLES = ["sources", "documents", "mentions", "commitments", "deals", "deal_evidence"]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def gold():
    return [json.loads(line) for line in GOLD.read_text().splitlines() if line.strip()]


def iso_week(day: str) -> str:
    year, week, _ = date.fromisoformat(day).isocalendar()
    return f"{year}-W{week:02d}"


def test_run_prints_where_the_outputs_are(sample_run):
    stdout = sample_run["stdout"]
    assert "Newsletter (html):" in stdout and "Database:" in stdout
    assert str(sample_run["db"]) in stdout


def test_every_sample_article_is_stored_once(con, gold):
    rows = con.execute("select title, canonical_url, content_hash from documents").fetchall()
    assert len(rows) == len(gold)
    assert len({r[1] for r in rows}) == len(rows)
    assert len({r[2] for r in rows}) == len(rows)
    assert sorted(r[0] for r in rows) == sorted(g["title"] for g in gold)
    # Stored URLs do not depend on the loopback port, and carry no tracking parameters.
    urls = [r[1] for r in rows]
    ids = dict(con.execute("select canonical_url, doc_id from documents").fetchall())
    assert all(doc_id == hashlib.sha1(url.encode()).hexdigest()[:16] for url, doc_id in ids.items())
    assert all(u.startswith("https://sample.tracker.test/sites/") for u in urls)
    assert not any("utm_" in u for u in urls)


def test_publication_dates_match_the_articles(con, gold):
    stored = dict(con.execute("select title, strftime(published, '%Y-%m-%d') from documents").fetchall())
    wrong = [g["title"] for g in gold if stored.get(g["title"]) != g["published"]]
    assert not wrong, wrong


def test_second_run_changes_no_row_counts(sample_run):
    assert sample_run["first"] == sample_run["second"]
    assert all(sample_run["first"][t] > 0 for t in TABLES), sample_run["first"]


def test_mentions_and_commitments_carry_real_figures(con):
    assert con.execute("select count(distinct value) from mentions where kind = 'country'").fetchone()[0] >= 8
    power = {row[0] for row in con.execute("select mw from commitments where kind = 'power'").fetchall()}
    assert 1000 in power  # Stargate UAE's 1GW cluster
    chips = {row[0] for row in con.execute("select chip_count from commitments where kind = 'chips'").fetchall()}
    assert 18000 in chips  # Humain's first GB300 shipment
    euros = {row[0] for row in con.execute(
        "select value from commitments where kind = 'money' and currency = 'EUR'").fetchall()}
    assert 109_000_000_000 in euros  # France's AI summit pledge
    missing_usd = con.execute(
        "select count(*) from commitments where kind = 'money' and value_usd is null").fetchone()[0]
    assert missing_usd == 0


def test_every_sample_week_has_a_deal(con, gold):
    weeks = {iso_week(g["published"]) for g in gold}
    with_deals = {row[0] for row in con.execute("select distinct iso_week from weekly_deals").fetchall()}
    assert len(weeks) >= 6
    assert weeks <= with_deals, sorted(weeks - with_deals)


def test_two_outlets_on_one_deal_make_one_deal_with_two_sources(con):
    rows = con.execute(
        "select deal_id, n_sources from deals where countries[1] = 'AE' and mw = 1000"  # Stargate UAE
    ).fetchall()
    assert len(rows) == 1, rows
    assert rows[0][1] >= 2


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs.extend(v for k, v in attrs if k == "href" and v)


def test_newsletter_for_the_latest_week_lists_its_deals_and_sources(sample_run, con, gold):
    latest = max(iso_week(g["published"]) for g in gold)
    folder = sample_run["out"] / "newsletter"
    html = (folder / f"tracker-{latest}.html").read_text()
    text = " ".join((folder / f"tracker-{latest}.txt").read_text().split())  # titles may wrap
    draft = " ".join((sample_run["out"] / "drafts" / f"tracker-{latest}.txt").read_text().split())
    assert (folder / f"tracker-{latest}.md").exists()
    deals = con.execute(
        "select distinct d.deal_id, d.title, d.confidence from deals d join weekly_deals w using (deal_id) "
        "where w.iso_week = ?", [latest]
    ).fetchall()
    sure = [(deal_id, title) for deal_id, title, confidence in deals if confidence >= 0.5]
    assert sure
    for _, title in sure:
        assert title in text
    # Low-confidence deals are shown to the editor, not to readers (no editor kept them).
    for _, title, confidence in deals:
        assert title in draft
        if confidence < 0.5:
            assert title not in text
    assert "Draft for editor review" in draft and "Draft for editor review" not in text
    parser = _Links()
    parser.feed(html)
    week_urls = {row[0] for row in con.execute(
        "select distinct doc.url from deal_evidence e join documents doc using (doc_id) "
        "join deals d on d.deal_id = e.deal_id and d.confidence >= 0.5 "
        "join weekly_deals w on w.deal_id = e.deal_id and w.iso_week = ? "
        "where doc.iso_week = ?", [latest, latest]).fetchall()}
    assert week_urls and week_urls <= set(parser.hrefs)
    assert "<script" not in html.lower()
