"""Fixtures of the spiders layer: a hand-written fixture web and one real crawl per session."""

from __future__ import annotations

import json
import socket
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from spiders.crawl import run_crawl
from spiders.loopback import serve_directory
from spiders.registry import render_sources

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SITE = FIXTURES / "site"
SOURCES = FIXTURES / "sources.toml"


@dataclass
class CrawlResult:
    base: str  # http://127.0.0.1:PORT of the fixture server
    dead: str  # an origin on a closed port
    slow: str  # an origin that accepts connections and never answers
    counts: dict
    out_dir: Path
    documents: list[dict]
    errors: list[dict]
    stats: dict

    def url(self, path: str) -> str:
        return f"{self.base}/sites/{path}"

    def document(self, path: str) -> dict:
        matches = [doc for doc in self.documents if doc["canonical_url"] == self.url(path)]
        assert len(matches) == 1, f"{path}: {len(matches)} documents"
        return matches[0]


def closed_port() -> int:
    """A port on 127.0.0.1 nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def silent_server():
    """An origin whose port accepts TCP connections (kernel backlog) but never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="session")
def crawl(tmp_path_factory) -> CrawlResult:
    """Serve the fixture web and crawl it once with the real subprocess runner."""
    work = tmp_path_factory.mktemp("spider-crawl")
    dead = f"http://127.0.0.1:{closed_port()}"
    with serve_directory(SITE) as base, silent_server() as slow:
        registry = work / "sources.toml"
        placeholders = {"__BASE__": base, "__DEAD__": dead, "__SLOW__": slow}
        registry.write_text(render_sources(SOURCES, placeholders), encoding="utf-8")
        counts = run_crawl(registry, work / "out", settings={"DOWNLOAD_TIMEOUT": 1, "RETRY_TIMES": 0}, timeout=120)
    out = work / "out"
    return CrawlResult(
        base=base,
        dead=dead,
        slow=slow,
        counts=counts,
        out_dir=out,
        documents=read_jsonl(out / "documents.jsonl"),
        errors=read_jsonl(out / "crawl_errors.jsonl"),
        stats=json.loads((out / "crawl_stats.json").read_text(encoding="utf-8")),
    )
