"""A document's frames as the resolver keeps them between runs (migration 043). Pure.

An increment (incremental.py) compares its new frames with stored ones and re-describes the deals
they join; framing those deals' documents again cost most of an increment (76 s of 358 s for
1,000 new documents into 10k). So every build keeps each document's frames, and what the pair
features read of the document, as one compressed pickle (``pack``), read back with ``unpack``.
A pickle is tied to the classes that wrote it: the states are read only when the resolver's
fingerprint (its code, weights and registry, store.fingerprint) is the one that wrote them, and
any other build is a full rebuild that rewrites them.

The document is kept without what only framing reads (its text, sentences, entities, mentions
per paragraph): an increment never frames a stored document again, and scores its frames
against other documents only (pairs.py reads the document's words, names, companies, projects
and title).
"""

from __future__ import annotations

import dataclasses
import pickle
import zlib

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


def pack(doc: Document, frames: list[Frame]) -> bytes:
    return zlib.compress(pickle.dumps((slim(doc), frames), protocol=pickle.HIGHEST_PROTOCOL), LEVEL)


def pack_range(order: list[str], by_doc: dict[str, list[Frame]], docs: dict[str, Document], start: int,
               stop: int) -> list[bytes]:
    """``pack`` of the documents ``order[start:stop]`` with their frames in index order (workers.py)."""
    return [pack(docs[doc_id], sorted(by_doc[doc_id], key=lambda f: f.index)) for doc_id in order[start:stop]]


def unpack(state: bytes) -> tuple[Document, list[Frame]]:
    return pickle.loads(zlib.decompress(state))


def fact_row(frame: Frame) -> dict:
    """The resolver_frame_facts row of a frame."""
    return {"doc_id": frame.doc_id, "frame_index": frame.index, "commitment_id": frame.figures[0].commitment_id,
            "figures": len(frame.figures), "host": frame.host, "owners": sorted(frame.owners)}
