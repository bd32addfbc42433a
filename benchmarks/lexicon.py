"""A deterministic vocabulary with the word statistics of news text, for the benchmark corpus.

Real news has tens of thousands of distinct words per million (Heaps' law: about 40,000 to
60,000 for English newswire), most of them rare. The corpus templates alone use about 1,500,
so spaCy's tokenizer would answer nearly every token from its cache and never create a lexeme:
a bare-tokenizer baseline on such text is several times faster than on real articles, and every
per-token cost of the pipeline looks proportionally bigger than it is.

``Lexicon`` fills that gap without copying anyone's word list: the most frequent ranks are common
English function and news words (listed below), and the long tail is pronounceable made-up words
built from syllables, some capitalised like names, some hyphenated, some with a possessive.
Ranks are drawn from a Zipf-Mandelbrot distribution, so a million words of background text bring
about 45,000 distinct tokens. ``sentence(rng)`` writes one background sentence.

Everything depends only on the seed: the same seed gives the same words in the same order.
"""

from __future__ import annotations

import bisect
import itertools
import random

COMMON = (
    "the of and to a in for is on that said with as by at from it was be has have are will its an "
    "this which but not or more than also after year their they new been were would had about "
    "over into up who one two last could other some when most first out people all there no can "
    "government company market companies plans plan million billion percent state officials "
    "while under since between because during before against through would group country "
    "president minister week month industry investment project data energy power capacity "
    "demand supply cost costs price prices sector public private deal deals talks agreement "
    "local national foreign region regional report reported according statement told spokesman "
    "spokeswoman analysts analyst expected expects added including such these those where what "
    "how may might should still only even much many any each both few next early late later "
    "time years months weeks days today yesterday however although already again around across"
).split()

ONSETS = ("", "b", "br", "c", "ch", "cl", "d", "dr", "f", "fl", "g", "gr", "h", "j", "k", "l",
          "m", "n", "p", "pl", "pr", "qu", "r", "s", "sh", "sk", "st", "str", "t", "th", "tr",
          "v", "w", "z")
NUCLEI = ("a", "e", "i", "o", "u", "ai", "ea", "ee", "io", "oa", "ou", "y")
CODAS = ("", "", "", "n", "r", "s", "t", "l", "m", "nd", "nt", "st", "rk", "ng", "x", "ck")
ENDINGS = ("", "", "", "", "ing", "ed", "er", "ers", "tion", "ly", "ment", "ness", "al", "ity", "s")


class Lexicon:
    """``size`` words by rank, and a sampler of ranks with Zipf-Mandelbrot weights."""

    def __init__(self, seed: int = 0, size: int = 60_000, exponent: float = 1.0, shift: float = 1.0):
        rng = random.Random(f"lexicon-{seed}")
        words: list[str] = list(COMMON)
        seen = set(words)
        while len(words) < size:
            word = "".join(rng.choice(ONSETS) + rng.choice(NUCLEI) + rng.choice(CODAS)
                           for _ in range(rng.choice((1, 1, 2, 2, 2, 3)))) + rng.choice(ENDINGS)
            if not 3 <= len(word) <= 14 or word in seen:
                continue
            shape = rng.random()
            if shape < 0.18:
                word = word.capitalize()  # names of people, places and firms
            elif shape < 0.21:
                word = f"{word}-{rng.choice(words[len(COMMON):] or COMMON)}"
            elif shape < 0.23:
                word = word.capitalize() + "'s"
            seen.add(word)
            words.append(word)
        self.words = words
        self.cumulative = list(itertools.accumulate(1.0 / (rank + shift) ** exponent for rank in range(size)))

    def word(self, rng: random.Random) -> str:
        """One word drawn by frequency."""
        index = bisect.bisect_left(self.cumulative, rng.random() * self.cumulative[-1])
        return self.words[min(index, len(self.words) - 1)]

    def sentence(self, rng: random.Random, low: int = 10, high: int = 30) -> str:
        """A background sentence of ``low`` to ``high`` words, with commas and a full stop."""
        count = rng.randint(low, high)
        parts = []
        for position in range(count):
            word = self.word(rng)
            if position and position < count - 2 and rng.random() < 0.06:
                word += ","
            parts.append(word)
        parts[0] = parts[0][:1].upper() + parts[0][1:]
        return " ".join(parts) + "."


def with_background(record: dict, lexicon: Lexicon, rng: random.Random) -> dict:
    """The record with a background paragraph after each of its paragraphs, as long as it.

    Deal coverage is half context (history, markets, quotes, local colour); this context is where
    most of an article's rare words are. Half the words then come from the templates and half
    from ``lexicon``, which gives a million words about 45,000 distinct tokens.
    """
    paragraphs = []
    for paragraph in record["text"].split("\n\n"):
        paragraphs.append(paragraph)
        left, sentences = len(paragraph.split()), []
        while left > 0:
            sentence = lexicon.sentence(rng, min(10, left), max(10, min(30, left)))
            left -= sentence.count(" ") + 1
            sentences.append(sentence)
        paragraphs.append(" ".join(sentences))
    return dict(record, text="\n\n".join(paragraphs))
