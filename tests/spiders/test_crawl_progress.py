"""run_crawl's progress callback reads Scrapy's LogStats lines from the crawl log as it grows."""

from __future__ import annotations

import subprocess
import sys

import pytest

from spiders.crawl import _run_following

SCRIPT = """
import sys, time
for pages, items in ((3, 1), (10, 7), (25, 20)):
    print(f"2025-11-24 10:00:00 [scrapy.extensions.logstats] INFO: Crawled {pages} pages (at 60 pages/min), "
          f"scraped {items} items (at 30 items/min)", flush=True)
    time.sleep(0.6)
print("2025-11-24 10:00:02 [scrapy.core.engine] INFO: Spider closed (finished)", flush=True)
"""


def test_progress_follows_the_log(tmp_path):
    log_path = tmp_path / "crawl.log"
    seen = []
    with open(log_path, "wb") as log:
        process = _run_following([sys.executable, "-c", SCRIPT], None, log, log_path, 30,
                                 lambda pages, items: seen.append((pages, items)))
    assert process.returncode == 0
    assert seen and seen[-1] == (25, 20)
    assert seen == sorted(seen)  # counts only grow
    assert "Spider closed" in log_path.read_text()


def test_a_crawl_over_its_time_is_stopped(tmp_path):
    log_path = tmp_path / "crawl.log"
    with open(log_path, "wb") as log, pytest.raises(subprocess.TimeoutExpired):
        _run_following([sys.executable, "-c", "import time; time.sleep(30)"], None, log, log_path, 1,
                       lambda pages, items: None)
