"""Clustering frames into deals: block candidate pairs, score them, merge by average link.

Pure. ``candidate_pairs`` blocks cheaply: two frames of different documents are compared only
when they share a project, a figure (same kind and amount bucket), or a host and a party, a party
and a figure, a host and a figure (``blocking_keys``); a key shared by many frames compares each
frame with its nearest neighbours in report order only, so the work grows linearly. Everything
not compared is a different deal.
``score_pairs`` gives each compared pair of frames the ``cross`` model's probability that they
report one deal (pairs.py), counted once per pair of their figures. ``cluster_average`` then
merges clusters best first while the average probability over their figure pairs from different
documents (unscored pairs count as 0) stays at or above the learned threshold, under constraints:

- two frames of one document: the rule training chose (SAME_DOCUMENT, stored with the weights):
  "apart" (never one deal: the document told them apart), "within" (their pairs are scored by
  the within-document model), or "guarded" (they may meet through other documents' reports,
  unless the within-document model says they differ: a mean probability below GUARD);
- one host: two clusters whose host votes share no country are not merged;
- different principal parties, different deals: two clusters whose parties are both known and
  share no company are not merged (suppliers left out: two reports of one campus may each name
  a different chip or server maker beside the same owners, and a supplier may be the only party
  a short report names).

Ties go to the earlier frames (date, doc_id), so the result does not depend on input order.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Callable, Iterable

from warehouse.resolution.features import Corpus, amount_bucket, within_features
from warehouse.resolution.frames import Document, Frame
from warehouse.resolution.pairs import frame_features

# two frames of one document: "apart" (never one deal), "within" (their pairs scored by the
# within-document model), "through" (not compared: they meet only through other documents)
# "guarded" (through other documents, unless the within model tells them apart: below GUARD)
SAME_DOCUMENT = "apart"
GUARD = 0.25  # a mean within-document probability under this keeps two frames of one document apart
DISJOINT_PARTIES_APART = True  # clusters naming no principal party in common are different deals
MAX_BLOCK = 60  # a blocking key shared by more frames than this is compared by neighbourhood only
NEIGHBOURS = 30  # ... each frame with the next NEIGHBOURS frames of that key in report order


def cluster_average(
    count: int,
    scores: dict[tuple[int, int], float],
    threshold: float,
    sizes: list[int] | None = None,
    may_merge: Callable[[set[int], set[int]], bool] | None = None,
    groups: list[str] | None = None,
) -> list[set[int]]:
    """Average-link agglomerative clustering of ``count`` items over sparse pair scores.

    ``scores[(i, j)]`` (i < j) is the summed score between items i and j (for weighted items: the
    sum over their members' pairs); missing pairs score 0. ``sizes`` weigh items (default 1): the
    linkage of two clusters is their summed score over the number of member pairs between them.
    With ``groups`` (e.g. each item's document), pairs within one group are not counted: two
    clusters are compared only by their members from different groups, so a document's frames
    may still meet in one deal through other documents. Merges go best first (ties: lowest item
    numbers) while the linkage is >= threshold and ``may_merge`` allows.
    """
    sizes = list(sizes or [1] * count)
    members: dict[int, set[int]] = {i: {i} for i in range(count)}
    links: dict[int, dict[int, float]] = {i: {} for i in range(count)}
    for (i, j), value in scores.items():
        if value > 0:
            links[i][j] = links[i].get(j, 0.0) + value
            links[j][i] = links[j].get(i, 0.0) + value
    per_group: dict[int, Counter] = {
        i: Counter({groups[i] if groups else i: sizes[i]}) for i in range(count)
    }
    size = {i: sizes[i] for i in range(count)}
    low = {i: i for i in range(count)}  # lowest item of a cluster, for deterministic ties

    def pairs_between(a: int, b: int) -> int:
        small, large = sorted((per_group[a], per_group[b]), key=len)
        return size[a] * size[b] - sum(n * large.get(g, 0) for g, n in small.items())

    def linkage(a: int, b: int) -> float:
        between = pairs_between(a, b)
        return links[a].get(b, 0.0) / between if between > 0 else 0.0

    heap = []
    for i in range(count):
        for j in links[i]:
            if i < j:
                heapq.heappush(heap, (-linkage(i, j), i, j, i, j))
    next_id = count
    while heap:
        negative, _, _, a, b = heapq.heappop(heap)
        if a not in members or b not in members:
            continue
        value = linkage(a, b)
        if abs(value + negative) > 1e-12:
            continue  # stale entry: the clusters changed since it was pushed
        if value < threshold:
            break
        if may_merge is not None and not may_merge(members[a], members[b]):
            continue
        new = next_id
        next_id += 1
        members[new] = members.pop(a) | members.pop(b)
        size[new] = size.pop(a) + size.pop(b)
        per_group[new] = per_group.pop(a) + per_group.pop(b)
        low[new] = min(low.pop(a), low.pop(b))
        merged: dict[int, float] = {}
        for old in (a, b):
            for other, score in links.pop(old).items():
                if other in (a, b):
                    continue
                merged[other] = merged.get(other, 0.0) + score
                del links[other][old]
        links[new] = merged
        for other, score in merged.items():
            links[other][new] = score
            first, second = sorted((low[new], low[other]))
            pair = (new, other) if low[new] <= low[other] else (other, new)
            heapq.heappush(heap, (-linkage(new, other), first, second, *pair))
    return list(members.values())


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


def candidate_pairs(frames: list[Frame], same_document: str = "apart") -> list[tuple[int, int]]:
    """Pairs of frames (indexes, i < j) of different documents that share a blocking key."""
    index: dict[tuple, list[int]] = {}
    for number, frame in enumerate(frames):
        for key in blocking_keys(frame):
            index.setdefault(key, []).append(number)
    pairs = set()
    for numbers in index.values():
        # a key many frames share (a big country, a busy company): each frame meets only its
        # NEIGHBOURS nearest in report order (frames are numbered in that order)
        reach = len(numbers) if len(numbers) <= MAX_BLOCK else NEIGHBOURS
        for x, i in enumerate(numbers):
            for j in numbers[x + 1:x + 1 + reach]:
                if frames[i].doc_id != frames[j].doc_id:
                    pairs.add((min(i, j), max(i, j)))
    if same_document in ("within", "guarded"):
        by_doc: dict[str, list[int]] = {}
        for number, frame in enumerate(frames):
            by_doc.setdefault(frame.doc_id, []).append(number)
        for numbers in by_doc.values():
            for x, i in enumerate(numbers):
                for j in numbers[x + 1:]:
                    pairs.add((min(i, j), max(i, j)))
    return sorted(pairs)


def score_pairs(frames: list[Frame], pairs: Iterable[tuple[int, int]], docs: dict[str, Document],
                corpus: Corpus, model) -> dict[tuple[int, int], float]:
    """The score of each candidate pair of frames, summed over its figure pairs (the clustering
    divides by their number): two frames of different documents, the ``cross`` probability of the
    pair (pairs.py) for each of their figure pairs; two frames of one document, the ``within``
    probability of each of their figure pairs."""
    scores = {}
    # the frame pairs of one pair of documents in a row: pairs.document_pair remembers the last
    for i, j in sorted(pairs, key=lambda p: (frames[p[0]].doc_id, frames[p[1]].doc_id, p)):
        a, b = frames[i], frames[j]
        if a.doc_id == b.doc_id:
            doc = docs[a.doc_id]
            scores[(i, j)] = sum(
                model.probability("within", within_features(x, y, doc, a.figures + b.figures))
                for x in a.figures for y in b.figures
            )
            continue
        probability = model.probability("cross", frame_features(a, b, docs[a.doc_id], docs[b.doc_id], corpus))
        scores[(i, j)] = probability * len(a.figures) * len(b.figures)
    return scores


def host_votes(frames: list[Frame], members: set[int]) -> Counter:
    return Counter(frames[i].host for i in members if frames[i].host)


def merge_rule(frames: list[Frame], same_document: str = "apart",
               apart: set[tuple[int, int]] = frozenset()) -> Callable[[set[int], set[int]], bool]:
    """The constraints of the module docstring: no two frames of one document (or, "guarded",
    none the within-document model tells apart), one host, no disjoint principal parties."""

    def may_merge(a: set[int], b: set[int]) -> bool:
        if same_document == "apart" and {frames[i].doc_id for i in a} & {frames[i].doc_id for i in b}:
            return False
        if apart and any((min(i, j), max(i, j)) in apart for i in a for j in b
                         if frames[i].doc_id == frames[j].doc_id):
            return False
        if DISJOINT_PARTIES_APART:
            parties_a = set().union(*(frames[i].owners for i in a))
            parties_b = set().union(*(frames[i].owners for i in b))
            if parties_a and parties_b and not parties_a & parties_b:
                return False
        votes_a, votes_b = host_votes(frames, a), host_votes(frames, b)
        if votes_a and votes_b:
            top_a = votes_a.most_common(1)[0][0]
            top_b = votes_b.most_common(1)[0][0]
            if top_a != top_b and top_a not in votes_b and top_b not in votes_a:
                return False
        return True

    return may_merge


def score_frames(frames: list[Frame], docs: dict[str, Document], corpus: Corpus, model
                 ) -> tuple[list[Frame], dict[tuple[int, int], float]]:
    """The frames in order (date, doc_id, index) and the scores of their candidate pairs."""
    frames = sorted(frames, key=lambda f: f.key)
    return frames, score_pairs(frames, candidate_pairs(frames, same_document_rule(model)), docs, corpus, model)


def same_document_rule(model) -> str:
    """How two frames of one document are treated (SAME_DOCUMENT), as chosen in training."""
    return model.notes.get("same_document", SAME_DOCUMENT)


def cluster_frames(frames: list[Frame], docs: dict[str, Document], corpus: Corpus, model,
                   threshold: float | None = None, scored=None) -> list[list[Frame]]:
    """Deals as lists of frames, each in frame order, the deals in order of their first frame.
    ``scored``: the result of score_frames, when several thresholds are tried on one set."""
    frames, scores = scored or score_frames(frames, docs, corpus, model)
    rule = same_document_rule(model)
    apart: set[tuple[int, int]] = set()
    if rule == "guarded":
        same = {(i, j) for (i, j) in scores if frames[i].doc_id == frames[j].doc_id}
        apart = {
            (i, j) for (i, j) in same
            if scores[(i, j)] / (len(frames[i].figures) * len(frames[j].figures)) < GUARD
        }
        scores = {key: value for key, value in scores.items() if key not in same}
    groups = cluster_average(
        len(frames), scores, model.threshold("cross") if threshold is None else threshold,
        sizes=[len(f.figures) for f in frames], may_merge=merge_rule(frames, rule, apart),
        groups=[f.doc_id for f in frames] if rule in ("through", "guarded") else None,
    )
    deals = [[frames[i] for i in sorted(group)] for group in groups]
    deals.sort(key=lambda d: d[0].key)
    return deals
