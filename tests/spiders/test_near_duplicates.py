"""Near-duplicate detection: a syndicated copy is one story, another report of the deal is not."""

import random

from spiders.pipelines import make_content_hash, make_doc_id, select_documents
from spiders.similarity import jaccard, near_duplicate_pairs, shingles
from spiders.urls import canonicalize_url

ORIGINAL = (
    "Norway's government and Alpha signed an agreement on Tuesday to build a sovereign AI data center "
    "near Narvik. The first phase will provide 230 megawatts of capacity and house 100,000 GPUs by the "
    "end of 2027, the digital affairs ministry said in a statement. The site will run on hydropower "
    "from the regional grid and use the cold climate for cooling. Alpha will invest about 1 billion "
    "dollars in the first phase, and the government will buy compute for its universities and "
    "research institutes under a ten year contract. Construction starts in the spring, and the "
    "partners expect to hire 300 people in the region during the build."
)
SYNDICATED = (
    "This article first appeared on Alpha News and is republished with permission. "
    + ORIGINAL.replace("said in a statement", "said in a statement on Tuesday")
)
SAME_DEAL_OTHER_STORY = (
    "Analysts in Oslo questioned the economics of the Narvik AI project announced by Norway and Alpha. "
    "The 230 megawatt site depends on cheap hydropower, they said, and the grid operator has not yet "
    "confirmed the connection date. Critics in parliament asked who would pay for the new transmission "
    "line, while local officials welcomed the promised jobs. Alpha declined to comment on the cost of "
    "the 100,000 GPUs, which industry estimates put well above the announced budget of 1 billion dollars."
)


def doc(url, text, title, *, published="2025-09-16", via="feed", source="s", canonical=None):
    canonical = canonical or canonicalize_url(url)
    return {
        "doc_id": make_doc_id(canonical), "source_id": source, "url": canonicalize_url(url),
        "canonical_url": canonical, "title": title, "published": published, "discovered_via": via,
        "text": text, "content_hash": make_content_hash(text), "alternate_urls": [],
    }


def test_syndicated_copy_with_new_headline_and_tracking_parameters_is_one_story():
    original = doc("https://alpha.example/news/narvik", ORIGINAL, "Alpha and Norway sign Narvik deal")
    copy = doc("https://wire.example/tech/nordic-pact?utm_source=partner&utm_campaign=feed&fbclid=x#top",
               SYNDICATED, "Nordic nation inks giant AI compute pact", published="2025-09-17", source="wire")
    for order in ([original, copy], [copy, original]):
        kept, duplicates = select_documents(order)
        assert [d["url"] for d in kept] == ["https://alpha.example/news/narvik"]
        assert kept[0]["alternate_urls"] == ["https://wire.example/tech/nordic-pact"]
        assert duplicates[0]["duplicate_of"] == original["doc_id"]


def test_two_stories_about_the_same_deal_stay_two_documents():
    original = doc("https://alpha.example/news/narvik", ORIGINAL, "Alpha and Norway sign Narvik deal")
    other = doc("https://paper.example/narvik-questions", SAME_DEAL_OTHER_STORY, "Questions over Narvik",
                source="paper")
    kept, duplicates = select_documents([original, other])
    assert len(kept) == 2 and duplicates == []
    assert jaccard(shingles(ORIGINAL), shingles(SAME_DEAL_OTHER_STORY)) < 0.1
    assert jaccard(shingles(ORIGINAL), shingles(SYNDICATED)) > 0.8


def test_near_duplicate_detection_is_off_when_asked():
    original = doc("https://alpha.example/news/narvik", ORIGINAL, "A")
    copy = doc("https://wire.example/copy", SYNDICATED, "B", source="wire")
    kept, _ = select_documents([original, copy], near_threshold=None)
    assert len(kept) == 2


def test_many_distinct_texts_are_not_merged_and_copies_are_found():
    rng = random.Random(3)
    vocabulary = [f"w{i}" for i in range(5000)]
    texts = {f"d{i}": " ".join(rng.choice(vocabulary) for _ in range(200)) for i in range(300)}
    texts["copy"] = "Republished. " + texts["d17"]
    assert near_duplicate_pairs(texts) == [("copy", "d17")]


def test_amp_and_mobile_variants_are_one_document():
    original = doc("https://alpha.example/news/narvik/", ORIGINAL, "A")
    amp = doc("https://m.alpha.example/amp/news/narvik/?amp=1&utm_medium=social", ORIGINAL + " ", "A")
    kept, duplicates = select_documents([amp, original])
    assert len(kept) == 1 and len(duplicates) == 1
