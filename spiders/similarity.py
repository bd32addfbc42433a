"""Near-duplicate detection: the same story under different URLs and headlines is one document.

A syndicated copy keeps the body of the original with small edits (a new headline, a credit
line, tracking parameters in its links); two reports of the same deal are written separately
and share facts, not sentences. Texts are compared as sets of word 5-grams ("shingles"):
copies share most of them, independent reports almost none.

Candidates come from MinHash LSH (the `datasketch` library, MinHash + MinHashLSH), so a run
compares each text with a handful of others instead of all of them; every candidate pair is
then confirmed with the exact Jaccard similarity of the shingle sets, so the decision does not
depend on hashing luck and is the same whatever the order of the documents. Without datasketch
installed the exact comparison runs on every pair of similar length (fine for small runs).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

logger = logging.getLogger(__name__)

SHINGLE_WORDS = 5
NUM_PERM = 128  # MinHash permutations: Jaccard estimates within about +-0.09 at 0.7
DEFAULT_THRESHOLD = 0.7  # Jaccard of 5-gram sets at or above which two texts are one story

_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def shingles(text: str, size: int = SHINGLE_WORDS) -> frozenset[str]:
    """Word n-grams of the lowercased text (the whole text when it is shorter than n words)."""
    words = _WORD.findall(text.lower())
    if len(words) <= size:
        return frozenset([" ".join(words)]) if words else frozenset()
    return frozenset(" ".join(words[i:i + size]) for i in range(len(words) - size + 1))


def jaccard(a: frozenset, b: frozenset) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def near_duplicate_pairs(texts: dict[str, str], threshold: float = DEFAULT_THRESHOLD) -> list[tuple[str, str]]:
    """Pairs of keys whose texts are near-duplicates (Jaccard of shingles >= threshold), sorted."""
    sets = {key: shingles(text) for key, text in texts.items() if text}
    sets = {key: value for key, value in sets.items() if value}
    pairs = set()
    for a, b in _candidates(sets, threshold):
        if jaccard(sets[a], sets[b]) >= threshold:
            pairs.add((min(a, b), max(a, b)))
    return sorted(pairs)


def _candidates(sets: dict[str, frozenset], threshold: float) -> Iterable[tuple[str, str]]:
    try:
        from datasketch import MinHash, MinHashLSH
    except ImportError:
        logger.warning("datasketch is not installed: comparing every pair of texts (slow for big runs)")
        yield from _all_pairs(sets, threshold)
        return
    # A lower LSH threshold than the decision one: LSH only proposes, the exact Jaccard decides.
    lsh = MinHashLSH(threshold=max(0.3, threshold - 0.2), num_perm=NUM_PERM)
    for key in sorted(sets):
        signature = MinHash(num_perm=NUM_PERM, seed=1)
        signature.update_batch(s.encode("utf-8") for s in sorted(sets[key]))
        for other in lsh.query(signature):
            yield other, key
        lsh.insert(key, signature)


def _all_pairs(sets: dict[str, frozenset], threshold: float) -> Iterable[tuple[str, str]]:
    keys = sorted(sets, key=lambda k: len(sets[k]))
    for i, a in enumerate(keys):
        for b in keys[i + 1:]:
            if len(sets[a]) < threshold * len(sets[b]):  # Jaccard <= |small| / |large|
                break
            yield a, b
