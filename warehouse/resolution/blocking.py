"""Blocking: which pairs of frames the resolver compares at all. Pure.

Two frames of different documents are compared only when they share a blocking key
(``blocking_keys``): the same project, the same figure (kind and amount bucket), or two things
at once: host and party, party and figure, host and figure. A key shared by more than MAX_BLOCK
frames (a big country, a busy company) pairs each frame with its NEIGHBOURS nearest in report
order only. Everything not compared is a different deal.

The budget. Without it the pairs per frame grow with the corpus (on the benchmark corpus a frame
met 45 others at 1k documents, 77 at 3k, 133 at 10k, towards 2 x NEIGHBOURS x 17 keys), and so
does the time of a rebuild per document. So each frame keeps at most BUDGET of the frames it
shares a key with, the most alike by ``similarity``: the cosine of the two frames' words plus
that of their documents' names, weighted as the ``cross`` model weighs its features
frame_similarity and names_text (ties to the nearest in report order, then the earlier). A pair
is compared when either frame keeps the other, so the pairs are at most BUDGET per frame and grow
linearly with the documents. Ranked by the keys shared instead (project > party and figure >
host and figure > host and party > figure alone, KEY_WEIGHTS) the budget kept only 54 % of the
frame pairs put in one deal at 3k documents with 40 per frame; by similarity, 99.8 %. Without
words (an increment's stored frames, incremental.py) the keys' weights rank.

BUDGET chosen by measurement, benchmarks/deal_resolution.py's corpus at 3k documents (12,975
frames; every candidate pair scored once, deals clustered from the kept pairs' scores only;
"kept": share of the frame pairs one deal without a budget that still are; "agree": share of
the pairs one deal with the budget that were without):

    budget   pairs scored   deals   kept     agree
    none     1,125,487      2,980   1        1
    20         202,343      3,067   0.834    0.976
    30         282,473      2,988   0.980    0.992
    40         361,350      2,980   0.9985   0.999
    60         516,619      2,980   1.0      1.0
    80         667,163      2,980   1.0      1.0

and on the development gold set (612 frames, 7,904 candidate pairs, a frame sharing keys with up
to 111 others): 40 drops 118 pairs, 60 drops 7, 80 none. So 80: the gold sets score the same, the
cost per frame is bounded. Checked again on the grown set (481 articles, 718 frames, 10,189
pairs, up to 116 a frame): 80 drops 1 pair and every figure of ``tracker eval --deals`` is the
same as without a budget; the sample corpus's key (97 frames, at most 27 a frame) is left whole.
A corpus where no frame has more candidates than the budget is not ranked at all. As the gold
sets grow, compare ``candidate_pairs(..., budget=None)`` with the budget on them again.

The work is done with numpy on arrays of (key, frame) postings: the pairs of a block are made
offset by offset, their strengths summed per pair, and each frame's best BUDGET kept by one
sort: 3.4 s for the 12,975 frames of 3k documents, similarity included.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

from warehouse.resolution.features import Corpus, amount_bucket
from warehouse.resolution.frames import Document, Frame

MAX_BLOCK = 60  # a blocking key shared by more frames than this is compared by neighbourhood only
NEIGHBOURS = 30  # ... each frame with the next NEIGHBOURS frames of that key in report order
BUDGET = 80  # a frame is compared with at most this many others (module docstring)
CHUNK = 200_000  # pairs whose similarity is worked out at once (memory)
# how much a shared key says two frames report one deal (the budget's order without words)
KEY_WEIGHTS = {"project": 16, "party-figure": 8, "host-figure": 4, "host-party": 2, "figure": 1}


def figure_buckets(frame: Frame) -> set[tuple]:
    """The amount buckets of a frame's figures and their neighbours (an amount near a bucket's
    edge still meets the same amount rounded the other way)."""
    buckets = set()
    for figure in frame.figures:
        bucket = amount_bucket(figure)
        if bucket is not None:
            buckets.update((bucket[0], bucket[1] + step) for step in (-1, 0, 1))
    return buckets


def blocking_keys(frame: Frame) -> set[tuple]:
    """Keys two frames must share to be compared: the same project, the same figure, or two
    things at once: host and party, party and figure, host and figure. A host or a party alone is
    shared by too many frames of other deals (one country's or one company's every deal) to be
    worth comparing: on the development set the pairs keys give fall from 17,782 to 3,754 and keep
    94 % of the pairs of figures of one deal."""
    keys: set[tuple] = set()
    buckets = figure_buckets(frame)
    if frame.project:
        keys.add(("project", frame.project.casefold()))
    keys.update(("figure", *bucket) for bucket in buckets)
    for party in frame.principals:
        if frame.host:
            keys.add(("host-party", frame.host, party))
        keys.update(("party-figure", party, *bucket) for bucket in buckets)
    if frame.host:
        keys.update(("host-figure", frame.host, *bucket) for bucket in buckets)
    return keys


def shared_strengths(frames: list[Frame], keys: list[set[tuple]] | None = None
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(i, j, strength) of every pair of frames of different documents that shares a key within
    reach (MAX_BLOCK, NEIGHBOURS), i < j in frame order, sorted by (i, j); strength: the summed
    KEY_WEIGHTS of the keys they share. ``keys``: each frame's blocking keys when known."""
    key_ids: dict[tuple, int] = {}
    weights: list[int] = []
    post_key: list[int] = []
    post_frame: list[int] = []
    doc_ids: dict[str, int] = {}
    docs = np.empty(len(frames), np.int64)
    for number, frame in enumerate(frames):
        docs[number] = doc_ids.setdefault(frame.doc_id, len(doc_ids))
        for key in (keys[number] if keys is not None else blocking_keys(frame)):
            kid = key_ids.get(key)
            if kid is None:
                kid = key_ids[key] = len(weights)
                weights.append(KEY_WEIGHTS[key[0]])
            post_key.append(kid)
            post_frame.append(number)
    empty = np.empty(0, np.int64)
    if not post_key:
        return empty, empty, empty
    key_of = np.asarray(post_key, np.int64)
    order = np.argsort(key_of, kind="stable")  # by key, each key's frames in frame order
    key_of = key_of[order]
    frame_of = np.asarray(post_frame, np.int64)[order]
    starts = np.flatnonzero(np.r_[True, key_of[1:] != key_of[:-1]])
    lengths = np.diff(np.r_[starts, len(key_of)])
    end = np.repeat(starts + lengths, lengths)
    reach = np.where(lengths <= MAX_BLOCK, lengths - 1, NEIGHBOURS)
    reach = np.repeat(reach, lengths)
    weight = np.asarray(weights, np.int64)[key_of]
    count = len(frames)
    codes, strengths = [], []
    x = np.arange(len(key_of))
    step = 1
    while len(x):
        x = x[(x + step < end[x]) & (reach[x] >= step)]
        a, b = frame_of[x], frame_of[x + step]
        apart = docs[a] != docs[b]
        codes.append(a[apart] * count + b[apart])
        strengths.append(weight[x[apart]])
        step += 1
    code = np.concatenate(codes) if codes else empty
    if not len(code):
        return empty, empty, empty
    unique, inverse = np.unique(code, return_inverse=True)
    strength = np.bincount(inverse, weights=np.concatenate(strengths)).astype(np.int64)
    return unique // count, unique % count, strength


def within_budget(i: np.ndarray, j: np.ndarray, strength: np.ndarray, budget: int = BUDGET) -> np.ndarray:
    """Which pairs to compare (a boolean mask): those where either frame has the other among its
    ``budget`` strongest, ties to the nearest in frame order, then the earlier frame."""
    pairs = len(i)
    if not pairs:
        return np.zeros(0, bool)
    own = np.concatenate([i, j])
    other = np.concatenate([j, i])
    order = np.lexsort((other, np.abs(own - other), -np.concatenate([strength, strength]), own))
    keep = np.zeros(pairs, bool)
    keep[order[ranks_in_groups(own[order]) < budget] % pairs] = True
    return keep


def ranks_in_groups(groups: np.ndarray) -> np.ndarray:
    """For an array sorted by group, each element's place within its group (0, 1, 2, ...)."""
    if not len(groups):
        return np.zeros(0, np.int64)
    first = np.flatnonzero(np.r_[True, groups[1:] != groups[:-1]])
    return np.arange(len(groups)) - np.repeat(first, np.diff(np.r_[first, len(groups)]))


def similarity(frames: list[Frame], docs: dict[str, Document], corpus: Corpus, i: np.ndarray, j: np.ndarray,
               weights: dict[str, float]) -> np.ndarray:
    """How alike the frames of each pair (i, j) read, cheaply: the cosine of their words (tf-idf,
    as features ``frame_similarity``) and of their documents' names (``names_text``), weighted as
    the ``cross`` model weighs those two features (a weight below 0 counts as 0)."""
    rank = np.zeros(len(i))
    rows = np.arange(len(frames))
    doc_row = {doc_id: n for n, doc_id in enumerate(dict.fromkeys(f.doc_id for f in frames))}
    of_doc = np.fromiter((doc_row[f.doc_id] for f in frames), np.int64, len(frames))
    parts = (  # the keys features.Corpus.cosine caches these vectors under (pairs.py)
        (max(0.0, weights.get("frame_similarity", 0.0)),
         [(("frame", f.doc_id, f.index, len(f.figures)), f.words) for f in frames], rows),
        (max(0.0, weights.get("names_text", 0.0)), [(("doc-names", d), docs[d].names) for d in doc_row], of_doc),
    )
    for weight, bags, row in parts:
        if weight > 0 and len(i):
            matrix = unit_vectors(bags, corpus)
            for start in range(0, len(i), CHUNK):
                a, b = row[i[start:start + CHUNK]], row[j[start:start + CHUNK]]
                rank[start:start + CHUNK] += weight * np.asarray(matrix[a].multiply(matrix[b]).sum(axis=1)).ravel()
    return rank


def unit_vectors(bags: list[tuple], corpus: Corpus) -> sparse.csr_matrix:
    """Each (key, bag of words) as a row of the unit-length tf-idf weights the pair features use
    (features.Corpus.vector, cached there under the same key). Words in sorted order, so a row's
    products are summed in the same order whatever order the words were counted in."""
    vocabulary: dict[str, int] = {}
    pointers, columns, values = [0], [], []
    for key, counts in bags:
        for word, value in sorted(corpus.vector(key, counts).items()):
            columns.append(vocabulary.setdefault(word, len(vocabulary)))
            values.append(value)
        pointers.append(len(columns))
    return sparse.csr_matrix((values, columns, pointers), shape=(len(bags), max(1, len(vocabulary))))


def candidate_pairs(frames: list[Frame], same_document: str = "apart", docs: dict[str, Document] | None = None,
                    corpus: Corpus | None = None, weights: dict[str, float] | None = None,
                    budget: int | None = BUDGET) -> list[tuple[int, int]]:
    """Pairs of frames (indexes, i < j) of different documents that share a blocking key, each
    frame's within the budget (module docstring; ``budget`` None: all), sorted; with
    ``same_document`` "within" or "guarded", every pair of frames of one document too. The
    budget ranks by ``similarity`` when docs, corpus and the model's weights are given, else by
    shared keys alone; a corpus where no frame has more candidates than the budget is left whole."""
    i, j, strength = shared_strengths(frames)
    if budget is not None and len(i) and np.bincount(np.concatenate([i, j])).max() > budget:
        rank = strength.astype(float)
        if docs is not None and corpus is not None and weights is not None:
            rank = similarity(frames, docs, corpus, i, j, weights)
        keep = within_budget(i, j, rank, budget)
        i, j = i[keep], j[keep]
    pairs = list(zip(i.tolist(), j.tolist(), strict=True))
    if same_document in ("within", "guarded"):
        pairs = set(pairs)
        by_doc: dict[str, list[int]] = {}
        for number, frame in enumerate(frames):
            by_doc.setdefault(frame.doc_id, []).append(number)
        for numbers in by_doc.values():
            for x, a in enumerate(numbers):
                for b in numbers[x + 1:]:
                    pairs.add((a, b))
        return sorted(pairs)
    return pairs
