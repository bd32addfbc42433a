"""The bundled sample web: serve it on a loopback port and give the crawl a registry for it.

The sample pages use the placeholder `__BASE__` for their own origin; the loopback server fills in
`http://127.0.0.1:PORT` (a free port each run). What lands in the warehouse must not depend on that
port, or a second run would store every article again, so crawl output is rewritten to the stable,
reserved origin `SAMPLE_ORIGIN` before it is loaded.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

from tracker.settings import SAMPLE_SITE, SAMPLE_SOURCES

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
def serve_sample(work_dir: str | Path) -> Iterator[SampleSite]:
    """Serve the sample site on 127.0.0.1 and write its two registries into `work_dir`."""
    from spiders.loopback import serve_directory

    work = Path(work_dir)
    work.mkdir(parents=True, exist_ok=True)
    template = SAMPLE_SOURCES.read_text(encoding="utf-8")
    with serve_directory(SAMPLE_SITE) as base_url:
        live = work / "sample-sources.toml"
        live.write_text(template.replace(PLACEHOLDER, base_url), encoding="utf-8")
        public = work / "sample-sources.public.toml"
        public_text = template.replace(PLACEHOLDER, SAMPLE_ORIGIN)
        public_text = public_text.replace('"127.0.0.1"', f'"{SAMPLE_HOST}"')  # allowed_domains
        public.write_text(public_text, encoding="utf-8")
        yield SampleSite(base_url=base_url, sources_file=live, public_sources_file=public)


def publish_urls(jsonl_path: str | Path, base_url: str, origin: str = SAMPLE_ORIGIN) -> int:
    """Rewrite the loopback origin to the stable one in every string field of a JSON Lines file.

    Document ids derive from the canonical URL, so they are derived again from the stable one.
    Returns the number of lines rewritten. The file is replaced atomically.
    """
    from spiders.pipelines import make_doc_id

    path = Path(jsonl_path)
    if not path.exists():
        return 0
    tmp = path.with_suffix(path.suffix + ".tmp")
    count = 0
    with path.open(encoding="utf-8") as src, tmp.open("w", encoding="utf-8") as dst:
        for line in src:
            if not line.strip():
                continue
            record = json.loads(line)
            for key, value in record.items():
                if isinstance(value, str) and base_url in value:
                    record[key] = value.replace(base_url, origin)
                elif isinstance(value, list):
                    record[key] = [v.replace(base_url, origin) if isinstance(v, str) else v for v in value]
            if record.get("doc_id") and record.get("canonical_url"):
                record["doc_id"] = make_doc_id(record["canonical_url"])
            dst.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")
            count += 1
    tmp.replace(path)
    return count
