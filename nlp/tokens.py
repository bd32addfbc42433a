"""Fast token access for the components: ``doc[i]`` builds a Token object on every call.

``Lexicon`` caches, per orth id, the lexical attributes the rules read (they are those of the
lexeme, so they equal the Token's); ``Tokens`` reads the per-token columns of one doc once with
``doc.to_array`` and answers ``text(i)``, ``lower(i)``, ``is_stop(i)``... like ``doc[i]`` would.
"""

from __future__ import annotations

import numpy
from spacy.attrs import ENT_IOB, ENT_KB_ID, ENT_TYPE, IDX, IS_SPACE, LIKE_NUM, ORTH, SENT_START
from spacy.tokens import Doc, Span

TEXT, LOWER, IS_STOP, IS_TITLE, IS_UPPER, IS_PUNCT = range(6)


class Lexicon(dict):
    """orth id -> (text, lower_, is_stop, is_title, is_upper, is_punct), filled on first sight."""

    def __init__(self, vocab):
        super().__init__()
        self.vocab = vocab

    def __missing__(self, orth: int) -> tuple:
        lex = self.vocab[orth]
        value = self[orth] = (lex.orth_, lex.lower_, lex.is_stop, lex.is_title, lex.is_upper, lex.is_punct)
        return value


STATIC_ATTRS = [ORTH, IS_SPACE, LIKE_NUM, IDX]
ORTH_COLUMN, IS_SPACE_COLUMN, LIKE_NUM_COLUMN, IDX_COLUMN = range(4)
STATIC_KEY = ("tracker", "static_arrays")


def static_arrays(doc: Doc) -> tuple[numpy.ndarray, list[int]]:
    """``doc.to_array(STATIC_ATTRS)`` and its ORTH column as a list, read once per doc: these
    columns never change once the doc is tokenized (kept in ``doc.user_data``). Each column read
    costs about 15 microseconds per doc, so only what the components need is read; whitespace
    after a token follows from IDX (see ``Tokens.space``)."""
    cached = doc.user_data.get(STATIC_KEY)
    if cached is None or len(cached[1]) != len(doc):
        arrays = doc.to_array(STATIC_ATTRS).reshape(len(doc), len(STATIC_ATTRS))
        cached = doc.user_data[STATIC_KEY] = (arrays, arrays[:, ORTH_COLUMN].tolist())
    return cached


SENT_KEY = ("tracker", "sent_starts")
ENTS_KEY = ("tracker", "entities")


def sent_starts(doc: Doc) -> numpy.ndarray:
    """The SENT_START column of the doc (1: a sentence starts, else -1 or 0).

    ``tracker_sentences`` leaves it in ``doc.user_data`` as it writes it; otherwise it is read
    once with ``doc.to_array``. Each ``to_array`` column costs about as much as a simple component.
    """
    cached = doc.user_data.get(SENT_KEY)
    if cached is None or len(cached) != len(doc):
        cached = doc.to_array(SENT_START).astype("int64")
        cached[cached > 1] = -1  # to_array returns -1 as an unsigned integer
        doc.user_data[SENT_KEY] = cached
    return cached


def set_sent_starts(doc: Doc, values: numpy.ndarray) -> None:
    """Write the SENT_START column (1 or -1 per token) to the doc and keep it for ``sent_starts``."""
    doc.from_array([SENT_START], values.astype("uint64").reshape(-1, 1))
    doc.user_data[SENT_KEY] = values


def entities(doc: Doc) -> list[tuple[int, int, int, int]]:
    """The doc's entities as sorted ``(start, end, label hash, kb_id hash)`` tuples.

    The components that set entities keep this list up to date (``set_entities``), so the ones
    after them need neither ``doc.ents`` (a Span object per entity on every access) nor
    ``to_array``. A doc whose entities were set some other way is read once from its arrays.
    """
    cached = doc.user_data.get(ENTS_KEY)
    if cached is None or cached[0] != len(doc):
        found = []
        if doc.ents:  # a C loop over the tokens; doc.has_annotation walks a Python generator
            arrays = doc.to_array([ENT_IOB, ENT_TYPE, ENT_KB_ID])
            iob = arrays[:, 0]
            begins = numpy.flatnonzero(iob == 3)
            if len(begins):
                closers = numpy.flatnonzero(iob != 1)
                ends = numpy.append(closers, len(doc))[numpy.searchsorted(closers, begins, side="right")]
                found = list(zip(begins.tolist(), ends.tolist(), arrays[begins, 1].tolist(), arrays[begins, 2].tolist(),
                                 strict=True))
        cached = doc.user_data[ENTS_KEY] = (len(doc), found)
    return cached[1]


def set_entities(doc: Doc, found: list[tuple[int, int, int, int]]) -> None:
    """Add ``found`` (``(start, end, label hash, kb_id hash)``) to the doc's entities.

    The new entities must not overlap the existing ones (they may replace some: pass the kept
    ones along with the new). Only the new entities' tokens are written.
    """
    existing = entities(doc)
    known = set(existing)
    added = [entity for entity in found if entity not in known]
    kept = set(found)
    if any(entity not in kept for entity in existing):  # some were dropped: rewrite them all
        doc.ents = [Span(doc, start, end, label=label, kb_id=kb_id) for start, end, label, kb_id in sorted(found)]
    elif added:
        doc.set_ents([Span(doc, start, end, label=label, kb_id=kb_id) for start, end, label, kb_id in added],
                     default="unmodified")
    doc.user_data[ENTS_KEY] = (len(doc), sorted(found))


class Tokens:
    """Columns of one doc: ``orth`` (list), ``sent_start(i)`` (1, 0 or -1), ``space(i)``
    (``doc[i].whitespace_`` is not empty), ``like_num(i)``, character offsets, plus the lexical
    attributes through ``lexicon``."""

    __slots__ = ("doc", "n", "orth", "static", "sent", "lexicon")

    def __init__(self, doc: Doc, lexicon: Lexicon, sent: numpy.ndarray | None = None):
        """``sent``: ``doc.to_array(SENT_START)`` when the caller has it."""
        self.doc = doc
        self.n = len(doc)
        self.static, self.orth = static_arrays(doc)
        self.sent = sent_starts(doc) if sent is None else sent
        self.lexicon = lexicon

    def text(self, i: int) -> str:
        return self.lexicon[self.orth[i]][TEXT]

    def lower(self, i: int) -> str:
        return self.lexicon[self.orth[i]][LOWER]

    def is_stop(self, i: int) -> bool:
        return self.lexicon[self.orth[i]][IS_STOP]

    def is_title(self, i: int) -> bool:
        return self.lexicon[self.orth[i]][IS_TITLE]

    def is_upper(self, i: int) -> bool:
        return self.lexicon[self.orth[i]][IS_UPPER]

    def is_punct(self, i: int) -> bool:
        return self.lexicon[self.orth[i]][IS_PUNCT]

    def sent_start(self, i: int) -> int:
        """``1`` for a sentence start (``token.is_sent_start`` is True)."""
        value = self.sent.item(i)
        return -1 if value > 1 else value

    def space(self, i: int) -> bool:
        """``doc[i].whitespace_`` is not empty: the next token starts after this one's end."""
        if i + 1 < self.n:
            return self.static.item(i + 1, IDX_COLUMN) > self.static.item(i, IDX_COLUMN) + len(self.text(i))
        return bool(self.doc[i].whitespace_)

    def like_num(self, i: int) -> bool:
        return bool(self.static.item(i, LIKE_NUM_COLUMN))

    def span_text(self, start: int, end: int) -> str:
        """``doc[start:end].text`` without building Token objects."""
        if end - start == 1:
            return self.text(start)
        parts = []
        for k in range(start, end - 1):
            parts.append(self.text(k))
            if self.space(k):
                parts.append(" ")
        parts.append(self.text(end - 1))
        return "".join(parts)

    def start_char(self, i: int) -> int:
        return self.static.item(i, IDX_COLUMN)

    def end_char(self, i: int) -> int:
        """The character offset just after token ``i``."""
        return self.static.item(i, IDX_COLUMN) + len(self.text(i))


FIGURES_KEY = ("tracker", "figures")


def figures(doc: Doc) -> list[tuple[int, int, dict]]:
    """The commitments found by ``tracker_commitments``: ``(start, end, figure)`` in text order.

    The same figures as ``doc.spans["commitments"]`` and their ``span._.figure``, without
    building Span objects (a span group makes new ones on every iteration)."""
    return doc.user_data.get(FIGURES_KEY, [])


class SharedMatcher:
    """A PhraseMatcher shared by the components of one pipeline: one pass per attribute.

    Each component adds its phrases through its own ``SharedMatcher`` (``shared_matcher``);
    keys are stored under a per-component namespace, so two components may use the same key.
    Calling it returns what a private PhraseMatcher with the same phrases would: the matches
    of the component's keys, in the matcher's order (start, then end), with the key's own id.
    The shared pass runs once per doc and attribute (the last doc's matches are kept), and sorts
    its matches out by component in the same pass.
    """

    def __init__(self, pool: _MatcherPool, vocab, namespace: str):
        self.pool = pool
        self.vocab = vocab
        self.namespace = namespace

    def add(self, key: str, docs: list[Doc]) -> None:
        self.pool.add(f"{self.namespace}\x1f{key}", self.namespace, self.vocab.strings.add(key), docs)

    def __call__(self, doc: Doc) -> list[tuple[int, int, int]]:
        return self.pool.matches(doc).get(self.namespace, [])


class _MatcherPool:
    def __init__(self, vocab, attr: str):
        from spacy.matcher import PhraseMatcher

        self.matcher = PhraseMatcher(vocab, attr=attr)
        self.owners: dict[int, tuple[str, int]] = {}  # namespaced key id -> (namespace, key id)
        self.doc: Doc | None = None
        self.found: dict[str, list[tuple[int, int, int]]] = {}
        self.count = 0
        self.length = -1

    def add(self, inner: str, namespace: str, key: int, docs: list[Doc]) -> None:
        self.matcher.add(inner, docs)
        self.owners[self.matcher.vocab.strings[inner]] = (namespace, key)
        self.doc = None

    def matches(self, doc: Doc) -> dict[str, list[tuple[int, int, int]]]:
        if doc is not self.doc or len(doc) != self.length:
            owners = self.owners
            found: dict[str, list[tuple[int, int, int]]] = {}
            for match_id, start, end in self.matcher(doc):
                namespace, key = owners[match_id]
                group = found.get(namespace)
                if group is None:
                    group = found[namespace] = []
                group.append((key, start, end))
            self.found, self.doc, self.length = found, doc, len(doc)
        return self.found


def shared_matcher(nlp, attr: str, name: str) -> SharedMatcher:
    """The ``SharedMatcher`` of component ``name`` over ``attr`` ("ORTH", "LOWER") of ``nlp``."""
    pools = nlp.__dict__.setdefault("_tracker_matcher_pools", {})
    pool = pools.get(attr)
    if pool is None:
        pool = pools[attr] = _MatcherPool(nlp.vocab, attr)
    pool.count += 1
    return SharedMatcher(pool, nlp.vocab, f"{name}#{pool.count}")
