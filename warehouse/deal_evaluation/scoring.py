"""Scoring predicted deals against a deal gold set: pure functions, no database, no pipeline.

The input is a ``GoldSet`` (gold.py) and a ``Prediction``: the figures the pipeline extracted from
each gold article, each with the predicted deal it is evidence of (or none), and the predicted
deals' rows (countries, companies, headline figures). pipeline.py builds a ``Prediction`` from a
real run; the tests build small ones by hand.

1. Alignment. In each article, a predicted figure matches a gold figure of the same kind (and
   currency, for money) within 1 % (the extraction gold's rule, nlp/evaluate.py); each gold
   figure and each predicted figure is matched at most once. When several could match, the
   closest in the text wins: a gold figure's place is where its ``text`` first occurs after the
   previous figure's (the key lists figures in reading order, at their first mention).
2. Metrics (``score_deals``), each defined in its function's docstring:
   pairwise precision and recall over gold commitment figures from different articles; deals
   reported by two or more articles kept whole; host country right; principal parties right
   (precision and recall); context figures shown as deal figures; extraction recall of the gold
   figures, against which the deal scores are read.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from warehouse.deal_evaluation.gold import GoldArticle, GoldFigure, GoldSet

TOLERANCE = 0.01  # a predicted figure matches a gold one within 1 % (nlp/evaluate.py)
UNPLACED = 10**9  # distance used when a figure's place in the text is unknown
NOT_A_PARTY = {"host_government"}  # gold party roles that are not companies (never in deals.companies)


@dataclass(frozen=True)
class PredictedFigure:
    """One figure the pipeline extracted from a gold article, and the deal it is evidence of."""

    figure_id: str
    article: str
    kind: str
    amount: float
    currency: str | None = None
    start: int | None = None  # offset in the analysed text (title, blank line, body)
    deal: str | None = None
    surface: str = ""
    role: str | None = None  # the extractor's: "context" figures are never shown as a deal's figures

    @property
    def shown(self) -> bool:
        """Shown as a figure of its deal: evidence of one, and not a figure the pipeline marks as
        context (the newsletter leaves those out, the review page strikes them through)."""
        return self.deal is not None and self.role != "context"


@dataclass(frozen=True)
class PredictedDeal:
    deal_id: str
    title: str = ""
    countries: tuple[str, ...] = ()  # host country first
    companies: tuple[str, ...] = ()
    headline: tuple[tuple[str, float, str | None], ...] = ()  # (kind, amount, currency) the row shows


@dataclass
class Prediction:
    figures: list[PredictedFigure]
    deals: dict[str, PredictedDeal]
    missing_articles: list[str] = field(default_factory=list)  # gold articles the load did not store


def analysed_text(article: GoldArticle) -> str:
    """The text the extractor analyses and its offsets refer to: title, a blank line, the body."""
    title = article.title.strip()
    return f"{title}\n\n{article.text}" if title else article.text


def gold_places(article: GoldArticle) -> dict[int, int | None]:
    """Where each gold figure's ``text`` occurs: the first occurrence after the previous figure's
    place (reading order), else anywhere; None when the text is not found."""
    text = analysed_text(article)
    places: dict[int, int | None] = {}
    after = 0
    for figure in article.figures:
        if not figure.text:
            places[figure.index] = None
            continue
        at = text.find(figure.text, after)
        if at < 0:
            at = text.find(figure.text)
        places[figure.index] = at if at >= 0 else None
        if at >= 0:
            after = at + 1
    return places


def close_enough(predicted: float, gold: float) -> bool:
    return abs(predicted - gold) <= TOLERANCE * abs(gold)


def same_figure(gold: GoldFigure, predicted: PredictedFigure) -> bool:
    if gold.kind != predicted.kind:
        return False
    if gold.kind == "money" and gold.currency != predicted.currency:
        return False
    return close_enough(predicted.amount, gold.amount)


def align_article(article: GoldArticle, predicted: list[PredictedFigure]) -> dict[int, PredictedFigure]:
    """Gold figure index -> the predicted figure it matches, for one article (module step 1).

    Candidate pairs are taken closest first (distance in the text, then in value), so two
    figures of the same value in one article each take their own mention."""
    places = gold_places(article)
    pairs = []
    for figure in article.figures:
        for number, other in enumerate(predicted):
            if not same_figure(figure, other):
                continue
            place = places[figure.index]
            distance = abs(other.start - place) if place is not None and other.start is not None else UNPLACED
            pairs.append((distance, abs(other.amount - figure.amount), figure.index, number))
    matched: dict[int, PredictedFigure] = {}
    taken: set[int] = set()
    for _, _, index, number in sorted(pairs):
        if index in matched or number in taken:
            continue
        matched[index] = predicted[number]
        taken.add(number)
    return matched


def align(gold: GoldSet, prediction: Prediction) -> dict[tuple[str, int], PredictedFigure]:
    """(article id, gold figure index) -> matched predicted figure, over the whole set."""
    by_article: dict[str, list[PredictedFigure]] = defaultdict(list)
    for figure in prediction.figures:
        by_article[figure.article].append(figure)
    matches = {}
    for article in gold.articles:
        for index, figure in align_article(article, by_article.get(article.id, [])).items():
            matches[(article.id, index)] = figure
    return matches


def ratio(numerator: int, denominator: int, empty: float = 1.0) -> float:
    """numerator / denominator, `empty` when there is nothing to count."""
    return numerator / denominator if denominator else empty


def cross_article_pairs(articles: Counter) -> int:
    """Pairs of figures from different articles in a group, given figures per article."""
    total = sum(articles.values())
    return (total * total - sum(n * n for n in articles.values())) // 2


class Scorer:
    """The metrics of one gold set against one prediction (``score_deals`` runs them all)."""

    def __init__(self, gold: GoldSet, prediction: Prediction, party_names: dict[str, str] | None = None):
        self.gold = gold
        self.prediction = prediction
        self.matches = align(gold, prediction)
        self.party_names = party_names or {}
        self.commitments = gold.commitments()
        self.by_deal: dict[str, list[GoldFigure]] = defaultdict(list)
        for figure in self.commitments:
            self.by_deal[figure.deal].append(figure)
        # gold deal keys with at least one matched commitment in each predicted deal
        self.gold_in_predicted: dict[str, set[str]] = defaultdict(set)
        for figure in self.commitments:
            deal = self.predicted_deal(figure)
            if deal is not None:
                self.gold_in_predicted[deal].add(figure.deal)

    def match(self, figure: GoldFigure) -> PredictedFigure | None:
        return self.matches.get((figure.article, figure.index))

    def predicted_deal(self, figure: GoldFigure) -> str | None:
        found = self.match(figure)
        return found.deal if found is not None else None

    def main_deal(self, key: str) -> PredictedDeal | None:
        """The predicted deal holding most of a gold deal's matched figures (ties: lowest id)."""
        counts = Counter(d for d in (self.predicted_deal(f) for f in self.by_deal.get(key, [])) if d is not None)
        if not counts:
            return None
        deal_id = min(counts, key=lambda d: (-counts[d], d))
        return self.prediction.deals.get(deal_id) or PredictedDeal(deal_id)

    # -- metrics ------------------------------------------------------------------------------

    def extraction(self) -> dict:
        """(f) How many gold figures the extractor found at all (aligned to a predicted figure),
        by role and by kind: a deal score cannot be better than the figures it is built from."""
        figures = [f for article in self.gold.articles for f in article.figures]

        def count(selected: list[GoldFigure]) -> dict:
            found = sum(1 for f in selected if self.match(f) is not None)
            return {"gold": len(selected), "matched": found, "recall": ratio(found, len(selected))}

        report = count(figures)
        report["commitment"] = count([f for f in figures if f.is_commitment])
        report["context"] = count([f for f in figures if not f.is_commitment])
        report["by_kind"] = {
            kind: count([f for f in figures if f.kind == kind]) for kind in ("money", "power", "chips")
        }
        return report

    def pairwise(self) -> dict:
        """(a) Pairs of gold commitment figures from different articles. A pair is gold-positive
        when both figures have the same deal, predicted-positive when both were matched and their
        predicted figures are evidence of the same predicted deal. Precision = true / predicted
        pairs, recall = true / gold pairs (a figure not extracted or in no deal links nothing).
        ``recall_matched`` counts only the gold pairs whose two figures were both extracted."""
        gold_groups: dict[str, Counter] = defaultdict(Counter)
        gold_matched: dict[str, Counter] = defaultdict(Counter)
        predicted_groups: dict[str, Counter] = defaultdict(Counter)
        true_groups: dict[tuple[str, str], Counter] = defaultdict(Counter)
        for figure in self.commitments:
            gold_groups[figure.deal][figure.article] += 1
            if self.match(figure) is not None:
                gold_matched[figure.deal][figure.article] += 1
            deal = self.predicted_deal(figure)
            if deal is not None:
                predicted_groups[deal][figure.article] += 1
                true_groups[(figure.deal, deal)][figure.article] += 1
        gold_pairs = sum(cross_article_pairs(c) for c in gold_groups.values())
        matched_pairs = sum(cross_article_pairs(c) for c in gold_matched.values())
        predicted = sum(cross_article_pairs(c) for c in predicted_groups.values())
        true = sum(cross_article_pairs(c) for c in true_groups.values())
        precision = ratio(true, predicted, 1.0 if not gold_pairs else 0.0)
        recall = ratio(true, gold_pairs)
        return {
            "precision": precision,
            "recall": recall,
            "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
            "gold_pairs": gold_pairs,
            "predicted_pairs": predicted,
            "true_pairs": true,
            "recall_matched": ratio(true, matched_pairs),
            "matched_gold_pairs": matched_pairs,
        }

    def deal_problems(self, key: str) -> list[str]:
        """Why a gold deal is not one predicted deal of its own (empty: it is)."""
        figures = self.by_deal.get(key, [])
        matched = [f for f in figures if self.match(f) is not None]
        problems = []
        if len(matched) < len(figures):
            problems.append(f"{len(figures) - len(matched)} of {len(figures)} figures not extracted")
        deals = [self.predicted_deal(f) for f in matched]
        placed = sorted({d for d in deals if d is not None})
        if None in deals:
            problems.append(f"{deals.count(None)} extracted figures in no deal")
        if len(placed) > 1:
            problems.append(f"split over {len(placed)} predicted deals")
        merged = sorted({other for d in placed for other in self.gold_in_predicted[d]} - {key})
        if merged:
            problems.append(f"merged with {', '.join(merged)}")
        return problems

    def kept_whole(self) -> dict:
        """(b) Of the gold deals whose commitments come from two or more articles, those kept
        whole: the matched figures of at least two of its articles, and all its matched figures,
        are evidence of one predicted deal that holds no other gold deal's commitment figure."""
        multi = [key for key, figures in self.by_deal.items() if len({f.article for f in figures}) >= 2]
        whole = []
        for key in multi:
            matched = [f for f in self.by_deal[key] if self.match(f) is not None]
            deals = {self.predicted_deal(f) for f in matched}
            if (len({f.article for f in matched}) >= 2 and len(deals) == 1 and None not in deals
                    and self.gold_in_predicted[next(iter(deals))] == {key}):
                whole.append(key)
        return {"deals": len(multi), "kept_whole": len(whole), "share": ratio(len(whole), len(multi)),
                "whole": sorted(whole)}

    def scored_deals(self) -> list[str]:
        """Gold deals with at least one commitment figure, in key order (deals scored one by one)."""
        return sorted(key for key in self.gold.deals if self.by_deal.get(key))

    def host(self) -> dict:
        """(c) For each gold deal with a host country, the predicted deal holding most of its
        figures (its main deal) has that country first in its countries. A deal none of whose
        figures is in a predicted deal counts as wrong. Deals with host "" (a programme no single
        country hosts) are left out and counted apart."""
        scored = [k for k in self.scored_deals() if self.gold.deals[k].host]
        right = []
        for key in scored:
            main = self.main_deal(key)
            if main is not None and main.countries and main.countries[0] == self.gold.deals[key].host:
                right.append(key)
        return {"deals": len(scored), "right": len(right), "share": ratio(len(right), len(scored)),
                "without_host": len(self.scored_deals()) - len(scored),
                "found": sum(1 for k in scored if self.main_deal(k) is not None)}

    def canonical(self, name: str) -> str:
        """A company name in comparable form: the registry's canonical name, case-folded."""
        folded = " ".join(name.casefold().split())
        return self.party_names.get(folded, folded).casefold()

    def gold_parties(self, key: str) -> set[str]:
        return {self.canonical(p.name) for p in self.gold.deals[key].parties if p.role not in NOT_A_PARTY}

    def parties(self) -> dict:
        """(d) The gold parties of each deal (companies: host governments left out) against the
        companies of its main predicted deal, summed over deals: recall = gold parties named by
        the main deal / gold parties; precision = those / companies the main deals list. A deal
        without a main deal lists nothing and names none of its parties."""
        gold_total = predicted_total = right = 0
        for key in self.scored_deals():
            gold_names = self.gold_parties(key)
            main = self.main_deal(key)
            predicted = {self.canonical(c) for c in main.companies} if main is not None else set()
            gold_total += len(gold_names)
            predicted_total += len(predicted)
            right += len(gold_names & predicted)
        return {"precision": ratio(right, predicted_total), "recall": ratio(right, gold_total),
                "gold": gold_total, "predicted": predicted_total, "right": right}

    def context(self) -> dict:
        """(e) Gold context figures (revenue, GDP, valuations, fund sizes, other deals cited...)
        shown as a deal figure: their matched predicted figure is evidence of a predicted deal and
        the pipeline does not mark it as context (``PredictedFigure.shown``). ``share`` is of all
        gold context figures; ``as_headline`` counts those that are also the deal's headline
        figure of their kind; ``in_deals`` counts every one that is evidence of a deal, shown or
        kept as marked context (the review page shows those struck through as context)."""
        figures = [f for article in self.gold.articles for f in article.figures if not f.is_commitment]
        in_deals = [f for f in figures if self.predicted_deal(f) is not None]
        shown = [f for f in in_deals if self.match(f).shown]
        headline = [f for f in in_deals if self.is_headline(f)]
        return {"context": len(figures), "shown": len(shown), "share": ratio(len(shown), len(figures), 0.0),
                "as_headline": len(headline), "in_deals": len(in_deals)}

    def is_headline(self, figure: GoldFigure) -> bool:
        found = self.match(figure)
        deal = self.prediction.deals.get(found.deal) if found is not None and found.deal else None
        if deal is None:
            return False
        return any(kind == found.kind and (kind != "money" or currency == found.currency)
                   and close_enough(amount, found.amount) for kind, amount, currency in deal.headline)

    def predicted(self) -> dict:
        """How many predicted deals there are, and how many hold no matched gold commitment
        (built from context figures, or from figures the key does not list)."""
        with_gold = {d for d, keys in self.gold_in_predicted.items() if keys}
        return {"deals": len(self.prediction.deals),
                "without_gold_commitment": len(set(self.prediction.deals) - with_gold)}


def score_deals(gold: GoldSet, prediction: Prediction, party_names: dict[str, str] | None = None) -> dict:
    """Every metric of the module docstring, as one JSON-able dict.

    ``party_names`` maps case-folded company aliases to canonical names (pipeline.py reads
    nlp/data/companies.jsonl), so a gold party spelled as an alias still counts."""
    scorer = Scorer(gold, prediction, party_names)
    return {
        "gold": gold.name,
        "articles": len(gold.articles),
        "articles_not_stored": sorted(prediction.missing_articles),
        "gold_deals": len(gold.deals),
        "figures": scorer.extraction(),
        "pairwise": scorer.pairwise(),
        "multi_article_deals": scorer.kept_whole(),
        "host": scorer.host(),
        "parties": scorer.parties(),
        "context_as_deal_figures": scorer.context(),
        "predicted_deals": scorer.predicted(),
    }
