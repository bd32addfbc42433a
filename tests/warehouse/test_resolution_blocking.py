"""The resolver's blocking at scale: without a budget it pairs exactly the frames the plain rule
pairs (a shared key, each frame with its nearest neighbours in a big block); with a budget the
pairs grow linearly with the frames, the most alike kept; and a frame kept between runs
(saved.py) scores as the frame framed again."""

from __future__ import annotations

import random
from collections import Counter
from datetime import date, timedelta

import numpy as np
import pytest

from warehouse.resolution import blocking
from warehouse.resolution.blocking import blocking_keys, candidate_pairs
from warehouse.resolution.features import Corpus
from warehouse.resolution.frames import Document, Figure, Frame, Party
from warehouse.resolution.pairs import frame_features
from warehouse.resolution.saved import pack, unpack

HOSTS = ["IN", "NO", "SA", None]
COMPANIES = ["Nscale", "Aker", "Humain", "Microsoft", "Nvidia", "Oracle"]
WORDS = ["narvik", "campus", "gpu", "hydro", "riyadh", "mumbai", "cloud", "region", "sovereign", "fund"]


def random_frames(rng: random.Random, count: int) -> list[Frame]:
    """Frames in report order, two per document, with hosts, parties, amounts and words."""
    frames = []
    for number in range(count):
        doc = f"doc-{number // 2:05d}"
        day = date(2025, 1, 1) + timedelta(days=number // 2)
        figures = [Figure(f"c{number}-{k}", doc, day, "money", float(rng.choice([1, 2, 5, 10])) * 1e9,
                          currency="USD", usd=float(rng.choice([1, 2, 5, 10])) * 1e9)
                   for k in range(rng.randint(1, 2))]
        parties = [Party(name, "investor", 1.0) for name in rng.sample(COMPANIES, rng.randint(0, 2))]
        frames.append(Frame(doc, number % 2, day, figures, host=rng.choice(HOSTS), parties=parties,
                            words=Counter(rng.sample(WORDS, 4))))
    return frames


def plain_pairs(frames: list[Frame]) -> list[tuple[int, int]]:
    """The rule as written before the budget: a shared key; a big block by neighbours."""
    index: dict[tuple, list[int]] = {}
    for number, frame in enumerate(frames):
        for key in blocking_keys(frame):
            index.setdefault(key, []).append(number)
    pairs = set()
    for numbers in index.values():
        reach = len(numbers) if len(numbers) <= blocking.MAX_BLOCK else blocking.NEIGHBOURS
        for x, i in enumerate(numbers):
            for j in numbers[x + 1:x + 1 + reach]:
                if frames[i].doc_id != frames[j].doc_id:
                    pairs.add((i, j))
    return sorted(pairs)


def documents(frames: list[Frame]) -> dict[str, Document]:
    return {f.doc_id: Document(f.doc_id, f.reported_on, names=Counter(f.words)) for f in frames}


def test_without_a_budget_the_pairs_are_the_plain_rules():
    frames = random_frames(random.Random(3), 400)
    assert candidate_pairs(frames, budget=None) == plain_pairs(frames)


def test_the_budget_bounds_the_pairs_per_frame_and_keeps_the_most_alike():
    frames = random_frames(random.Random(5), 600)
    docs = documents(frames)
    corpus = Corpus.of(docs, [])
    weights = {"frame_similarity": 1.0, "names_text": 1.0}
    every = candidate_pairs(frames, budget=None)
    kept = candidate_pairs(frames, "apart", docs, corpus, weights, budget=10)
    assert set(kept) < set(every)
    assert len(kept) <= 10 * len(frames)
    # each frame keeps (at least) its ten most alike candidates, by the similarity the budget ranks with
    i, j, _ = blocking.shared_strengths(frames)
    alike = blocking.similarity(frames, docs, corpus, i, j, weights)
    best: dict[int, list] = {}
    for a, b, value in zip(i.tolist(), j.tolist(), alike.tolist(), strict=True):
        best.setdefault(a, []).append((-value, abs(a - b), b))
        best.setdefault(b, []).append((-value, abs(a - b), a))
    chosen = set(kept)
    for frame, ranked in best.items():
        for _, _, other in sorted(ranked)[:10]:
            assert (min(frame, other), max(frame, other)) in chosen
    # a corpus no frame of which has more candidates than the budget is left whole
    assert candidate_pairs(frames[:40], "apart", docs, corpus, weights, budget=1000) == every_pairs(frames[:40])


def every_pairs(frames: list[Frame]) -> list[tuple[int, int]]:
    return candidate_pairs(frames, budget=None)


def test_a_kept_frame_scores_as_the_frame_itself():
    frames = random_frames(random.Random(7), 8)
    docs = documents(frames)
    corpus = Corpus.of(docs, [])
    a, b = frames[0], frames[2]
    kept_doc, kept_frames = unpack(pack(docs[a.doc_id], [a, frames[1]]))
    assert [f.index for f in kept_frames] == [0, 1]
    assert frame_features(kept_frames[0], b, kept_doc, docs[b.doc_id], Corpus.of(docs, [])) == \
        frame_features(a, b, docs[a.doc_id], docs[b.doc_id], corpus)


def test_an_increment_reads_back_the_kept_frames_instead_of_framing_again(con, sources, tmp_path):
    """A full build keeps every framed document's frames (migration 043); an increment reads back
    the ones its new frames are compared with and gives the deals a full rebuild gives."""
    from tests.warehouse.test_resolution_incremental import STARGATE_UAE_FIRST, all_doc_ids, deals, load_some
    from warehouse.load import load_sources
    from warehouse.resolution.incremental import update_deals

    load_sources(con, sources)
    first_week = {STARGATE_UAE_FIRST, "ff99da95c58b709d", "b88afe0373ef2dc9", "5d28ffa7267b50c0"}
    load_some(con, tmp_path, first_week)
    assert update_deals(con)["mode"] == "full"
    kept = con.execute("select count(*), count(distinct doc_id) from resolver_frame_facts").fetchall()[0]
    framed = con.execute("select count(distinct doc_id) from resolver_frames").fetchall()[0][0]
    assert kept[0] > 0 and kept[1] == framed
    assert con.execute("select count(*) from resolver_document_states").fetchall()[0][0] == framed
    load_some(con, tmp_path, set(all_doc_ids()) - first_week)
    counts = update_deals(con)
    assert counts["mode"] == "incremental" and counts["frames_read_back"] > 0
    assert con.execute("select count(*) from resolver_document_states").fetchall()[0][0] == \
        con.execute("select count(distinct doc_id) from resolver_frames").fetchall()[0][0]
    incremental = deals(con)
    assert update_deals(con, full=True)["mode"] == "full"
    assert deals(con) == incremental


def test_the_budgets_similarity_is_the_features_and_does_not_depend_on_word_order():
    # the budget ranks by the same tf-idf cosines the cross model reads (frame_similarity), and a
    # frame's words counted in another order (they come from a set of sentences, whose order
    # follows the hash seed) rank it exactly the same: the budget's ties must not move between runs
    rng = random.Random(7)
    vocabulary = [f"word{k}" for k in range(40)]
    day = date(2025, 7, 31)
    docs = {d: Document(d, day) for d in ("d1", "d2", "d3")}
    for _ in range(100):
        words = {w: rng.randint(1, 9) for w in rng.sample(vocabulary, 12)}
        corpus = Corpus(documents=50, word_docs=Counter({w: rng.randint(0, 40) for w in vocabulary}))
        a = Frame("d1", 0, day, [], words=Counter(words))
        b = Frame("d2", 0, day, [], words=Counter(dict(reversed(list(words.items())))))
        c = Frame("d3", 0, day, [], words=Counter({w: rng.randint(1, 9) for w in rng.sample(vocabulary, 12)}))
        alike = blocking.similarity([a, b, c], docs, corpus, np.array([0, 0, 1]), np.array([1, 2, 2]),
                                    {"frame_similarity": 1.0})
        assert alike[0] == pytest.approx(1.0)
        assert alike[1] == alike[2]  # bit for bit
        assert alike[1] == pytest.approx(corpus.cosine(a.words, c.words))
