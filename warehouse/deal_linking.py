"""Step 3b of warehouse/deals.py: link the deals the leader clustering left apart. Pure: no database.

The leader clustering (warehouse/deal_clustering.py) joins a report to a deal only on strong,
local evidence: the same country, a company match against the founder's, within weeks, or the same
figure. It is precise, and it leaves one real deal in pieces when its reports disagree on those:
a programme reported over two years, a deal placed in the buyer's country by one report and the
host's by another, a report naming the project and not its parties. On the development set, the
pieces of a deal are what keeps recall low: merging the rules' deals by their key's majority deal
would lift pairwise recall from 0.67 to 0.90.

Here two deals are compared as wholes, with what each has gathered from all its reports:

- candidate pairs (``candidate_pairs``): deals that may share a place (the same anchor, one's
  anchor among the countries the other is known by, or one without anchor that shares a company
  with the other or where either names none: ``may_share_place``), reported within
  LINK_WINDOW_DAYS of each other, sharing a company they are known by or the amount bucket of a
  headline or own-sentence figure; of those, the MAX_COMPARED earlier deals sharing the most with
  it. Two deals with a document in common are compared only when the later repeats a figure of
  the earlier (``may_share_document``: that article told them apart), and two deals whose
  founders named different principal pairs never are (``may_share_principals``);
- features (``pair_features``, FEATURES): the company match (core, principal pair, the companies
  and main companies they are known by, the same with suppliers left out, two chip makers), the
  places (the same anchor, none, known countries), the time between them, the figures the later
  deal repeats from the earlier one (in headline or own sentences, or any; those that are not
  round amounts, ``is_round``; confirmed by two reports), whether they state other money or chips,
  a shared document, deal types, how many reports each has, and how alike their titles are;
- a probability from gradient-boosted trees (``LinkModel``, data/deal_links.json) learned on the
  development set's pairs of rules deals and the sample key's (app/deal_link_training.py, never on
  the blind test part), labelled by whether the key puts most of their figures in one deal; pairs
  that share only a round, unconfirmed figure while stating other money and naming no common
  company are not scored (``untied``);
- a leader linking in founding order (``link_groups``): a deal joins the earlier group whose
  members' average probability with it (a pair not compared counts 0) is highest and at least the
  threshold; the group's deals are merged into its earliest one.

Why trees and not the rules' style: the signals interact (two reports of one company in one
country are one deal when they repeat a figure, two when they state other money; a long gap is
harmless between reports of one programme and decisive between one company's yearly plans), and
the labelled pairs are few (849 on dev, 68 of them one deal, and 87 of the sample's); trees of
depth two learn such interactions from few examples. The threshold has the best cross-validated
F0.5 among those from which precision (folds by deal, app/deal_link_training.py) stays within one
standard error of the rules' own at every stricter threshold.

Before the linking, the pieces of one article's story are gathered into its deal
(``gather_stories``): a sentence naming no known company or repeating no figure of the article's
deal founds a deal of its own in the leader clustering.

In a weekly increment, only the deals founded by the new documents are linked, to those restored
and to each other: two stored deals are never merged (as in the leader clustering). The title
words of a restored deal's earlier documents are read from the warehouse only when a new deal is
compared with it (an increment restores every deal of the new documents' countries).
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy

from nlp.places import public_programmes, umbrella_projects
from warehouse.deal_clustering import Clustering, Deal, jaccard, same_founders, two_chip_makers
from warehouse.deal_figures import (
    MIN_JACCARD,
    STATED_KINDS,
    TIER_W,
    WINDOW_DAYS,
    DocContext,
    Figure,
    is_round,
    lookup_keys,
)
from warehouse.resolution.features import SUPPLIER_TYPES, USD_TOLERANCE
from warehouse.resolution.frames import company_registry

LINKS_FILE = Path(__file__).parent / "data" / "deal_links.json"
LINK_WINDOW_DAYS = 2 * 366  # the longest a programme is reported over (dev: up to 694 days apart)
MAX_SHARED = 400  # a name or amount key held by more deals than this blocks nothing (too common)
MAX_COMPARED = 8  # the earlier deals a deal is compared with: those sharing the most with it
NOWHERE = ""  # the place a deal without anchor is listed under (``candidate_pairs``)
FEATURES = (
    "core_j", "core_sub", "core_empty", "principal_same", "names_j", "named_j", "names_any", "chip_conflict",
    "buyers_j", "buyers_any", "anchor_same", "anchor_none", "anchor_known", "countries_j", "gap_log", "gap_window",
    "shared", "shared_strong", "shared_any", "shared_specific", "confirmed", "disagree", "share_doc", "types_same",
    "reports_min", "reports_max", "title_j",
)
_WORD = re.compile(r"[a-z][a-z0-9\-]+")
_STOP = frozenset(
    "the a an and of in to for on with by at from as is its it new will be has have that this ai data centre "
    "center centres centers billion million bn deal says said plans plan".split()
)


def title_words(title: str | None) -> frozenset[str]:
    """The words of a title that can tell two stories apart (lower case, common words left out)."""
    return frozenset(w for w in _WORD.findall((title or "").casefold()) if w not in _STOP)


@dataclass
class Sketch:
    """What a deal is known by, computed once for all its pairs."""

    names: frozenset[str]  # its core and the companies it is known by
    named: frozenset[str]  # the main companies of its documents
    countries: frozenset[str]  # its anchor and the countries it is known by
    words: Counter  # title words, each counted once per document
    word_total: int = 0
    # its figures by amount (what same_figure compares): one of them, how many, how many not W
    amounts: list[tuple[Figure, int, int]] = field(default_factory=list)
    stated: tuple[list[float], ...] = ()  # the amounts it states of each of STATED_KINDS, sorted (Deal.stated)

    @classmethod
    def of(cls, deal: Deal, words: Counter) -> Sketch:
        countries = deal.known("countries") | ({deal.anchor} if deal.anchor else frozenset())
        amounts: dict[tuple, list] = {}
        for figure, _ in deal.members:
            amount = (figure.kind, figure.currency, figure.amount, figure.usd)
            found = amounts.get(amount)
            if found is None:
                found = amounts[amount] = [figure, 0, 0]
            found[1] += 1
            found[2] += figure.tier != TIER_W
        return cls(frozenset(deal.core | deal.known("companies")), frozenset(deal.named), frozenset(countries), words,
                   sum(words.values()), [tuple(found) for found in amounts.values()],
                   tuple(sorted(float(v) for v in deal.stated.get(kind, ())) for kind in STATED_KINDS))


def deal_words(deal: Deal, contexts: dict[str, DocContext]) -> Counter:
    """Title words of the deal's documents (``DocContext.title_words``), each counted once per document."""
    words: Counter = Counter()
    for doc_id in deal.docs:
        ctx = contexts.get(doc_id)
        if ctx is not None:
            words.update(ctx.title_words)
    return words


def _any_near(ours: list[float], theirs: list[float]) -> bool:
    """Whether two sorted lists of amounts hold two within USD_TOLERANCE of each other (the
    closest pairs are neighbours once both are merged in order)."""
    i = j = 0
    while i < len(ours) and j < len(theirs):
        x, y = ours[i], theirs[j]
        if abs(x - y) <= USD_TOLERANCE * max(x, y):
            return True
        if x < y:
            i += 1
        else:
            j += 1
    return False


def pair_features(a: Deal, b: Deal, sa: Sketch, sb: Sketch) -> list[float]:
    """The FEATURES of an earlier-founded deal ``a`` and a later one ``b``, in that order."""
    core_a, core_b = a.core, b.core
    buyers_a, buyers_b = sa.names - suppliers(), sb.names - suppliers()
    gap = max(0, max(a.first_day, b.first_day) - min(a.last_day, b.last_day))
    shared = strong = specific = confirmed = 0
    for figure, count, strong_count in sb.amounts:
        held = a.documents_holding(figure)
        if held:
            shared += count
            strong += strong_count
            specific += not is_round(figure.amount)
            confirmed += held >= 2
    disagree = 0
    for ours, theirs in zip(sa.stated, sb.stated, strict=True):
        if ours and theirs and not _any_near(ours, theirs):
            disagree += 1
    wa, wb = (sa.words, sb.words) if len(sa.words) <= len(sb.words) else (sb.words, sa.words)
    common = sum(min(count, wb[word]) for word, count in wa.items() if word in wb)
    union = sa.word_total + sb.word_total - common  # what Counter's | and & would count
    return [
        jaccard(core_a, core_b) if core_a and core_b else 0.0,
        float(bool(core_a and core_b and (core_a <= core_b or core_b <= core_a))),
        float(not core_a) + float(not core_b),
        float(len(a.principal) == 2 and a.principal == b.principal),
        jaccard(sa.names, sb.names) if sa.names and sb.names else 0.0,
        jaccard(sa.named, sb.named) if sa.named and sb.named else 0.0,
        float(not sa.names.isdisjoint(sb.names)),
        float(two_chip_makers(sa.names, sb.names)),
        jaccard(buyers_a, buyers_b) if buyers_a and buyers_b else 0.0,
        float(not buyers_a.isdisjoint(buyers_b)),
        float(a.anchor is not None and a.anchor == b.anchor),
        float(a.anchor is None or b.anchor is None),
        float(a.anchor in sb.countries or b.anchor in sa.countries),
        jaccard(sa.countries, sb.countries) if sa.countries and sb.countries else 0.0,
        math.log1p(gap),
        float(gap <= WINDOW_DAYS),
        math.log1p(shared),
        math.log1p(strong),
        float(shared > 0),
        math.log1p(specific),
        float(confirmed > 0),
        float(disagree),
        float(not a.docs.isdisjoint(b.docs)),
        float(bool(a.types() & b.types())),
        math.log1p(min(a.reports, b.reports)),
        math.log1p(max(a.reports, b.reports)),
        common / union if union else 0.0,
    ]


def may_share_document(a: Deal, b: Deal, sb: Sketch) -> bool:
    """Two deals with a document in common were told apart in it by the leader clustering (other
    companies, another country, other money): they are compared only when the later one repeats
    a figure of the earlier one."""
    return a.docs.isdisjoint(b.docs) or any(a.documents_holding(figure) for figure, _, _ in sb.amounts)


def may_share_principals(a: Deal, b: Deal) -> bool:
    """Two deals whose founders each named a principal pair are compared only when it is the same
    pair: different principal parties make different deals (Microsoft's programme with G42 and
    G42's cluster with OpenAI, in one country and sharing a round capacity)."""
    return len(a.principal) < 2 or len(b.principal) < 2 or a.principal == b.principal


def may_share_place(a: Deal, b: Deal, sa: Sketch, sb: Sketch) -> bool:
    """The same anchor, or one's anchor among the countries the other is known by; a deal without
    anchor, with any deal it shares a company with (or when one of them names no company): a
    place is no evidence then, and a shared figure alone links two companies' deals anywhere."""
    if a.anchor is None or b.anchor is None:
        return not (a.core and b.core) or not sa.names.isdisjoint(sb.names)
    return a.anchor == b.anchor or a.anchor in sb.countries or b.anchor in sa.countries


_UNTIED = tuple(FEATURES.index(name) for name in ("names_any", "shared_specific", "confirmed"))
_DISAGREE, _SHARED = FEATURES.index("disagree"), FEATURES.index("shared_any")


def untied(row: list[float]) -> bool:
    """Whether a pair's FEATURES show that the two deals share only a round figure ("1 GW") no two
    reports of the earlier deal confirm, while they state other money or chips and have no company
    in common. Such pairs are not linked (on dev, 3 of 15 such labelled pairs were one deal; the
    trees, seeing few of them, had linked the sample's Fluidstack supercomputer and the
    UAE-backed campus in France, told without companies, by their 1 GW)."""
    return row[_DISAGREE] > 0 and row[_SHARED] > 0 and not any(row[i] for i in _UNTIED)


def compared_pairs(deals: list[Deal], sketches: list[Sketch], linkable: Iterable[int] | None = None,
                   candidates: list[tuple[int, int]] | None = None) -> tuple[list[tuple[int, int]], list[list[float]]]:
    """The candidate pairs (``candidate_pairs``, unless given as ``candidates``) the trees score,
    with their FEATURES: those not ``untied``."""
    pairs, rows = [], []
    for i, j in candidates if candidates is not None else candidate_pairs(deals, sketches, linkable):
        row = pair_features(deals[i], deals[j], sketches[i], sketches[j])
        if not untied(row):
            pairs.append((i, j))
            rows.append(row)
    return pairs, rows


def candidate_pairs(deals: list[Deal], sketches: list[Sketch], linkable: Iterable[int] | None = None
                    ) -> list[tuple[int, int]]:
    """Pairs (i, j) of indexes into ``deals`` (in founding order, i before j) that may be one
    deal (module docstring); ``linkable``: only pairs whose later deal is one of these.

    A deal is listed under each of its countries (``Sketch.countries``; none: NOWHERE) with each
    company it is known by and each amount bucket of its figures; a deal looks up those of its
    own countries and NOWHERE (a deal without anchor, every listing)."""
    placed: dict[tuple, list[int]] = {}
    unplaced: dict[tuple, list[int]] = {}
    for i, (deal, sketch) in enumerate(zip(deals, sketches, strict=True)):
        for token in _listed_tokens(deal, sketch):
            unplaced.setdefault(token, []).append(i)
            for place in sketch.countries or (NOWHERE,):
                placed.setdefault((place, token), []).append(i)
    wanted = range(len(deals)) if linkable is None else sorted(set(linkable))
    pairs = []
    for j in wanted:
        b, sb = deals[j], sketches[j]
        shared: Counter = Counter()
        for token in _wanted_tokens(b, sb):
            lists = ([unplaced.get(token, ())] if b.anchor is None
                     else [placed.get((place, token), ()) for place in (*sb.countries, NOWHERE)])
            found: set[int] = set()
            for listed in lists:
                if len(listed) <= MAX_SHARED:
                    found.update(i for i in listed if i < j)
            shared.update(found)
        kept = []
        for i in sorted(shared, key=lambda i: (-shared[i], -i)):
            a, sa = deals[i], sketches[i]
            if (max(0, max(a.first_day, b.first_day) - min(a.last_day, b.last_day)) <= LINK_WINDOW_DAYS
                    and may_share_place(a, b, sa, sb) and may_share_document(a, b, sb)
                    and may_share_principals(a, b)):
                kept.append(i)
                if len(kept) == MAX_COMPARED:
                    break
        pairs += [(i, j) for i in sorted(kept)]
    return pairs


def _listed_tokens(deal: Deal, sketch: Sketch) -> set[tuple]:
    """What a deal is listed under: the companies it is known by and the amount buckets of its
    headline and own-sentence figures, and of its figures of an amount few deals share by chance
    ("54 MW", "4.75 GW": not ``is_round``) wherever they stand (those of a deal an increment
    restored: of its stand-ins)."""
    tokens: set[tuple] = {("company", name) for name in sketch.names | sketch.named}
    tokens.update(key for key, held in deal.by_amount.items()
                  if any(f.tier != TIER_W or not is_round(f.amount) for f in held))
    return tokens


def _wanted_tokens(deal: Deal, sketch: Sketch) -> set[tuple]:
    """What a deal looks up: its companies, and the buckets a figure the same as one of its
    headline and own-sentence figures, or of its figures that are not round, can be listed under."""
    tokens: set[tuple] = {("company", name) for name in sketch.names | sketch.named}
    tokens.update(key for figure, _, strong in sketch.amounts if strong or not is_round(figure.amount)
                  for key in lookup_keys(figure))
    return tokens


@dataclass
class LinkModel:
    """Gradient-boosted trees over FEATURES: ``trees`` as node lists (feature index, threshold,
    left, right, value; a leaf has feature -1), ``base`` the starting log-odds."""

    base: float
    trees: list[list[list[float]]]
    threshold: float

    @classmethod
    def from_dict(cls, data: dict) -> LinkModel:
        if list(data["features"]) != list(FEATURES):
            raise ValueError(f"{LINKS_FILE.name}: its features are not the ones deal_linking.py computes")
        return cls(float(data["base"]), data["trees"], float(data["threshold"]))

    def probability(self, x: list[float]) -> float:
        return float(self.probabilities([x])[0])

    def probabilities(self, rows: list[list[float]]) -> numpy.ndarray:
        """The probability of each row of FEATURES (all rows at once: each tree is walked by
        numpy for every row, level by level)."""
        matrix = numpy.asarray(rows, dtype=float).reshape(-1, len(FEATURES))
        total = numpy.full(len(matrix), self.base)
        at = numpy.arange(len(matrix))
        for nodes in self._arrays():
            feature, threshold, left, right, value = nodes
            node = numpy.zeros(len(matrix), dtype=int)
            inner = feature[node] >= 0
            while inner.any():
                rows_in = at[inner]
                here = node[rows_in]
                goes_left = matrix[rows_in, feature[here]] <= threshold[here]
                node[rows_in] = numpy.where(goes_left, left[here], right[here])
                inner = feature[node] >= 0
            total += value[node]
        return 1.0 / (1.0 + numpy.exp(-total))

    def _arrays(self) -> list[tuple[numpy.ndarray, ...]]:
        if self.__dict__.get("_cached") is None:
            self.__dict__["_cached"] = [
                tuple(numpy.array([node[k] for node in nodes], dtype=int if k in (0, 2, 3) else float)
                      for k in range(5))
                for nodes in self.trees
            ]
        return self.__dict__["_cached"]


@lru_cache(maxsize=1)
def suppliers() -> frozenset[str]:
    """The companies the registry lists as chip, server or network makers (SUPPLIER_TYPES): a deal
    sharing only its supplier with another shares little (Nvidia supplies most of them)."""
    return frozenset(name for name, row in company_registry().items() if row.get("type") in SUPPLIER_TYPES)


@lru_cache(maxsize=1)
def link_model() -> LinkModel:
    return LinkModel.from_dict(json.loads(LINKS_FILE.read_text(encoding="utf-8")))


def link_groups(n: int, scored: dict[tuple[int, int], float], threshold: float,
                fixed: Iterable[int] = ()) -> list[int]:
    """The group of each of ``n`` deals (in founding order), by the leader linking of the module
    docstring: the group's index is its earliest deal's. ``scored``: (i, j) -> probability, i < j;
    ``fixed``: deals that stay where they are (stored deals of an increment)."""
    fixed = set(fixed)
    group = list(range(n))
    size = [1] * n
    earlier: dict[int, list[tuple[int, float]]] = {}
    for (i, j), p in scored.items():
        earlier.setdefault(j, []).append((i, p))
    for j in range(n):
        if j in fixed or j not in earlier:
            continue
        sums: Counter = Counter()
        for i, p in earlier[j]:
            sums[group[i]] += p
        best, best_score = None, 0.0
        for g in sorted(sums):
            score = sums[g] / size[g]
            if score >= threshold and (best is None or score > best_score):
                best, best_score = g, score
        if best is not None:
            group[j] = best
            size[best] += 1
    return group


StoredWords = Callable[[list[Deal]], dict[int, Counter]]


def link_deals(clustering: Clustering, stored_words: StoredWords | None = None, new_from: int = 0,
               model: LinkModel | None = None) -> int:
    """Merge the clustering's deals that the model links (module docstring); returns how many
    were merged into others. ``stored_words``: a function giving the title words of the restored
    deals asked (by ``id``), whose earlier documents are not in the clustering's contexts; it is
    asked only for those a new deal is compared with (an increment restores thousands);
    ``new_from``: the founding order from which deals are new (an increment's: only those are
    linked, to any deal)."""
    model = model or link_model()
    deals = sorted(clustering.deals, key=lambda d: d.order)
    restored = [d.order < new_from for d in deals]
    sketches = [Sketch.of(d, Counter() if old and stored_words else deal_words(d, clustering.contexts))
                for d, old in zip(deals, restored, strict=True)]
    fixed = [i for i, old in enumerate(restored) if old]
    candidates = candidate_pairs(deals, sketches, None if not fixed else range(len(fixed), len(deals)))
    if stored_words:
        wanted = sorted({i for pair in candidates for i in pair if restored[i]})
        found = stored_words([deals[i] for i in wanted]) if wanted else {}
        for i in wanted:
            words = found.get(id(deals[i])) or deal_words(deals[i], clustering.contexts)
            sketches[i].words, sketches[i].word_total = words, sum(words.values())
    pairs, rows = compared_pairs(deals, sketches, candidates=candidates)
    found = model.probabilities(rows)
    scored = {pair: float(p) for pair, p in zip(pairs, found, strict=True)}
    groups = link_groups(len(deals), scored, model.threshold, fixed)
    merged = 0
    for j, g in enumerate(groups):
        if g != j:
            clustering.merge(deals[j], into=deals[g], listed=False)
            merged += 1
    clustering.deals = [d for d in clustering.deals if not d.dropped]
    return merged


def may_hold(main: Deal, piece: Deal) -> bool:
    """Whether ``piece`` may be a part of ``main`` by its parties: it names no company, or none the
    main deal is not known by, or half of theirs are shared; never two chip makers' contracts,
    nor two different principal pairs. (A piece naming companies the main deal does not know may
    be theirs: "the planned GBP 10bn campus at Blyth being developed by QTS" in a Stargate UK story.)"""
    if piece.core:
        if not main.core or two_chip_makers(piece.core, main.core):
            return False
        if not (piece.core <= main.core | main.known("companies") or jaccard(main.core, piece.core) >= MIN_JACCARD):
            return False
    return may_share_principals(main, piece)


def other_projects(a: Deal, b: Deal) -> bool:
    """Whether both deals' figures name projects and none in common (names that gather several
    deals, ``umbrella_projects``, left out): "Stargate UAE" and the "UAE-US AI Campus" it stands
    on are two deals, even told in the same reports."""
    umbrellas = umbrella_projects()
    ours = {p for p in a.tallies().get("projects", ()) if p not in umbrellas}
    theirs = {p for p in b.tallies().get("projects", ()) if p not in umbrellas}
    return bool(ours and theirs) and ours.isdisjoint(theirs)


def one_story(deals: list[Deal]) -> bool:
    """Whether the deals a document's figures went to tell one story: no two of them were founded
    by parties that cannot be the same (a round-up of several companies' projects is not)."""
    cores = [d.core for d in deals if d.core]
    return all(same_founders(x, y) for i, x in enumerate(cores) for y in cores[i + 1:])


def gather_stories(clustering: Clustering, new_from: int = 0) -> int:
    """Merge each piece of a story into its main deal (step 3a of warehouse/deals.py); returns how
    many pieces were merged.

    A piece is a deal at least half of whose documents report another deal of the same anchor, by
    its parties (``may_hold``) and naming no other project (``other_projects``), in documents that
    tell one story (``one_story``): the leader clustering places each sentence of an article on its
    own, and a sentence that names no company or repeats no figure of the article's deal founds a
    deal of its own ("Data4 will spend EUR 1bn in Italy. The Milan campus will cost EUR 500m, for up
    to 100 MW" as three deals). Most articles report one deal (dev: 454 of 530 with a deal); those
    reporting several tell them apart by their parties or their place, which both conditions keep.
    Half, not all: a report repeating the piece's figures founds it ("Stage 1 brings 90 MW" in a
    council's approval and in the company's funding round), and it is still a piece of the deal the
    funding round's article tells (dev: pairwise recall 0.636 -> 0.653, precision 0.760 -> 0.757).
    The piece goes into the deal with the most reports (then one naming companies, then the earliest
    founded: ``_main_first``); a piece naming no company goes into a deal naming some even when it
    has more reports (headlines calling the partners by names the registry does not know, "Megawide
    and EDC plan $300m", found a deal without companies that the outlets' body sentences, naming
    "Megawide Construction", also report: dev 0.750 / 0.675 -> 0.752 / 0.679). In an increment, only
    deals founded by the new documents (``order >= new_from``) are pieces."""
    merged = 0
    changed = True
    while changed:
        changed = False
        by_doc: dict[str, list[Deal]] = {}
        for deal in clustering.deals:
            if not deal.dropped:
                for doc_id in deal.docs:
                    by_doc.setdefault(doc_id, []).append(deal)
        told = {doc_id: one_story(deals) for doc_id, deals in by_doc.items() if len(deals) > 1}
        for doc_id in sorted(told):
            deals = [d for d in by_doc[doc_id] if not d.dropped]
            if len(deals) < 2:
                continue
            deals.sort(key=_main_first)
            for piece in reversed(deals):
                if piece.dropped or piece.order < new_from or not all(told.get(doc, True) for doc in piece.docs):
                    continue
                main = next((d for d in deals if d is not piece and not d.dropped
                             and 2 * len(piece.docs & d.docs) >= len(piece.docs)
                             and (_main_first(d) < _main_first(piece) or (not piece.core and bool(d.core)))
                             and d.anchor == piece.anchor and may_hold(d, piece)
                             and not other_projects(d, piece)), None)
                if main is not None:
                    clustering.merge(piece, into=main, listed=False)
                    merged += 1
                    changed = True
        clustering.deals = [d for d in clustering.deals if not d.dropped]
    return merged


def gather_pieces(clustering: Clustering, new_from: int = 0) -> None:
    """Step 3a: the pieces of one story gathered (``gather_stories``), then the deals of one
    project joined (``join_projects``); what the linking (and its training) starts from."""
    gather_stories(clustering, new_from)
    join_projects(clustering, new_from)


def deal_project(deal: Deal) -> str | None:
    """The one project or programme a deal's documents name most in its figures' sentences or
    paragraphs (``Figure.project``), unless it gathers several deals (``umbrella_projects``) or
    another ties with it."""
    known = deal.known("projects")
    counts = [(n, name) for name, n in deal.tallies().get("projects", {}).items()
              if name in known and name not in umbrella_projects()]
    if not counts:
        return None
    counts.sort(reverse=True)
    return counts[0][1] if len(counts) == 1 or counts[0][0] > counts[1][0] else None


def join_projects(clustering: Clustering, new_from: int = 0) -> int:
    """Merge the deals that name the same project (step 3a of warehouse/deals.py); returns how
    many were merged.

    A named project or programme ("IndiaAI Mission", "Stargate Norway") is the strongest sign
    that two reports tell of one deal: reports of one programme a year apart, one in rupees and
    the next counting GPUs, share nothing else. Two deals of one project (``deal_project``) are
    one when they are placed in the same country (or one has no place) and the later may be part
    of the main one by its parties (``may_hold``: never two chip makers' contracts nor two
    principal pairs). Under a listed public programme or package (``public_programmes``) both
    founders must name companies or both none: a part told with its own company is a deal of its
    own. A deal goes into the one with the most reports (``_main_first``); in an increment only
    deals founded by the new documents (``order >= new_from``) are merged into others."""
    groups: dict[str, list[Deal]] = {}
    for deal in clustering.deals:
        project = None if deal.dropped else deal_project(deal)
        if project is not None:
            groups.setdefault(project, []).append(deal)
    merged = 0
    for project, deals in groups.items():
        programme = project in public_programmes()
        deals.sort(key=_main_first)
        for piece in reversed(deals):
            if piece.dropped or piece.order < new_from:
                continue
            main = next((d for d in deals if d is not piece and not d.dropped
                         and _main_first(d) < _main_first(piece)
                         and (d.anchor == piece.anchor or d.anchor is None or piece.anchor is None)
                         and may_hold(d, piece) and (not programme or bool(d.core) == bool(piece.core))), None)
            if main is not None:
                clustering.merge(piece, into=main, listed=False)
                merged += 1
    clustering.deals = [d for d in clustering.deals if not d.dropped]
    return merged


def _main_first(deal: Deal) -> tuple:
    """Deals of a story from the likeliest main deal: most reports (those of an earlier run
    included), naming companies, earliest."""
    return -deal.reports, not deal.core, deal.order


def resolve_figures(figures: list[Figure], contexts: dict[str, DocContext] | None = None,
                    seeded: list[Deal] = (), next_order: int = 0,
                    stored_words: StoredWords | None = None, model: LinkModel | None = None) -> list[Deal]:
    """Steps 2 to 3b: the leader clustering of the figures (``cluster_figures``; ``seeded``: the
    deals of an earlier run they may join), the pieces of one story gathered, then the linking of
    the deals it founded (by ``model``, default the learned trees of data/deal_links.json)."""
    clustering = Clustering(figures, contexts or {})
    if seeded:
        clustering.seed(list(seeded), next_order)
    clustering.run()
    gather_pieces(clustering, new_from=next_order if seeded else 0)
    link_deals(clustering, stored_words, new_from=next_order if seeded else 0, model=model)
    return clustering.deals
