"""The bundled sample web: serve it on a loopback port and give the crawl a registry for it.

The sample pages use the placeholder `__BASE__` for their own origin; the loopback server fills in
`http://127.0.0.1:PORT` (a free port each run). What lands in the warehouse must not depend on that
port, or a second run would store every article again, so crawl output is rewritten to the stable,
reserved origin `SAMPLE_ORIGIN` before it is loaded, and the crawl state the warehouse keeps (stored
under that origin) is rewritten to the live port before a crawl reads it.

History: besides the current site (sample/site), the sample has *editions*, the web as it stood at
earlier dates (sample/editions/<YYYY-MM-DD>/, from sample/editions.toml). A warehouse that has never
seen the sample replays them first, oldest first, the way a weekly schedule would have crawled
them: so the first crawl stores the first version of an article that was later updated, and a later
crawl fetches the update (its feed entry says so) and the warehouse keeps both versions.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from common.settings import SAMPLE_EDITIONS, SAMPLE_SITE, SAMPLE_SOURCES
from spiders.loopback import serve_directory
from spiders.pipelines import make_doc_id

#: Stable origin under which sample documents are stored (`.test` is reserved for testing).
SAMPLE_HOST = "sample.tracker.test"
SAMPLE_ORIGIN = f"https://{SAMPLE_HOST}"
PLACEHOLDER = "__BASE__"


@dataclass(frozen=True)
class SampleSite:
    base_url: str
    sources_file: Path  # registry with the live loopback URLs, for the crawler
    public_sources_file: Path  # the same registry with the stable origin, for the warehouse


@contextmanager
def serve_sample(work_dir: str | Path, site: str | Path | None = None) -> Iterator[SampleSite]:
    """Serve the sample site (or one of its editions) on 127.0.0.1; write its two registries into `work_dir`."""
    work = Path(work_dir)
    work.mkdir(parents=True, exist_ok=True)
    template = SAMPLE_SOURCES.read_text(encoding="utf-8")
    with serve_directory(Path(site) if site else SAMPLE_SITE) as base_url:
        live = work / "sample-sources.toml"
        live.write_text(template.replace(PLACEHOLDER, base_url), encoding="utf-8")
        public = work / "sample-sources.public.toml"
        public_text = template.replace(PLACEHOLDER, SAMPLE_ORIGIN)
        public_text = public_text.replace('"127.0.0.1"', f'"{SAMPLE_HOST}"')  # allowed_domains
        public.write_text(public_text, encoding="utf-8")
        yield SampleSite(base_url=base_url, sources_file=live, public_sources_file=public)


def sample_editions(editions_dir: str | Path = SAMPLE_EDITIONS) -> list[Path]:
    """The editions of the sample web, oldest first (folders named by date)."""
    root = Path(editions_dir)
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and (p / "index.html").is_file())


def editions_to_replay(con) -> list[Path]:
    """The editions a warehouse should crawl before the current sample site: all of them when it
    holds no sample document yet (the first scheduled run), none afterwards (those weeks are past)."""
    stored = con.execute(
        "select count(*) from documents where starts_with(canonical_url, ?)", [SAMPLE_ORIGIN + "/"]
    ).fetchone()[0]
    return [] if stored else sample_editions()


def _rewrite(value, old: str, new: str):
    if isinstance(value, str):
        return value.replace(old, new)
    if isinstance(value, list):
        return [v.replace(old, new) if isinstance(v, str) else v for v in value]
    return value


def _rewrite_lines(path: Path, base_url: str, origin: str, doc_ids: dict[str, str]) -> int:
    if not path.exists():
        return 0
    tmp = path.with_suffix(path.suffix + ".tmp")
    count = 0
    with path.open(encoding="utf-8") as src, tmp.open("w", encoding="utf-8") as dst:
        for line in src:
            if not line.strip():
                continue
            record = {key: _rewrite(value, base_url, origin) for key, value in json.loads(line).items()}
            if record.get("doc_id") in doc_ids:
                record["doc_id"] = doc_ids[record["doc_id"]]
            dst.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
            count += 1
    tmp.replace(path)
    return count


def publish_urls(jsonl_path: str | Path, base_url: str, origin: str = SAMPLE_ORIGIN) -> dict[str, str]:
    """Rewrite the loopback origin to the stable one in every string field of a JSON Lines file.

    Document ids derive from the canonical URL, so they are derived again from the stable one.
    Returns the ids that changed, old to new. The file is replaced atomically.
    """
    path = Path(jsonl_path)
    doc_ids: dict[str, str] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                if record.get("doc_id") and record.get("canonical_url"):
                    doc_ids[record["doc_id"]] = make_doc_id(record["canonical_url"].replace(base_url, origin))
    _rewrite_lines(path, base_url, origin, doc_ids)
    return doc_ids


def publish_crawl(crawl_dir: str | Path, base_url: str, origin: str = SAMPLE_ORIGIN) -> None:
    """Rewrite a sample crawl's output (documents, errors, crawl state) to the stable origin."""
    crawl = Path(crawl_dir)
    doc_ids = publish_urls(crawl / "documents.jsonl", base_url, origin)
    _rewrite_lines(crawl / "crawl_errors.jsonl", base_url, origin, doc_ids)
    _rewrite_lines(crawl / "crawl_state.jsonl", base_url, origin, doc_ids)


def localize_state(state_file: str | Path, target: str | Path, base_url: str, origin: str = SAMPLE_ORIGIN) -> Path:
    """A copy of the warehouse's crawl state file with the stable origin rewritten to the live one."""
    target = Path(target)
    text = Path(state_file).read_text(encoding="utf-8")
    target.write_text(text.replace(origin, base_url).replace(f'"{SAMPLE_HOST}"', '"127.0.0.1"'), encoding="utf-8")
    return target
