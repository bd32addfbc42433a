"""Clustering frames into deals: block candidate pairs, score them, merge by average link.

Pure. ``candidate_pairs`` (blocking.py) blocks cheaply: two frames of different documents are
compared only when they share a project, a figure (same kind and amount bucket), or a host and a
party, a party and a figure, a host and a figure, and each frame with at most blocking.BUDGET
others, the most alike. Everything not compared is a different deal.
``score_pairs`` gives each compared pair of frames the ``cross`` model's probability that they
report one deal (pairs.py), counted once per pair of their figures, in worker processes
(workers.py). ``cluster_average`` then merges clusters best first while the average probability
over their figure pairs from different documents (unscored pairs count as 0) stays at or above
the learned threshold, under constraints:

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

from warehouse.resolution.blocking import MAX_BLOCK, NEIGHBOURS, blocking_keys, candidate_pairs, figure_buckets
from warehouse.resolution.features import Corpus, within_features
from warehouse.resolution.frames import Document, Frame
from warehouse.resolution.pairs import frame_features
from warehouse.resolution.workers import map_ranges

# two frames of one document: "apart" (never one deal), "within" (their pairs scored by the
# within-document model), "through" (not compared: they meet only through other documents)
# "guarded" (through other documents, unless the within model tells them apart: below GUARD)
SAME_DOCUMENT = "apart"
GUARD = 0.25  # a mean within-document probability under this keeps two frames of one document apart
DISJOINT_PARTIES_APART = True  # clusters naming no principal party in common are different deals


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
    numbers) while the linkage is >= threshold and ``may_merge`` allows. A ``may_merge`` that is
    a MergeRule is asked through per-cluster summaries (kept as clusters merge), so a check costs
    what the clusters' documents, owners and hosts count, not their members.
    """
    sizes = list(sizes or [1] * count)
    members: dict[int, set[int]] = {i: {i} for i in range(count)}
    links: dict[int, dict[int, float]] = {i: {} for i in range(count)}
    for (i, j), value in scores.items():
        if value > 0:
            links[i][j] = links[i].get(j, 0.0) + value
            links[j][i] = links[j].get(i, 0.0) + value
    # without groups every item is its own group: no pairs between two clusters are left out
    per_group: dict[int, Counter] | None = (
        {i: Counter({groups[i]: sizes[i]}) for i in range(count)} if groups else None
    )
    size = {i: sizes[i] for i in range(count)}
    low = {i: i for i in range(count)}  # lowest item of a cluster, for deterministic ties
    rule = may_merge if isinstance(may_merge, MergeRule) else None
    summaries = {i: rule.summary(i) for i in range(count)} if rule is not None else None

    def linkage(a: int, b: int, score: float) -> float:
        """``score`` (links[a][b]) over the number of member pairs between a and b."""
        between = size[a] * size[b]
        if per_group is not None:
            small, large = per_group[a], per_group[b]
            if len(small) > len(large):
                small, large = large, small
            for group, n in small.items():
                m = large.get(group)
                if m:
                    between -= n * m
        return score / between if between > 0 else 0.0

    # a pair below the threshold is never pushed: the loop would stop at the first one popped, and
    # a cluster's linkage only changes when it merges (then its pairs are pushed again)
    heap = []
    for i in range(count):
        for j, score in links[i].items():
            if i < j:
                value = linkage(i, j, score)
                if value >= threshold:
                    heap.append((-value, i, j, i, j))
    heapq.heapify(heap)
    next_id = count
    while heap:
        negative, _, _, a, b = heapq.heappop(heap)
        if a not in members or b not in members:
            continue
        value = linkage(a, b, links[a].get(b, 0.0))
        if abs(value + negative) > 1e-12:
            continue  # stale entry: the clusters changed since it was pushed
        if value < threshold:
            break
        if rule is not None:
            if not rule.allows(summaries[a], summaries[b], members[a], members[b]):
                continue
        elif may_merge is not None and not may_merge(members[a], members[b]):
            continue
        new = next_id
        next_id += 1
        members[new] = members.pop(a) | members.pop(b)
        size[new] = size.pop(a) + size.pop(b)
        if per_group is not None:
            per_group[new] = per_group.pop(a) + per_group.pop(b)
        if summaries is not None:
            summaries[new] = rule.join(summaries.pop(a), summaries.pop(b))
        low[new] = min(low.pop(a), low.pop(b))
        # the larger link table becomes the new cluster's (float addition is commutative: the
        # sums are the ones a fresh table would hold)
        merged, smaller = links.pop(a), links.pop(b)
        if len(merged) < len(smaller):
            merged, smaller = smaller, merged
        merged.pop(a, None)
        merged.pop(b, None)
        for other in merged:
            theirs = links[other]
            theirs.pop(a, None)
            theirs.pop(b, None)
        for other, score in smaller.items():
            if other in (a, b):
                continue
            if other in merged:
                merged[other] += score
            else:
                merged[other] = score
                theirs = links[other]
                theirs.pop(a, None)
                theirs.pop(b, None)
        links[new] = merged
        low_new = low[new]
        for other, score in merged.items():
            links[other][new] = score
            value = linkage(new, other, score)
            if value < threshold:
                continue
            low_other = low[other]
            if low_new <= low_other:
                heapq.heappush(heap, (-value, low_new, low_other, new, other))
            else:
                heapq.heappush(heap, (-value, low_other, low_new, other, new))
    return list(members.values())


def score_pairs(frames: list[Frame], pairs: Iterable[tuple[int, int]], docs: dict[str, Document],
                corpus: Corpus, model) -> dict[tuple[int, int], float]:
    """The score of each candidate pair of frames, summed over its figure pairs (the clustering
    divides by their number): two frames of different documents, the ``cross`` probability of the
    pair (pairs.py) for each of their figure pairs; two frames of one document, the ``within``
    probability of each of their figure pairs. Scored on every core (workers.py)."""
    # the frame pairs of one pair of documents in a row: pairs.document_pair remembers the last
    ordered = sorted(pairs, key=lambda p: (frames[p[0]].doc_id, frames[p[1]].doc_id, p))
    return dict(zip(ordered, map_ranges(score_range, len(ordered), frames, ordered, docs, corpus, model), strict=True))


def score_range(frames: list[Frame], ordered: list[tuple[int, int]], docs: dict[str, Document], corpus: Corpus,
                model, start: int, stop: int) -> list[float]:
    """The scores of ``ordered[start:stop]`` (score_pairs)."""
    scores = []
    for i, j in ordered[start:stop]:
        a, b = frames[i], frames[j]
        if a.doc_id == b.doc_id:
            doc = docs[a.doc_id]
            scores.append(sum(
                model.probability("within", within_features(x, y, doc, a.figures + b.figures))
                for x in a.figures for y in b.figures
            ))
            continue
        probability = model.probability("cross", frame_features(a, b, docs[a.doc_id], docs[b.doc_id], corpus))
        scores.append(probability * len(a.figures) * len(b.figures))
    return scores


def host_votes(frames: list[Frame], members: set[int]) -> Counter:
    return Counter(frames[i].host for i in members if frames[i].host)


class Summary:
    """What MergeRule checks of one cluster: its frames by document, owners, host votes and
    leading host (None when two hosts tie: the tie is then broken as host_votes breaks it)."""

    __slots__ = ("docs", "owners", "hosts", "top", "existing")

    def __init__(self, docs: dict, owners: set, hosts: Counter, existing: bool):
        self.docs, self.owners, self.hosts, self.existing = docs, owners, hosts, existing
        self.top = leading_host(hosts)


def leading_host(hosts: Counter) -> str | None:
    """The most voted host when it is alone at the top, else None."""
    if not hosts:
        return None
    best = max(hosts.values())
    leaders = [host for host, n in hosts.items() if n == best]
    return leaders[0] if len(leaders) == 1 else None


class MergeRule:
    """The constraints of the module docstring: no two frames of one document (or, "guarded",
    none the within-document model tells apart), one host, no disjoint principal parties.

    Called with two sets of items it answers directly; cluster_average instead keeps a Summary
    per cluster (``summary``, ``join``) and asks ``allows``, which costs the clusters' documents,
    owners and hosts, not their members' pairs. ``items`` maps an item to its frames (default:
    item i is frame i); ``existing``: items below it are existing deals, never merged together.
    """

    def __init__(self, frames: list[Frame], same_document: str = "apart",
                 apart: set[tuple[int, int]] = frozenset(), items: list[list[int]] | None = None,
                 existing: int = 0):
        self.frames, self.same_document, self.apart = frames, same_document, apart
        self.items, self.existing = items, existing

    def frames_of(self, members: set[int]) -> set[int]:
        return members if self.items is None else {f for i in members for f in self.items[i]}

    def __call__(self, a: set[int], b: set[int]) -> bool:
        if self.existing and min(a) < self.existing and min(b) < self.existing:
            return False  # two existing deals stay two (incremental.py)
        frames = self.frames
        a, b = self.frames_of(a), self.frames_of(b)
        if self.same_document == "apart" and {frames[i].doc_id for i in a} & {frames[i].doc_id for i in b}:
            return False
        if self.apart and any((min(i, j), max(i, j)) in self.apart for i in a for j in b
                              if frames[i].doc_id == frames[j].doc_id):
            return False
        if DISJOINT_PARTIES_APART:
            parties_a = set().union(*(frames[i].owners for i in a))
            parties_b = set().union(*(frames[i].owners for i in b))
            if parties_a and parties_b and not parties_a & parties_b:
                return False
        return hosts_agree(host_votes(frames, a), host_votes(frames, b))

    def summary(self, item: int) -> Summary:
        docs: dict[str, list[int]] = {}
        owners: set[str] = set()
        hosts: Counter = Counter()
        for number in ([item] if self.items is None else self.items[item]):
            frame = self.frames[number]
            docs.setdefault(frame.doc_id, []).append(number)
            owners |= frame.owners
            if frame.host:
                hosts[frame.host] += 1
        return Summary(docs, owners, hosts, item < self.existing)

    @staticmethod
    def join(x: Summary, y: Summary) -> Summary:
        """The summary of two merged clusters (the larger one is reused: both are retired)."""
        big, small = (x, y) if len(x.docs) >= len(y.docs) else (y, x)
        for doc_id, numbers in small.docs.items():
            big.docs.setdefault(doc_id, []).extend(numbers)
        big.owners |= small.owners
        big.hosts.update(small.hosts)
        big.top = leading_host(big.hosts)
        big.existing = big.existing or small.existing
        return big

    def allows(self, x: Summary, y: Summary, a: set[int], b: set[int]) -> bool:
        """``self(a, b)`` from the clusters' summaries (a and b only to break a tie of hosts)."""
        if x.existing and y.existing:
            return False
        small, big = (x, y) if len(x.docs) <= len(y.docs) else (y, x)
        shared = [doc_id for doc_id in small.docs if doc_id in big.docs]
        if shared and self.same_document == "apart":
            return False
        if shared and self.apart:
            for doc_id in shared:
                if any((min(i, j), max(i, j)) in self.apart for i in small.docs[doc_id] for j in big.docs[doc_id]):
                    return False
        if DISJOINT_PARTIES_APART and x.owners and y.owners and x.owners.isdisjoint(y.owners):
            return False
        if not x.hosts or not y.hosts:
            return True
        if x.top is None or y.top is None:  # a tie at the top: host_votes's order decides, as in __call__
            return hosts_agree(host_votes(self.frames, self.frames_of(a)), host_votes(self.frames, self.frames_of(b)))
        return x.top == y.top or x.top in y.hosts or y.top in x.hosts


def hosts_agree(votes_a: Counter, votes_b: Counter) -> bool:
    """One host: the clusters' leading hosts are the same, or each is among the other's votes."""
    if votes_a and votes_b:
        top_a = votes_a.most_common(1)[0][0]
        top_b = votes_b.most_common(1)[0][0]
        if top_a != top_b and top_a not in votes_b and top_b not in votes_a:
            return False
    return True


def merge_rule(frames: list[Frame], same_document: str = "apart",
               apart: set[tuple[int, int]] = frozenset()) -> MergeRule:
    """The constraints of the module docstring (MergeRule)."""
    return MergeRule(frames, same_document, apart)


def score_frames(frames: list[Frame], docs: dict[str, Document], corpus: Corpus, model
                 ) -> tuple[list[Frame], dict[tuple[int, int], float]]:
    """The frames in order (date, doc_id, index) and the scores of their candidate pairs."""
    frames = sorted(frames, key=lambda f: f.key)
    pairs = candidate_pairs(frames, same_document_rule(model), docs, corpus, model.component("cross").weights)
    return frames, score_pairs(frames, pairs, docs, corpus, model)


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


__all__ = ["MAX_BLOCK", "NEIGHBOURS", "blocking_keys", "candidate_pairs", "figure_buckets", "cluster_average",
           "cluster_frames", "MergeRule", "merge_rule", "score_frames", "score_pairs", "same_document_rule"]
