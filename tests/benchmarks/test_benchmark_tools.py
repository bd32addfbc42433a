"""The benchmarks' own logic, quickly: the generated corpus and web site, the results file, and
peak-memory measurement. The benchmarks themselves run with `make bench`, not here."""

from __future__ import annotations

import json
import sys
from datetime import date
from itertools import islice

from benchmarks.corpus import crawl_document, generate, registry, write_documents, write_site
from benchmarks.measure import REQUIRED_KEYS, RESULTS, merge_results, missing_keys, run_measured
from common.weeks import parse_week


def test_smaller_corpora_are_prefixes_of_bigger_ones():
    assert list(generate(30, seed=3)) == list(islice(generate(300, seed=3), 30))


def test_a_week_of_documents_stays_in_its_iso_week():
    week = parse_week("2025-W47")
    records = list(generate(200, seed=2, start=date(2025, 11, 17), days=6))
    assert {week.start <= date.fromisoformat(r["published"]) <= week.end for r in records} == {True}
    # only the dates (and datelines) move: the stories are those of the default span
    assert [r["title"] for r in records[:5]] == [r["title"] for r in generate(5, seed=2)]


def test_crawl_documents_are_what_the_crawler_writes(tmp_path):
    from spiders.pipelines import make_content_hash, make_doc_id

    record = next(generate(1, seed=5))
    line = crawl_document(record)
    assert line["doc_id"] == make_doc_id(line["canonical_url"])
    assert line["content_hash"] == make_content_hash(line["text"])
    path = tmp_path / "documents.jsonl"
    assert write_documents(path, generate(4, seed=5)) == 4
    assert [json.loads(row)["doc_id"] for row in path.open()][0] == line["doc_id"]


def test_the_generated_site_is_a_feed_and_parseable_articles(tmp_path):
    from spiders.feeds import parse_feed
    from spiders.pages import parse_article
    from spiders.registry import load_sources

    records = list(generate(5, seed=1, days=300))
    paths = write_site(tmp_path, records)
    base = "http://127.0.0.1:8000"
    feed = (tmp_path / "bench" / "feed.xml").read_text().replace("__BASE__", base)
    entries = parse_feed(feed.encode(), f"{base}/sites/bench/feed.xml", "application/rss+xml")
    assert sorted(entry.link for entry in entries) == sorted(base + path for path in paths)
    page = (tmp_path / paths[0].removeprefix("/sites/")).read_text().replace("__BASE__", base)
    article = parse_article(page.encode(), base + paths[0], None)
    fields = article if isinstance(article, dict) else vars(article)
    assert fields["title"] == records[0]["title"]
    assert str(fields["published"]).startswith(records[0]["published"])
    assert "Sign up" not in fields["text"] and records[0]["text"].split("\n\n")[1][:40] in fields["text"]
    sources = tmp_path / "sources.toml"
    sources.write_text(registry(base))
    (source,) = load_sources(sources)
    assert list(source.feeds) == [f"{base}/sites/bench/feed.xml"] and list(source.allowed_domains) == ["127.0.0.1"]


def test_merging_keeps_the_other_benchmarks_keys(tmp_path):
    path = tmp_path / "latest.json"
    merge_results({"extract_words_per_s": 1, "machine": {"cpus": 2}}, path)
    merged = merge_results({"flow_seconds_10k": 2.5}, path)
    assert merged == json.loads(path.read_text()) == {"extract_words_per_s": 1, "flow_seconds_10k": 2.5,
                                                      "machine": {"cpus": 2}}
    assert list(tmp_path.iterdir()) == [path]  # no partial file left behind


def test_missing_keys_names_absent_and_non_numeric_figures():
    complete = {key: 1.0 for key in REQUIRED_KEYS}
    assert missing_keys(complete) == []
    assert missing_keys({**complete, "peak_rss_mb_100k": None, "flow_seconds_10k": True}) == [
        "flow_seconds_10k", "peak_rss_mb_100k"]


def test_the_committed_results_carry_every_required_figure():
    assert missing_keys(json.loads(RESULTS.read_text(encoding="utf-8"))) == []


def test_peak_memory_of_a_process_tree_is_measured():
    code = ("import subprocess, sys; block = bytearray(80 * 2**20); "
            "subprocess.run([sys.executable, '-c', 'import time; b = bytearray(60 * 2**20); time.sleep(0.5)']); "
            "print('{\"ok\": 1}')")
    run = run_measured([sys.executable, "-c", code])
    assert run["returncode"] == 0 and '{"ok": 1}' in run["stdout"]
    assert run["peak_rss_mb"] >= 140  # both processes at once
    assert 80 <= run["largest_process_rss_mb"] <= run["peak_rss_mb"]
