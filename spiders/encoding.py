"""Decoding page bytes to text, whatever the declared charset says.

Servers and pages often lie about their encoding: a page declared ISO-8859-1 (header or <meta>)
but sent as UTF-8, a page declared UTF-8 but written in windows-1252 by an old CMS, a page with
no declaration at all, a byte order mark that contradicts the header. The order used here, most
reliable first:

1. a byte order mark (UTF-8, UTF-16, UTF-32) wins;
2. bytes that are valid UTF-8 and contain non-ASCII are UTF-8 (other encodings almost never
   produce valid multi-byte UTF-8 by chance), whatever is declared;
3. declared UTF-8 that is not valid UTF-8: the page is read as UTF-8 and every byte that is not
   valid UTF-8 is read as windows-1252, the encoding browsers assume for Western pages. A page
   written wholly in windows-1252 so reads exactly as windows-1252 ("Zürich", "Société
   Générale"); a UTF-8 page with one stray byte (a pasted "’") keeps all its good characters and
   gets that byte's Western reading, where re-reading the whole page as windows-1252 would turn
   every correct "ü" into "Ã¼", and U+FFFD would lose the character. When the stray bytes do not
   look like Western text (bytes windows-1252 leaves undefined, long runs of accented letters: a
   Cyrillic or Greek page), this step is skipped and detection (5) decides;
4. any other declared encoding (HTTP header, then <meta charset>), if the bytes decode with it;
   "iso-8859-1" and "us-ascii" are read as windows-1252, as browsers do;
5. charset-normalizer's detection (pages that declare nothing land here);
6. UTF-8 with replacement characters; when too many bytes are undecodable or the body looks
   binary, the page is reported as undecodable instead of yielding garbage.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from w3lib.encoding import html_body_declared_encoding, http_content_type_encoding, read_bom, resolve_encoding

# Share of replacement or control characters above which decoded text is garbage.
MAX_BAD_SHARE = 0.02
# Stray bytes in runs of this many or more look like a non-Western single-byte page, not a
# Western one (accented letters in French, German or Portuguese come one or two at a time).
_RUN = 3
# Share of stray bytes allowed in such runs before the windows-1252 reading is given up.
MAX_RUN_SHARE = 0.3
# Bytes windows-1252 leaves undefined: a page containing them is not windows-1252.
_UNDEFINED_1252 = frozenset(b"\x81\x8d\x8f\x90\x9d")
# Invalid UTF-8 bytes decoded with errors="surrogateescape" become U+DC80..U+DCFF.
_STRAY = re.compile("[\udc80-\udcff]+")
# U+DC80+b -> the windows-1252 character of byte b (undefined bytes keep their Latin-1 value).
_WESTERN = {
    0xDC00 + b: (bytes([b]).decode("cp1252") if b not in _UNDEFINED_1252 else chr(b)) for b in range(0x80, 0x100)
}


@dataclass(frozen=True)
class Decoded:
    text: str
    encoding: str  # Python codec name actually used ("utf-8+cp1252": UTF-8, stray bytes as windows-1252)
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
    if declared == "utf-8":
        text = western_fallback(body)
        if text is not None:
            return _checked(text, "utf-8+cp1252", declared)
    elif declared:
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


def western_fallback(body: bytes) -> str | None:
    """`body` as UTF-8 with each invalid byte read as windows-1252; None when those bytes do not
    look like Western text (see the module docstring, step 3)."""
    text = body.decode("utf-8", errors="surrogateescape")
    runs = _STRAY.findall(text)
    stray = sum(len(run) for run in runs)
    if not stray:
        return text
    if any(ord(ch) - 0xDC00 in _UNDEFINED_1252 for run in runs for ch in run):
        return None
    # Punctuation (’ “ ” – — …) and letters alike count: "’’’" is rare, a Cyrillic word is not.
    in_runs = sum(len(run) for run in runs if len(run) >= _RUN)
    if in_runs > MAX_RUN_SHARE * stray:
        return None
    return text.translate(_WESTERN)


def _declared(body: bytes, content_type: str | None) -> str | None:
    name = http_content_type_encoding(content_type) if content_type else None
    if name is None:
        name = html_body_declared_encoding(body)
    if name is None:
        return None
    resolved = resolve_encoding(name) or name  # w3lib reads latin-1 and ascii as cp1252, as browsers do
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
