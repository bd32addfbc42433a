"""Crawl speed: our Scrapy crawl against a plain concurrent fetch of the same pages.

A loopback server (``spiders.loopback``, in its own process so that neither side shares its
interpreter) serves N generated article pages (``benchmarks/corpus.py``: ~600-word stories inside
a news site's navigation and boilerplate) and an RSS feed listing them. Measured as whole
processes, start-up included, one after the other:

- ours: ``spiders.crawl.run_crawl`` on a registry with that feed, the path of ``tracker crawl``
  and of the flow's crawl task (the ``articles`` spider in a Scrapy subprocess: robots.txt, the
  feed through feedparser, every page through trafilatura, near-duplicate detection, JSON Lines
  out), with the loopback settings the sample run uses (16 requests in flight, no delay);
- reference: the feed and the same pages fetched with ``urllib`` from a pool of 16 threads (the
  same concurrency), bodies read and thrown away.

    .venv/bin/python -m benchmarks.crawl_speed                  # 1,000 pages
    .venv/bin/python -m benchmarks.crawl_speed --pages 200 --no-save

Prints pages/s of both, the ratio and peak memory, and merges ``crawl_pages_per_s``,
``plain_fetch_pages_per_s``, ``crawl_vs_plain_fetch``, ``crawl_peak_rss_mb`` and ``crawl``
(details) into ``benchmarks/results/latest.json``. Exit status 1 when the crawl stores fewer
documents than pages served, or fails.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.request import Request, urlopen

from benchmarks.corpus import generate, registry, write_site
from benchmarks.measure import bench_env, describe_machine, last_json_line, merge_results, now, python, run_measured

CONCURRENCY = 16  # spiders.crawl.LOOPBACK_SETTINGS["CONCURRENT_REQUESTS_PER_DOMAIN"]
_LINK = re.compile(r"<link>([^<]+/news/[^<]+)</link>")


def serve(folder: str) -> int:
    """Serve `folder` on a loopback port, print the base URL, stop when standard input closes."""
    from spiders.loopback import serve_directory

    with serve_directory(folder) as base:
        print(base, flush=True)
        sys.stdin.read()
    return 0


def crawl(sources: str, out_dir: str) -> int:
    """Child: our crawl of the registry; prints its counts as JSON."""
    from spiders.crawl import run_crawl

    counts = run_crawl(sources, out_dir)
    print(json.dumps(counts))
    return 0


def fetch(base: str, concurrency: int) -> int:
    """Child: the feed, then every page it links, from `concurrency` threads; prints counts."""
    headers = {"User-Agent": "benchmark-plain-fetch"}

    def get(url: str) -> int:
        with urlopen(Request(url, headers=headers), timeout=30) as response:
            return len(response.read())

    with urlopen(Request(f"{base}/sites/bench/feed.xml", headers=headers), timeout=30) as response:
        links = _LINK.findall(response.read().decode("utf-8"))
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        sizes = list(pool.map(get, links))
    print(json.dumps({"pages": len(sizes), "bytes": sum(sizes)}))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1000, help="article pages served (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=1, help="corpus seed (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each, best kept (default: %(default)s)")
    parser.add_argument("--no-save", action="store_true", help="do not write benchmarks/results/latest.json")
    parser.add_argument("--serve", metavar="DIR", help=argparse.SUPPRESS)
    parser.add_argument("--crawl", nargs=2, metavar=("SOURCES", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--fetch", metavar="BASE", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        return serve(args.serve)
    if args.crawl:
        return crawl(*args.crawl)
    if args.fetch:
        return fetch(args.fetch, CONCURRENCY)

    env = bench_env()
    with tempfile.TemporaryDirectory(prefix="bench-crawl-") as tmp:
        tmp_path = Path(tmp)
        write_site(tmp_path / "site", generate(args.pages, args.seed, days=300))
        server = subprocess.Popen([python(), "-m", "benchmarks.crawl_speed", "--serve", str(tmp_path / "site")],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        try:
            base = server.stdout.readline().strip()
            if not base.startswith("http://127.0.0.1:"):
                raise RuntimeError(f"the loopback server did not start ({base!r})")
            sources = tmp_path / "sources.toml"
            sources.write_text(registry(base), encoding="utf-8")
            ours, plain = [], []
            for attempt in range(args.repeat):
                out_dir = tmp_path / f"crawl-{attempt}"
                run = run_measured([python(), "-m", "benchmarks.crawl_speed", "--crawl", str(sources), str(out_dir)],
                                   env=env)
                if run["returncode"] != 0:
                    print(f"crawl failed (exit status {run['returncode']}); log: {out_dir / 'crawl.log'}")
                    return 1
                ours.append(dict(run, counts=last_json_line(run["stdout"])))
                run = run_measured([python(), "-m", "benchmarks.crawl_speed", "--fetch", base], env=env)
                if run["returncode"] != 0:
                    print(f"plain fetch failed (exit status {run['returncode']})")
                    return 1
                plain.append(dict(run, counts=last_json_line(run["stdout"])))
        finally:
            server.stdin.close()
            server.wait(timeout=30)

    best_ours = min(ours, key=lambda run: run["seconds"])
    best_plain = min(plain, key=lambda run: run["seconds"])
    counts = best_ours["counts"]
    crawl_rate = args.pages / best_ours["seconds"]
    plain_rate = best_plain["counts"]["pages"] / best_plain["seconds"]
    ratio = crawl_rate / plain_rate
    print(f"pages served:         {args.pages:,} articles + 1 feed ({best_plain['counts']['bytes'] / 1e6:.1f} MB)")
    print(f"our crawl:            {crawl_rate:,.0f} pages/s ({best_ours['seconds']:.1f} s, "
          f"{counts['documents']} documents, {counts['duplicates']} duplicates, {counts['errors']} errors; "
          f"peak RSS {best_ours['peak_rss_mb']:.0f} MB)")
    print(f"plain fetch ({CONCURRENCY} threads): {plain_rate:,.0f} pages/s ({best_plain['seconds']:.1f} s; "
          f"peak RSS {best_plain['peak_rss_mb']:.0f} MB)")
    print(f"ratio:                {ratio:.1%} of the plain fetch's rate")
    if not args.no_save:
        merge_results({
            "crawl_pages_per_s": round(crawl_rate, 1),
            "plain_fetch_pages_per_s": round(plain_rate, 1),
            "crawl_vs_plain_fetch": round(ratio, 3),
            "crawl_peak_rss_mb": best_ours["peak_rss_mb"],
            "crawl": {
                "pages": args.pages, "seed": args.seed, "repeat": args.repeat, "concurrency": CONCURRENCY,
                "crawl_seconds": round(best_ours["seconds"], 2), "crawl_process_seconds": counts.get("seconds"),
                "documents": counts["documents"], "duplicates": counts["duplicates"], "errors": counts["errors"],
                "requests": counts.get("requests"),
                "crawl_peak_rss_mb": best_ours["peak_rss_mb"],
                "crawl_largest_process_rss_mb": best_ours["largest_process_rss_mb"],
                "plain_fetch_seconds": round(best_plain["seconds"], 2),
                "plain_fetch_peak_rss_mb": best_plain["peak_rss_mb"],
                "crawl_command": "spiders.crawl.run_crawl(SOURCES, OUT) (python -m scrapy crawl articles)",
                "plain_fetch_command": f"urllib.request.urlopen from ThreadPoolExecutor({CONCURRENCY})",
                "measured_at": now(),
            },
            "machine": describe_machine(),
        })
    complete = counts["documents"] + counts["duplicates"] >= args.pages and counts["errors"] == 0
    if not complete:
        print(f"the crawl stored {counts['documents']} of {args.pages} pages with {counts['errors']} errors")
    return 0 if complete else 1


if __name__ == "__main__":
    sys.exit(main())
