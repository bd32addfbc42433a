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
from spacy.attrs import IS_SPACE, ORTH
from spacy.language import Language
from spacy.tokens import Doc

from .resources import read_json
from .tokens import IDX_COLUMN, Lexicon, Tokens, entities, figures, sent_starts, shared_matcher, static_arrays

SCOPES = ("sentence", "paragraph", "title")
IGNORE = "IGNORE"

if not Doc.has_extension("title_end"):
    Doc.set_extension("title_end", default=0)


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


class Names(dict):
    """kb_id hash -> string, remembered: the string store decodes a new str on every lookup."""

    def __init__(self, strings):
        super().__init__()
        self.strings = strings

    def __missing__(self, key: int) -> str:
        value = self[key] = self.strings[key]
        return value


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
        self.lexicon = Lexicon(nlp.vocab)
        self.names = Names(nlp.vocab.strings)
        self.gpe, self.org = nlp.vocab.strings.add("GPE"), nlp.vocab.strings.add("ORG")

    def __call__(self, doc: Doc) -> Doc:
        found_figures = figures(doc)
        if not found_figures:
            return doc
        # sentence and paragraph numbers by token position, from the sentence starts and line breaks
        sentence_starts = numpy.flatnonzero(sent_starts(doc) == 1)
        line_breaks = doc._.line_breaks  # set by tracker_sentences
        if line_breaks is None:
            line_breaks = find_line_breaks(doc, self.newline_orths)
        # a break token belongs to the paragraph it ends; the next token opens a new one
        paragraph_starts = numpy.array(line_breaks, dtype="int64") + 1

        def scopes_of(starts: list[int]) -> tuple[list[int], list[int]]:
            """Sentence and paragraph numbers of the tokens ``starts``."""
            return (numpy.searchsorted(sentence_starts, starts, side="right").tolist(),
                    numpy.searchsorted(paragraph_starts, starts, side="right").tolist())

        title_end = doc._.title_end or 0
        title_tokens = 0
        if title_end:
            title_tokens = int(numpy.searchsorted(static_arrays(doc)[0][:, IDX_COLUMN], numpy.uint64(title_end)))
        names, gpe, org = self.names, self.gpe, self.org
        # per table: {sentence: values}, {paragraph: values}, title values
        countries: tuple[dict, dict, list] = ({}, {}, [])
        companies: tuple[dict, dict, list] = ({}, {}, [])
        found_entities = entities(doc)
        starts = [entity[0] for entity in found_entities]
        for (start, _, label, kb_id), sentence, paragraph in zip(found_entities, *scopes_of(starts), strict=True):
            if label == gpe:
                table = countries
            elif label == org:
                table = companies
            else:
                continue
            value = names[kb_id]
            table[0].setdefault(sentence, []).append(value)
            table[1].setdefault(paragraph, []).append(value)
            if start < title_tokens:
                table[2].append(value)
        cues: tuple[dict, dict, list] = ({}, {}, [])
        ignore_id = self.ignore_id
        found_cues = [cue for cue in longest_matches(self.matcher(doc)) if cue[0] != ignore_id]
        for cue, sentence, paragraph in zip(
                found_cues, *scopes_of([cue[1] for cue in found_cues]), strict=True):
            cues[0].setdefault(sentence, []).append(cue)
            cues[1].setdefault(paragraph, []).append(cue)
            if cue[1] < title_tokens:
                cues[2].append(cue)
        t = Tokens(doc, self.lexicon)
        figure_starts = [start for start, _, _ in found_figures]
        links: dict[tuple[int, int], tuple[list[str], list[str], str | None, list]] = {}
        for (start, end, figure), sentence, paragraph in zip(
                found_figures, *scopes_of(figure_starts), strict=True):
            link = links.get((sentence, paragraph))
            if link is None:  # figures of one sentence share their links and candidate cues
                link = links[sentence, paragraph] = self._link(
                    sentence, paragraph, title_tokens, countries, companies, cues
                )
            figure["countries"], figure["companies"], figure["link_scope"], choices = link
            figure["countries"] = list(figure["countries"])
            figure["companies"] = list(figure["companies"])
            figure["deal_type"], figure["deal_type_cue"] = self._choose(t, start, end, figure["kind"], choices)
        return doc

    @staticmethod
    def _link(sentence: int, paragraph: int, title_tokens: int, countries, companies, cues):
        """(countries, companies, link_scope, cue candidates by scope) of a figure in ``sentence``."""
        keys = (sentence, paragraph, 0) if title_tokens else (sentence, paragraph)
        widest = -1
        found = []
        for table in (countries, companies):
            values = []
            for level, key in enumerate(keys):
                candidates = table[level].get(key) if level < 2 else table[2]
                if candidates:
                    values = sorted(set(candidates))
                    widest = max(widest, level)
                    break
            found.append(values)
        choices = [cues[level].get(key) if level < 2 else cues[2] for level, key in enumerate(keys)]
        return found[0], found[1], SCOPES[widest] if widest >= 0 else None, choices

    def _choose(self, t: Tokens, first: int, last: int, kind: str, choices) -> tuple[str, str | None]:
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
            return tiers[match_id][2], t.span_text(start, end)
        return self.defaults[kind], None


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
