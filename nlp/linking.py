"""Component ``tracker_linking``: attach each commitment to the countries and companies of its sentence.

After it runs, every ``span._.figure`` in ``doc.spans["commitments"]`` has ``countries`` (sorted
alpha-2 codes) and ``companies`` (sorted canonical names) taken from the entities of the
commitment's sentence.
"""

from __future__ import annotations

from bisect import bisect_right

from spacy.language import Language
from spacy.tokens import Doc

from .commitments import SPAN_KEY


class SentenceLinker:
    """Groups entities by sentence once, then looks each commitment's sentence up."""

    def __init__(self, name: str):
        self.name = name

    def __call__(self, doc: Doc) -> Doc:
        spans = doc.spans[SPAN_KEY] if SPAN_KEY in doc.spans else []
        if not len(spans):
            return doc
        starts = [sent.start for sent in doc.sents]
        countries: dict[int, set[str]] = {}
        companies: dict[int, set[str]] = {}
        for ent in doc.ents:
            index = bisect_right(starts, ent.start) - 1
            if ent.label_ == "GPE":
                countries.setdefault(index, set()).add(ent.kb_id_)
            elif ent.label_ == "ORG":
                companies.setdefault(index, set()).add(ent.kb_id_)
        for span in spans:
            index = bisect_right(starts, span.start) - 1
            figure = span._.figure
            figure["countries"] = sorted(countries.get(index, ()))
            figure["companies"] = sorted(companies.get(index, ()))
        return doc


@Language.factory(
    "tracker_linking",
    requires=["doc.ents", "doc.spans", "token.is_sent_start"],
    assigns=["doc.spans"],
)
def create_sentence_linker(nlp: Language, name: str):
    """Registered factory: see the module docstring."""
    return SentenceLinker(name)
