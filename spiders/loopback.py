"""A loopback web server for tests and the sample run: serves a folder as a small web.

URL path `/sites/<rest>` maps to `root/<rest>`; a directory serves its index.html; there are no
directory listings. In text responses (HTML, XML feeds, JSON, CSS, JS, plain text) each
placeholder of `substitutions` is replaced, and `__BASE__` always becomes the server's base URL
`http://127.0.0.1:PORT`, so fixture feeds and pages can carry absolute links.
"""

from __future__ import annotations

import contextlib
import mimetypes
import posixpath
import threading
from collections.abc import Iterator
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

PREFIX = "/sites/"
PLACEHOLDER = "__BASE__"

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".rss": "application/rss+xml; charset=utf-8",
    ".atom": "application/atom+xml; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
}
_TEXT_MARKERS = ("text/", "xml", "json", "javascript")


def content_type_for(path: Path) -> str:
    """Content-Type of a file: feeds by name (rss.xml, atom.xml, feed.xml), else by extension."""
    name = path.name.lower()
    if name.endswith(".xml"):
        if "atom" in name:
            return CONTENT_TYPES[".atom"]
        if "rss" in name or "feed" in name:
            return CONTENT_TYPES[".rss"]
    known = CONTENT_TYPES.get(path.suffix.lower())
    if known:
        return known
    guessed, _ = mimetypes.guess_type(name)
    return guessed or "application/octet-stream"


class _Server(ThreadingHTTPServer):
    request_queue_size = 256  # the stock backlog of 5 drops connections under a crawler's burst
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, root: Path, substitutions: dict[str, str]):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.root = root
        self.base_url = f"http://127.0.0.1:{self.server_address[1]}"
        self.substitutions = {PLACEHOLDER: self.base_url, **substitutions}


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"
    server_version = "tracker-loopback"

    def do_GET(self):
        self._serve(with_body=True)

    def do_HEAD(self):
        self._serve(with_body=False)

    def log_message(self, format, *args):  # quiet: tests and the sample run read their own logs
        pass

    def _serve(self, with_body: bool):
        url_path = urlsplit(self.path).path
        if not url_path.endswith("/") and self._is_directory(url_path):
            self.send_response(HTTPStatus.MOVED_PERMANENTLY)
            self.send_header("Location", url_path + "/")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        path = self._resolve(url_path)
        if path is None:
            self._send(HTTPStatus.NOT_FOUND, b"not found\n", "text/plain; charset=utf-8", with_body)
            return
        content_type = content_type_for(path)
        body = path.read_bytes()
        if any(marker in content_type for marker in _TEXT_MARKERS):
            for placeholder, value in self.server.substitutions.items():
                body = body.replace(placeholder.encode("utf-8"), value.encode("utf-8"))
        self._send(HTTPStatus.OK, body, content_type, with_body)

    def _is_directory(self, url_path: str) -> bool:
        path = self._resolve(url_path, index=False)
        return path is not None and path.is_dir()

    def _resolve(self, url_path: str, index: bool = True) -> Path | None:
        if not url_path.startswith(PREFIX):
            return None
        relative = posixpath.normpath(unquote(url_path[len(PREFIX):]))
        if relative.startswith("..") or relative.startswith("/"):
            return None
        root = self.server.root
        path = (root / relative) if relative != "." else root
        try:
            path = path.resolve()
            path.relative_to(root)
        except (OSError, ValueError):
            return None
        if not index:
            return path if path.exists() else None
        if path.is_dir():
            path = path / "index.html"
        return path if path.is_file() else None

    def _send(self, status: HTTPStatus, body: bytes, content_type: str, with_body: bool):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body:
            self.wfile.write(body)


@contextlib.contextmanager
def serve_directory(root: str | Path, substitutions: dict[str, str] | None = None) -> Iterator[str]:
    """Serve `root` under http://127.0.0.1:PORT/sites/ in a background thread; yields the base URL.

    `substitutions` maps extra placeholders to text; `__BASE__` is always the base URL.
    """
    root = Path(root).resolve()
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: not a directory")
    server = _Server(root, dict(substitutions or {}))
    thread = threading.Thread(target=server.serve_forever, name="loopback-http", daemon=True)
    thread.start()
    try:
        yield server.base_url
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
