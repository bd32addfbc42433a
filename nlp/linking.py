"""Component ``tracker_linking``: who each commitment belongs to, and what kind of deal it is.

After it runs, every ``span._.figure`` in ``doc.spans["commitments"]`` has:

- ``countries`` (sorted alpha-2 codes) and ``companies`` (sorted canonical names): those of the
  figure's sentence; when the sentence names none, those of its paragraph; when the paragraph
  names none either, those of the title. Countries and companies are looked up separately
  ("Nvidia will ship 18,000 chips." takes Nvidia from the sentence and the country from the
  paragraph).
- ``link_scope``: the widest scope used, ``"sentence"``, ``"paragraph"`` or ``"title"``
  (None when no scope names any country or company).
- ``deal_type``: one of ``data_center``, ``chip_supply``, ``sovereign_model``, ``fund``,
  ``energy``, ``partnership``, ``investment_programme``, from the cues of ``data/deal_types.json``
  (sentence first, then paragraph, then title; see the rules in that file), and ``deal_type_cue``
  (the cue as written, None when the type is the default of the figure's kind).

A paragraph is the text between two line breaks (a line break also ends a sentence, see
``sentences.py``). The title is the first ``doc._.title_end`` characters, set by
``nlp.extract`` when the record has a title (0, no title, otherwise).
"""

from __future__ import annotations

import numpy
from spacy.attrs import ENT_IOB, ENT_KB_ID, ENT_TYPE, IDX, IS_SPACE, ORTH, SENT_START
from spacy.language import Language
from spacy.tokens import Doc, Span

from .commitments import SPAN_KEY
from .resources import read_json
from .tokens import shared_matcher, static_arrays

SCOPES = ("sentence", "paragraph", "title")
IGNORE = "IGNORE"

if not Doc.has_extension("title_end"):
    Doc.set_extension("title_end", default=0)


class DocScopes:
    """Sentence and paragraph number of every token, and the number of title tokens."""

    def __init__(self, doc: Doc, newline_orths: dict[int, bool]):
        arrays = doc.to_array([SENT_START, ENT_IOB, ENT_TYPE, ENT_KB_ID, IDX])
        self.sentence = (numpy.cumsum(arrays[:, 0].astype("int64") == 1) - 1).tolist()
        breaks = numpy.zeros(len(doc), dtype="int64")
        line_breaks = doc._.line_breaks  # set by tracker_sentences
        if line_breaks is None:
            line_breaks = find_line_breaks(doc, newline_orths)
        breaks[line_breaks] = 1
        # a break token belongs to the paragraph it ends; the next token opens a new one
        self.paragraph = (numpy.cumsum(breaks) - breaks).tolist()
        title_end = doc._.title_end or 0
        self.title_tokens = 0
        if title_end:
            self.title_tokens = int(numpy.searchsorted(arrays[:, 4].astype("int64"), title_end))
        # entity starts (IOB "B") with their label and kb_id hashes: doc.ents would build Spans
        begins = numpy.flatnonzero(arrays[:, 1] == 3)
        self.entities = list(zip(begins.tolist(), arrays[begins, 2].tolist(), arrays[begins, 3].tolist()))

    def keys(self, token: int) -> tuple[tuple[int, int], ...]:
        """The (scope, number) of the scopes that hold ``token``, narrowest first."""
        keys = ((0, self.sentence[token]), (1, self.paragraph[token]))
        return keys + ((2, 0),) if self.title_tokens else keys

    def add(self, table: dict, start: int, value) -> None:
        """File ``value`` under the sentence, paragraph (and title) of token ``start``."""
        table.setdefault((0, self.sentence[start]), []).append(value)
        table.setdefault((1, self.paragraph[start]), []).append(value)
        if start < self.title_tokens:
            table.setdefault((2, 0), []).append(value)


def find_line_breaks(doc: Doc, newline_orths: dict[int, bool]) -> list[int]:
    """Indices of the whitespace tokens that hold a line break (when tracker_sentences did not run)."""
    arrays = doc.to_array([IS_SPACE, ORTH])
    strings = doc.vocab.strings
    found = []
    for i in numpy.flatnonzero(arrays[:, 0]).tolist():
        orth = int(arrays[i, 1])
        if orth not in newline_orths:
            newline_orths[orth] = "\n" in strings[orth]
        if newline_orths[orth]:
            found.append(i)
    return found


class CommitmentLinker:
    """Groups entities and cues by sentence, paragraph and title once, then looks each figure up."""

    def __init__(self, nlp: Language, name: str, deal_types_path: str):
        self.name = name
        cues = read_json(deal_types_path)
        self.matcher = shared_matcher(nlp, "LOWER", name)
        self.tiers: dict[int, tuple[int, int, str]] = {}  # match id -> (tier, order, deal type)
        order = 0
        for tier, key in enumerate(("specific", "generic")):
            for deal_type, phrases in cues[key].items():
                self.matcher.add(deal_type, [nlp.make_doc(phrase) for phrase in phrases])
                self.tiers[nlp.vocab.strings[deal_type]] = (tier, order, deal_type)
                order += 1
        self.matcher.add(IGNORE, [nlp.make_doc(phrase) for phrase in cues["ignore"]])
        self.ignore_id = nlp.vocab.strings[IGNORE]
        self.defaults = dict(cues["default_by_kind"])
        self.newline_orths: dict[int, bool] = {}
        self.gpe, self.org = nlp.vocab.strings.add("GPE"), nlp.vocab.strings.add("ORG")

    def __call__(self, doc: Doc) -> Doc:
        spans = doc.spans[SPAN_KEY] if SPAN_KEY in doc.spans else []
        if not len(spans):
            return doc
        # the sentence and paragraph numbers of the tokens that matter (see DocScopes)
        arrays = doc.to_array([SENT_START, ENT_IOB, ENT_TYPE, ENT_KB_ID])
        sentence_of = numpy.cumsum(arrays[:, 0].astype("int64") == 1) - 1
        breaks = numpy.zeros(len(doc), dtype="int64")
        line_breaks = doc._.line_breaks  # set by tracker_sentences
        if line_breaks is None:
            line_breaks = find_line_breaks(doc, self.newline_orths)
        breaks[line_breaks] = 1
        paragraph_of = numpy.cumsum(breaks) - breaks
        title_end = doc._.title_end or 0
        title_tokens = int(numpy.searchsorted(static_arrays(doc)[0][:, 4].astype("int64"), title_end)) if title_end else 0
        begins = numpy.flatnonzero(arrays[:, 1] == 3)
        strings = doc.vocab.strings
        gpe, org = self.gpe, self.org
        # per table: {sentence: values}, {paragraph: values}, title values
        countries: tuple[dict, dict, list] = ({}, {}, [])
        companies: tuple[dict, dict, list] = ({}, {}, [])
        for start, label, kb_id, sentence, paragraph in zip(
            begins.tolist(), arrays[begins, 2].tolist(), arrays[begins, 3].tolist(),
            sentence_of[begins].tolist(), paragraph_of[begins].tolist(),
        ):
            if label == gpe:
                table = countries
            elif label == org:
                table = companies
            else:
                continue
            value = strings[kb_id]
            table[0].setdefault(sentence, []).append(value)
            table[1].setdefault(paragraph, []).append(value)
            if start < title_tokens:
                table[2].append(value)
        cues: tuple[dict, dict, list] = ({}, {}, [])
        ignore_id = self.ignore_id
        found = [cue for cue in longest_matches(self.matcher(doc)) if cue[0] != ignore_id]
        if found:
            starts = numpy.array([cue[1] for cue in found], dtype="int64")
            for cue, sentence, paragraph in zip(found, sentence_of[starts].tolist(), paragraph_of[starts].tolist()):
                cues[0].setdefault(sentence, []).append(cue)
                cues[1].setdefault(paragraph, []).append(cue)
                if cue[1] < title_tokens:
                    cues[2].append(cue)
        figures = [span._.figure for span in spans]
        bounds = [(span.start, span.end) for span in spans]
        starts = numpy.array([start for start, _ in bounds], dtype="int64")
        for figure, (start, end), sentence, paragraph in zip(
            figures, bounds, sentence_of[starts].tolist(), paragraph_of[starts].tolist()
        ):
            keys = (sentence, paragraph, 0) if title_tokens else (sentence, paragraph)
            widest = -1
            for field, table in (("countries", countries), ("companies", companies)):
                figure[field] = []
                for level, key in enumerate(keys):
                    values = table[level].get(key) if level < 2 else table[2]
                    if values:
                        figure[field] = sorted(set(values))
                        if level > widest:
                            widest = level
                        break
            figure["link_scope"] = SCOPES[widest] if widest >= 0 else None
            choices = [cues[level].get(key) if level < 2 else cues[2] for level, key in enumerate(keys)]
            figure["deal_type"], figure["deal_type_cue"] = self._choose(doc, start, end, figure["kind"], choices)
        return doc

    def deal_type(self, span: Span, keys, cues: dict[tuple[str, int], list[tuple[int, int, int]]]) -> tuple[str, str | None]:
        """The deal type of one figure and the cue that decided it (None: the kind's default)."""
        return self._choose(span.doc, span.start, span.end, span._.figure["kind"], [cues.get(key) for key in keys])

    def _choose(self, doc: Doc, first: int, last: int, kind: str, choices) -> tuple[str, str | None]:
        """The nearest cue of the best tier in the first scope that has cues (``choices``)."""
        tiers = self.tiers
        for found in choices:
            if not found:
                continue
            best = None
            for cue in found:
                match_id, start, end = cue
                tier, order, _ = tiers[match_id]
                if end <= first:
                    distance = first - end + 1
                elif start >= last:
                    distance = start - last + 1
                else:
                    distance = 0  # the cue is part of the figure: "18,000 GB300 chips"
                rank = (tier, distance, order)
                if best is None or rank < best[0]:
                    best = (rank, cue)
            match_id, start, end = best[1]
            return tiers[match_id][2], doc[start:end].text
        return self.defaults[kind], None

    def _rank(self, cue: tuple[int, int, int], span: Span) -> tuple[int, int, int]:
        match_id, start, end = cue
        tier, order, _ = self.tiers[match_id]
        if end <= span.start:
            distance = span.start - end + 1
        elif start >= span.end:
            distance = start - span.end + 1
        else:
            distance = 0  # the cue is part of the figure: "18,000 GB300 chips"
        return tier, distance, order


def longest_matches(matches: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    """Matcher hits without overlaps, the longest (then the first) winning, like ``filter_spans``."""
    kept: list[tuple[int, int, int]] = []
    taken: set[int] = set()
    for match in sorted(matches, key=lambda m: (m[1] - m[2], m[1])):
        _, start, end = match
        if end - start == 1:
            if start not in taken:
                kept.append(match)
                taken.add(start)
        elif taken.isdisjoint(range(start, end)):
            kept.append(match)
            taken.update(range(start, end))
    return kept


@Language.factory(
    "tracker_linking",
    requires=["doc.ents", "doc.spans", "token.is_sent_start"],
    assigns=["doc.spans"],
    default_config={"deal_types_path": "deal_types.json"},
)
def create_commitment_linker(nlp: Language, name: str, deal_types_path: str):
    """Registered factory: see the module docstring."""
    return CommitmentLinker(nlp, name, deal_types_path)
