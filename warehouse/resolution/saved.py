"""A document's frames as the resolver keeps them between runs (migration 043). Pure.

An increment (incremental.py) compares its new frames with stored ones and re-describes the deals
they join; framing those deals' documents again cost most of an increment (76 s of 358 s for
1,000 new documents into 10k). So every build keeps each document's frames, and what the pair
features read of the document, as one compressed JSON text (``pack``), read back with ``unpack``.
JSON, not pickle: a warehouse file may come from elsewhere, and reading it must never run code.
The text follows the dataclasses' fields (``encode`` / ``decode``, led by their type hints), so it
is tied to the classes that wrote it: the states are read only when the resolver's fingerprint
(its code, weights and registry, store.fingerprint) is the one that wrote them, and any other
build is a full rebuild that rewrites them.

The document is kept without what only framing reads (its text, sentences, entities, mentions
per paragraph): an increment never frames a stored document again, and scores its frames
against other documents only (pairs.py reads the document's words, names, companies, projects
and title).
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
import zlib
from collections import Counter
from datetime import date
from functools import cache

from warehouse.resolution.frames import Document, Frame

LEVEL = 1  # zlib level: fast; the states are written for every document of a full rebuild


class FrameStub:
    """What clustering.MergeRule reads of a stored frame that is not read back (resolver_frame_facts)."""

    __slots__ = ("doc_id", "index", "host", "owners")

    def __init__(self, doc_id: str, index: int, host: str | None, owners):
        self.doc_id, self.index, self.host, self.owners = doc_id, index, host, frozenset(owners or ())


def slim(doc: Document) -> Document:
    """The document without what only framing reads (module docstring)."""
    return dataclasses.replace(doc, text="", sentence_mentions={}, entities=[], paragraph_countries={},
                               paragraph_companies={})


def encode(value):
    """A JSON-able form of a document, a frame or one of their fields: a dataclass as a dict of its
    fields, a date as its ISO text, a mapping with tuple keys as a list of [key, value] pairs."""
    if dataclasses.is_dataclass(value):
        return {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        if any(isinstance(key, tuple) for key in value):
            return [[list(key), encode(item)] for key, item in value.items()]
        return {key: encode(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [encode(item) for item in (sorted(value) if isinstance(value, (set, frozenset)) else value)]
    return value


@cache
def hints(cls) -> dict:
    return typing.get_type_hints(cls)


def decode(value, hint):
    """``encode`` undone, led by the type hint of the field the value was read from."""
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        kinds = [h for h in typing.get_args(hint) if h is not type(None)]
        return decode(value, kinds[0]) if len(kinds) == 1 else value
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        fields = hints(hint)
        return hint(**{name: decode(item, fields[name]) for name, item in value.items()})
    if hint is date:
        return date.fromisoformat(value)
    if hint is Counter:
        return Counter(value)
    if hint is dict or origin is dict:
        if isinstance(value, list):
            return {tuple(key): item for key, item in value}
        return dict(value)
    if hint is set or origin is set:
        return {tuple(item) if isinstance(item, list) else item for item in value}
    if origin is tuple:
        return tuple(value)
    if origin is list:
        (item_hint,) = typing.get_args(hint)
        return [decode(item, item_hint) for item in value]
    if hint is list:
        return [tuple(item) if isinstance(item, list) else item for item in value]
    return value


def pack(doc: Document, frames: list[Frame]) -> bytes:
    text = json.dumps([encode(slim(doc)), [encode(frame) for frame in frames]], separators=(",", ":"))
    return zlib.compress(text.encode("utf-8"), LEVEL)


def pack_range(order: list[str], by_doc: dict[str, list[Frame]], docs: dict[str, Document], start: int,
               stop: int) -> list[bytes]:
    """``pack`` of the documents ``order[start:stop]`` with their frames in index order (workers.py)."""
    return [pack(docs[doc_id], sorted(by_doc[doc_id], key=lambda f: f.index)) for doc_id in order[start:stop]]


def unpack(state: bytes) -> tuple[Document, list[Frame]]:
    doc, frames = json.loads(zlib.decompress(state).decode("utf-8"))
    return decode(doc, Document), [decode(frame, Frame) for frame in frames]


def fact_row(frame: Frame) -> dict:
    """The resolver_frame_facts row of a frame."""
    return {"doc_id": frame.doc_id, "frame_index": frame.index, "commitment_id": frame.figures[0].commitment_id,
            "figures": len(frame.figures), "host": frame.host, "owners": sorted(frame.owners)}
