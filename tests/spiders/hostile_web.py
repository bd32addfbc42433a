"""A hostile publisher next to a calm one, on loopback, for the URL-bounds and decoding tests.

Three real HTTP servers: the calm publisher on 127.0.0.1, the hostile one on 127.0.0.2 (another
host: another domain for the registry), and a second port of the hostile host that no request may
reach. Each server serves a fixed map of paths and logs every request it gets, so a test can say
"never requested" from the server's side. Pages are built once the ports are known.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from spiders.crawl import LOOPBACK_SETTINGS, run_crawl

# A deal the extractor recognises (countries, companies, figures), and filler text per page.
DEAL = ("Norway and Alpha signed an agreement on Tuesday to build a sovereign AI data center near Narvik "
        "with 230 MW of capacity and 100,000 GPUs by 2027, the ministry said.")
BIG_DEAL = ("Saudi Arabia and Humain signed an agreement on Monday to build a 5 GW AI campus near Riyadh "
            "for $90 billion with 600,000 Nvidia GPUs, the government said.")
FILLER = ("The project team described the schedule, the grid connection, the cooling design and the hiring "
          "plans in detail at a briefing for reporters and local officials. ")

Response = tuple[int, dict[str, str], bytes]


def article(title: str, text: str, *, head: str = "", published: str = "2025-09-16") -> bytes:
    """An article page (UTF-8) with a publication date and `head` markup (canonical links...)."""
    paragraphs = "".join(f"<p>{part.strip()}.</p>" for part in text.split(". ") if part.strip())
    return (
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f'<meta property="article:published_time" content="{published}T08:00:00Z">{head}</head>'
        f"<body><nav>Home | About</nav><article><h1>{title}</h1>{paragraphs}</article></body></html>"
    ).encode()


def html(body: bytes, charset: str = "utf-8") -> Response:
    return 200, {"Content-Type": f"text/html; charset={charset}"}, body


def redirect(location: str) -> Response:
    return 302, {"Location": location}, b""


def rss(title: str, links: list[str]) -> Response:
    items = "".join(f"<item><title>{title} {i}</title><link>{link.replace('&', '&amp;')}</link>"
                    f"<pubDate>Tue, 16 Sep 2025 08:00:00 GMT</pubDate></item>" for i, link in enumerate(links))
    body = (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title>'
            f"{items}</channel></rss>").encode()
    return 200, {"Content-Type": "application/rss+xml; charset=utf-8"}, body


def listing(links: list[str]) -> Response:
    anchors = "".join(f'<li><a href="{link}">story {i}</a></li>' for i, link in enumerate(links))
    return html(f"<!DOCTYPE html><html><body><ul>{anchors}</ul></body></html>".encode())


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # the stock backlog of 5 drops a crawler's burst
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, host: str):
        super().__init__((host, 0), _Handler)
        self.base = f"http://{host}:{self.server_address[1]}"
        self.pages: dict[str, Response] = {}
        self.log: list[str] = []
        self.lock = threading.Lock()


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        pass

    def do_GET(self):
        with self.server.lock:
            self.server.log.append(self.path)
        status, headers, body = self.server.pages.get(self.path.split("#")[0], (404, {"Content-Type": "text/plain"},
                                                                               b"not found"))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@dataclass
class Web:
    calm: _Server  # 127.0.0.1: the calm publisher
    hostile: _Server  # 127.0.0.2: the hostile publisher
    other_port: _Server  # 127.0.0.2 on another port: never to be requested
    servers: list[_Server] = field(default_factory=list)


@contextlib.contextmanager
def serve_web(build: Callable[[Web], None]) -> Iterator[Web]:
    """Start the three servers, let `build(web)` fill their pages, stop them at the end."""
    calm, hostile, other = _Server("127.0.0.1"), _Server("127.0.0.2"), _Server("127.0.0.2")
    web = Web(calm, hostile, other, [calm, hostile, other])
    build(web)
    threads = [threading.Thread(target=s.serve_forever, name="hostile-web", daemon=True) for s in web.servers]
    for thread in threads:
        thread.start()
    try:
        yield web
    finally:
        for server in web.servers:
            server.shutdown()
            server.server_close()


def registry(entries: list[dict]) -> str:
    """A sources registry (TOML) from dicts with the registry fields."""
    blocks = []
    for entry in entries:
        lines = ["[[source]]"]
        for key, value in entry.items():
            lines.append(f"{key} = {json.dumps(value)}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def crawl(web_registry: str, work: Path, name: str = "crawl") -> dict:
    """Crawl a registry with the real subprocess runner; the output folder's lines."""
    sources = work / f"{name}-sources.toml"
    sources.write_text(web_registry, encoding="utf-8")
    out = work / name
    # 127.0.0.2 is not in spiders.crawl's loopback list: ask for the loopback settings (no delays).
    settings = {**LOOPBACK_SETTINGS, "DOWNLOAD_TIMEOUT": 5, "RETRY_TIMES": 0}
    counts = run_crawl(sources, out, settings=settings, timeout=120)
    return {
        "counts": counts,
        "sources": sources,
        "out": out,
        "documents": _lines(out / "documents.jsonl"),
        "errors": _lines(out / "crawl_errors.jsonl"),
    }


def _lines(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
