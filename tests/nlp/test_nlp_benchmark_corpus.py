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
