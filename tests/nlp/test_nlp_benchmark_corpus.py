"""The speed benchmark's corpus (benchmarks/corpus.py): deterministic, article-sized, extractable."""

from benchmarks.corpus import count_words, generate
from nlp.extract import extract_records


def test_same_seed_same_documents():
    assert list(generate(5, seed=7)) == list(generate(5, seed=7))
    assert list(generate(5, seed=7)) != list(generate(5, seed=8))


def test_documents_look_like_articles(nlp):
    docs = list(generate(40, seed=1))
    assert len({doc["id"] for doc in docs}) == 40
    for doc in docs:
        assert set(doc) == {"id", "title", "text", "published"}
        assert 300 <= count_words(doc) <= 1000
        assert "\n\n" in doc["text"]
    outputs = list(extract_records(docs, nlp))
    words = sum(count_words(doc) for doc in docs)
    figures = sum(len(out["commitments"]) for out in outputs)
    assert all(out["countries"] and out["companies"] for out in outputs)
    assert 50 <= words / figures <= 150  # one distinct figure every ~90 words, as in real coverage


def test_background_vocabulary_is_news_like_and_deterministic():
    import random

    from benchmarks.lexicon import Lexicon, with_background

    first, second = Lexicon(0, size=5000), Lexicon(0, size=5000)
    assert first.words == second.words
    rng = random.Random(1)
    text = " ".join(first.sentence(rng) for _ in range(4000))
    words = text.split()
    distinct = {word.strip(",.").lower() for word in words}
    # rare words keep coming, as in real text (the templates alone give about 1,500 in a million)
    assert len(distinct) > 0.05 * len(words)
    # and the commonest words take a realistic share of the text
    assert sum(word.lower().strip(",.") in {"the", "of", "and", "to", "a", "in"} for word in words) > 0.08 * len(words)
    record = {"id": "x", "text": "One paragraph here.\n\nAnother one."}
    padded = with_background(record, first, random.Random(2))
    assert padded["text"].startswith("One paragraph here.\n\n") and padded["id"] == "x"
    assert len(padded["text"].split("\n\n")) == 4
