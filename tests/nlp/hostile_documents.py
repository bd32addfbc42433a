"""Hostile documents for the extraction bounds (nlp/data/bounds.json), shared by the nlp, flow and
re-extraction tests, and a fault that one document triggers in a pipeline component."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from spacy.language import Language
from spacy.tokens import Doc

# A page of 1.28 million characters (1.3 MB, under the crawler's 10 MiB cap): a real deal at the
# top, filler paragraphs, and a figure near the end that lies beyond the cut.
BIG_HEAD = "Microsoft will invest $1bn in a data centre in Kenya with G42.\n"
BIG_TAIL = "\nG42 will also build a 5GW campus in Kenya.\n"
FILLER = ("The ministry said the talks would continue next month, and officials declined to give "
          "further details about the schedule or the parties involved in the negotiations.\n")
BIG_TEXT = BIG_HEAD + FILLER * ((1_280_000 - len(BIG_HEAD) - len(BIG_TAIL)) // len(FILLER)) + BIG_TAIL

# "$" followed by 320 digits: not a figure at all (more digits than any real amount).
HUGE_DIGITS = "OpenAI pledged $" + "9" * 320 + " billion for a data centre in the UAE with G42."
# Readable, but beyond any real deal: extracted, marked implausible, kept out of deals.
ABSURD = "OpenAI and G42 pledged $99999999999999999999 billion for a data centre in the UAE."

# A document containing this makes the fault component raise (see fault_in_pipeline).
FAULT_MARKER = "TRIGGER-EXTRACTION-FAULT"
FAULT_COMPONENT = "tests_fault_on_marker"


def crawled_document(slug: str, title: str, text: str, published: str = "2025-05-22") -> dict:
    """A documents.jsonl line of the warehouse fixtures' source gulf-tech (tests/warehouse/fixtures)."""
    url = f"http://127.0.0.1:8000/sites/gulftech/{slug}.html"
    return {"doc_id": hashlib.sha1(url.encode()).hexdigest()[:16], "source_id": "gulf-tech", "url": url,
            "canonical_url": url, "title": title, "published": published, "published_source": "meta",
            "text": text, "content_hash": hashlib.sha256(text.encode()).hexdigest(),
            "fetched_at": "2025-05-26T06:00:00+00:00", "discovered_via": "feed", "language": "en"}


class InjectedExtractionFault(RuntimeError):
    """What the fault component raises: a stand-in for a bug that one document triggers."""


def _fail_on_marker(doc: Doc) -> Doc:
    if FAULT_MARKER in doc.text:
        raise InjectedExtractionFault("a component failed on this document")
    return doc


if not Language.has_factory(FAULT_COMPONENT):
    Language.component(FAULT_COMPONENT, func=_fail_on_marker)


@contextmanager
def fault_in_pipeline(nlp: Language) -> Iterator[Language]:
    """The pipeline with a last component that raises on any document containing FAULT_MARKER,
    for the block (the pipeline is shared by the process: it is removed again afterwards)."""
    nlp.add_pipe(FAULT_COMPONENT, last=True)
    try:
        yield nlp
    finally:
        nlp.remove_pipe(FAULT_COMPONENT)


def install_fault() -> None:
    """Add the fault component to this process's pipeline for good (a subprocess running the CLI)."""
    from nlp.extract import load_pipeline

    load_pipeline().add_pipe(FAULT_COMPONENT, last=True)
