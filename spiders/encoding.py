"""Decoding page bytes to text, whatever the declared charset says.

Servers and pages often lie about their encoding: a page declared ISO-8859-1 (header or <meta>)
but sent as UTF-8, a page with no declaration at all, a byte order mark that contradicts the
header. The order used here, most reliable first:

1. a byte order mark (UTF-8, UTF-16, UTF-32) wins;
2. bytes that are valid UTF-8 and contain non-ASCII are UTF-8 (other encodings almost never
   produce valid multi-byte UTF-8 by chance), whatever is declared;
3. the declared encoding (HTTP header, then <meta charset>), if the bytes decode with it;
4. charset-normalizer's detection;
5. UTF-8 with replacement characters; when too many bytes are undecodable or the body looks
   binary, the page is reported as undecodable instead of yielding garbage.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom, resolve_encoding

# Share of replacement or control characters above which decoded text is garbage.
MAX_BAD_SHARE = 0.02


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # Python codec name actually used
    declared: str | None  # what the header or <meta> said, if anything
    problem: str | None = None  # set when the bytes cannot be read as text


def decode_html(body: bytes, content_type: str | None = None) -> Decoded:
    """Decode an HTML (or other text) body; see the module docstring for the order."""
    declared = _declared(body, content_type)
    bom_encoding, bom = read_bom(body)
    if bom_encoding and bom:
        text = body[len(bom):].decode(bom_encoding, errors="replace")
        return _checked(text, bom_encoding, declared)
    if b"\x00" in body[:4096]:
        return Decoded("", "binary", declared, "undecodable bytes (binary content, NUL bytes)")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return _checked(text, "utf-8", declared)
    if declared and not declared.startswith("utf-8"):
        try:
            text = body.decode(declared)
        except (UnicodeDecodeError, LookupError):
            pass
        else:
            return _checked(text, declared, declared)
    detected = _detect(body)
    if detected:
        try:
            return _checked(body.decode(detected), detected, declared)
        except (UnicodeDecodeError, LookupError):
            pass
    return _checked(body.decode("utf-8", errors="replace"), "utf-8", declared)


def _declared(body: bytes, content_type: str | None) -> str | None:
    name = http_content_type_encoding(content_type) if content_type else None
    if name is None:
        name = html_body_declared_encoding(body)
    if name is None:
        return None
    resolved = resolve_encoding(name) or name
    try:
        return codecs.lookup(resolved).name
    except LookupError:
        return None


def _detect(body: bytes) -> str | None:
    try:
        from charset_normalizer import from_bytes
    except ImportError:  # pragma: no cover - charset-normalizer ships with requests
        return None
    best = from_bytes(body[:200_000]).best()
    return best.encoding if best is not None else None


def _checked(text: str, encoding: str, declared: str | None) -> Decoded:
    if not text:
        return Decoded(text, encoding, declared)
    bad = sum(1 for ch in text if ch == "\ufffd" or (ord(ch) < 32 and ch not in "\t\n\r\f"))
    if bad / len(text) > MAX_BAD_SHARE:
        share = round(100 * bad / len(text))
        return Decoded("", encoding, declared, f"undecodable bytes ({share}% of characters unreadable as {encoding})")
    return Decoded(text, encoding, declared)
