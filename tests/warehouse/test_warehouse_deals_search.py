"""The clustering's shortcuts give the deals a search of every deal gives (warehouse/deal_clustering.py).

``Clustering`` compares a candidate only with the deals its indexes list (the pool: its country's and
those holding one of its figures, that its companies or its story's allow: ``may_take``), ranks the
deals of its own document first and stops there when one of them is confirmed, then tries the others
in the order of their scores and stops at the first confirmed one (after a first one that takes it,
trying only those that could rank higher), and keeps how many documents of a deal report an amount
until the deal grows. None of this may change a deal: here the same generated articles are clustered
once so and once by trying every deal for every candidate with the whole join test (``may_take``
answering yes), counting afresh each time.
"""

from __future__ import annotations

import random

import pytest

import warehouse.deal_clustering
from tests.warehouse.test_warehouse_deals_rules import Article
from warehouse.deal_clustering import Clustering, joins, may_place
from warehouse.deal_figures import LONG_WINDOW_DAYS, REVISION_WINDOW_DAYS, Figure
from warehouse.deals import attribute_figures

COUNTRIES = [("UAE", "AE"), ("Saudi Arabia", "SA"), ("France", "FR"), ("India", "IN"), ("Norway", "NO")]
COMPANIES = ["OpenAI", "G42", "Oracle", "Nvidia", "Humain", "Mistral", "Microsoft", "Nscale", "Aker", "AMD"]
MONEY = ["1e9", "5e9", "10e9", "15.2e9", "40e9", "100e9"]
POWER = ["100", "200", "500", "1000"]
CHIPS = ["18000", "100000"]


class EveryDeal(Clustering):
    """Step 3 without shortcuts: every current deal is tried for every candidate."""

    def best(self, candidate, among=None):
        found, found_score = None, None
        for deal in among if among is not None else list(self.deals):
            deal._holding.clear()  # counted afresh
            score = joins(deal, candidate)
            if score is not None and (found_score is None or score > found_score):
                found, found_score = deal, score
        return found

    def matching_deal(self, figure: Figure, companies: frozenset[str]):
        window = REVISION_WINDOW_DAYS if figure.restated else LONG_WINDOW_DAYS
        candidate = self.candidate([figure], companies)
        candidate.long_window = window
        holding = [
            d for d in self.deals
            if abs((d.last_reported - figure.reported_on).days) <= window + (d.last_reported - d.first_reported).days
            and may_place(d, candidate) and d._count_holding(figure, 1)
        ]
        if not holding:
            return None
        return self.best(candidate, holding)


def figure(rng: random.Random, kind: str, amount: str) -> str:
    if kind == "money":
        currency = rng.choice(["USD", "USD", "EUR"])
        return f"{{{currency} {float(amount) / 1e9:g}bn|money={amount} {currency}}}"
    return f"{{{amount}MW|power={amount}}}" if kind == "power" else f"{{{amount} chips|chips={amount}}}"


def generate(seed: int, documents: int = 160, stories: int = 24) -> list[Article]:
    """Articles about a few stories (a country, two or three companies, figures of each kind), with
    the same figures, companies and countries shared between stories, sentences naming nobody,
    sentences with several figures and revisions."""
    rng = random.Random(seed)
    plots = [(rng.choice(COUNTRIES), rng.sample(COMPANIES, rng.choice([2, 2, 3])),
              [("money", rng.choice(MONEY)), ("power", rng.choice(POWER)), ("chips", rng.choice(CHIPS))])
             for _ in range(stories)]
    articles = []
    for n in range(documents):
        (country, code), companies, figures = rng.choice(plots)
        other = rng.choice(plots)
        place = f"[{country}|{code}]"
        names = " and ".join(f"[{c}]" for c in companies[:2])
        kind, amount = rng.choice(figures)
        title = rng.choice([
            f"{names} plan {figure(rng, kind, amount)} in {place}",
            f"{place} lands {figure(rng, kind, amount)}",
            f"{names} in {place}",
        ])
        sentences = []
        for kind, amount in rng.sample(figures, rng.randint(1, 3)):
            sentences.append(rng.choice([
                f"{names} will commit {figure(rng, kind, amount)} in {place}.",
                f"The project will reach {figure(rng, kind, amount)}.",
                f"[{companies[0]}] will add {figure(rng, kind, amount)}, and [{other[1][0]}] agreed "
                f"{figure(rng, *rng.choice(other[2]))}.",
                f"[{companies[-1]}] raised it from {figure(rng, kind, amount)} to "
                f"{figure(rng, kind, str(float(amount) * 2))} in {place}.",
                f"Separately, [{other[1][0]}] will build {figure(rng, *rng.choice(other[2]))} in "
                f"[{other[0][0]}|{other[0][1]}].",
            ]))
        paragraphs = [sentences[i:i + 2] for i in range(0, len(sentences), 2)]
        articles.append(Article(f"d{n:03d}", rng.randint(1, 400), title, *paragraphs))
    return articles


@pytest.mark.parametrize("seed", range(4))
def test_the_shortcuts_give_the_deals_of_a_search_of_every_deal(seed, monkeypatch):
    figure_rows, mention_rows = [], []
    for article in generate(seed):
        f, m = article.rows()
        figure_rows += f
        mention_rows += m
    deals = {}
    for search in (Clustering, EveryDeal):
        if search is EveryDeal:  # the join test without the shortcut of names
            monkeypatch.setattr(warehouse.deal_clustering, "may_take", lambda deal, candidate: True)
        figures, contexts = attribute_figures(figure_rows, mention_rows)
        deals[search] = [
            (d.anchor, sorted(d.core), [(f.commitment_id, sorted(c)) for f, c in d.members], sorted(d.companies))
            for d in search(figures, contexts).run()
        ]
    assert deals[Clustering] == deals[EveryDeal]
    shared = [d for d in deals[Clustering] if len({cid.split("-")[1] for cid, _ in d[2]}) > 1]
    assert len(shared) >= 5  # deals reported by several articles: the search had work to do
