"""Step 3b, the linking of the rules' deals (warehouse/deal_linking.py): on handmade articles
(the markup of test_warehouse_deals_rules.py), with the trees learned on the development set, and
the parts one by one: the trees as scikit-learn fitted them, the leader linking, the blocking."""

from __future__ import annotations

import random

import pytest

from app.deal_link_training import choose_threshold, export, fit_trees, precision_floor
from tests.warehouse.test_warehouse_deals_increment import attributed
from tests.warehouse.test_warehouse_deals_rules import Article, docs_of
from warehouse.deal_clustering import Clustering
from warehouse.deal_linking import (
    FEATURES,
    LinkModel,
    Sketch,
    candidate_pairs,
    compared_pairs,
    deal_words,
    gather_stories,
    join_projects,
    link_groups,
    link_model,
    resolve_figures,
)
from warehouse.deals import TIER_W, cluster_figures


def rules_and_linked(*articles: Article) -> tuple[list[list[str]], list[list[str]]]:
    return docs_of(cluster_figures(*attributed(*articles))), docs_of(resolve_figures(*attributed(*articles)))


def compared(*articles: Article) -> tuple[list, list[tuple[int, int]]]:
    """The leader clustering's deals of the articles, in founding order, and the pairs of them
    the linking compares (``candidate_pairs``)."""
    figures, contexts = attributed(*articles)
    deals = sorted(Clustering(figures, contexts).run(), key=lambda d: d.order)
    return deals, candidate_pairs(deals, [Sketch.of(d, deal_words(d, contexts)) for d in deals])


MICROSOFT_INDIA = [
    Article("a", 1, "[Microsoft] to invest {$3bn|money=3e9 USD} in [India|IN]",
            ["[Microsoft] will invest {$3bn|money=3e9 USD} in cloud and AI infrastructure in [India|IN] over "
             "two years."]),
    Article("b", 5, "[Microsoft] India plan",
            ["[Microsoft] said its {$3bn|money=3e9 USD} programme in [India|IN] will add data centres."]),
]


def confirmed_figure_model() -> LinkModel:
    """Links exactly the pairs whose later deal repeats a figure two reports of the earlier one
    give (the ``confirmed`` feature): the linking's mechanics, whatever the learned trees say."""
    at = FEATURES.index("confirmed")
    return LinkModel(0.0, [[[at, 0.5, 1, 2, 0.0], [-1, 0.0, -1, -1, -10.0], [-1, 0.0, -1, -1, 10.0]]], 0.5)


def test_a_programme_reported_again_ten_months_later_can_be_linked():
    later = Article("c", 300, "[Microsoft] opens [India|IN] region",
                    ["[Microsoft] opened a cloud region in [India|IN], part of the {$3bn|money=3e9 USD} it pledged "
                     "last year."],
                    ["The region has {200MW|power=200} of capacity."])
    figures, contexts = attributed(*MICROSOFT_INDIA, later)
    assert docs_of(cluster_figures(figures, contexts)) == [["a", "b"], ["c"]]  # past LONG_WINDOW_DAYS
    linked = resolve_figures(figures, contexts, model=confirmed_figure_model())
    assert docs_of(linked) == [["a", "b", "c"]]  # compared (the same company, country and figure) and linked


def test_the_same_company_with_other_money_in_the_same_country_a_year_later_is_another_deal():
    later = [
        Article("c", 330, "[Microsoft] to invest {$17.5bn|money=17.5e9 USD} in [India|IN]",
                ["[Microsoft] will invest {$17.5bn|money=17.5e9 USD} in [India|IN] over four years."]),
        Article("d", 331, "[Microsoft] India pledge",
                ["[Microsoft] pledged {$17.5bn|money=17.5e9 USD} for AI infrastructure in [India|IN]."]),
    ]
    assert rules_and_linked(*MICROSOFT_INDIA, *later) == ([["a", "b"], ["c", "d"]], [["a", "b"], ["c", "d"]])


HUMAIN = [
    Article("a", 1, "[Humain] signs with [Nvidia] and [AWS]",
            ["[Nvidia] will supply [Humain] with {18,000 chips|chips=18000} in [Saudi Arabia|SA]."],
            ["[AWS] and [Humain] will invest {$5bn|money=5e9 USD} in an AI zone in [Saudi Arabia|SA]."]),
    Article("b", 3, "[Humain] and [AWS] AI zone",
            ["[AWS] and [Humain] will put {$5bn|money=5e9 USD} into an AI zone in [Riyadh|SA]."]),
    Article("c", 4, "[Nvidia] chips for [Humain]",
            ["[Humain] will receive {18,000 chips|chips=18000} from [Nvidia] in [Saudi Arabia|SA]."]),
]


def test_deals_one_article_tells_apart_stay_apart():
    # one buyer, one country, one article: the rules split its two deals there, and the linking
    # does not compare deals sharing a document unless one repeats the other's figure
    assert rules_and_linked(*HUMAIN) == ([["a", "b"], ["a", "c"]], [["a", "b"], ["a", "c"]])
    assert compared(*HUMAIN)[1] == []


def test_deals_in_two_countries_neither_names_are_not_compared():
    deals, pairs = compared(
        Article("a", 1, "[Microsoft] in [Kenya|KE]",
                ["[Microsoft] and [G42] will invest {$1bn|money=1e9 USD} in a data centre in [Kenya|KE]."]),
        Article("b", 400, "[Microsoft] in the [UAE|AE]",
                ["[Microsoft] and [G42] will invest {$1bn|money=1e9 USD} in a data centre in the [UAE|AE]."]),
    )
    assert len(deals) == 2
    assert pairs == []


def test_deals_of_other_principal_pairs_are_not_compared():
    # one host, one shared partner, one round figure: Microsoft's programme with G42 and G42's
    # cluster with OpenAI are two deals (different principal parties, different deals)
    deals, pairs = compared(
        Article("a", 1, "[Microsoft] and [G42] expand in the [UAE|AE]",
                ["[Microsoft] and [G42] will add {200MW|power=200} of data centres in the [UAE|AE]."]),
        Article("b", 100, "[OpenAI] and [G42] plan a cluster in the [UAE|AE]",
                ["[OpenAI] and [G42] will switch on the first {200MW|power=200} of a cluster in the [UAE|AE]."]),
    )
    assert [sorted(d.principal) for d in deals] == [["G42", "Microsoft"], ["G42", "OpenAI"]]
    assert pairs == []


def test_a_shared_amount_that_is_not_round_is_compared_wherever_it_stands():
    # the later report names no company in its figures' sentences (weak links only), yet repeats
    # "54 MW" and "4.75 GW": amounts few deals share by chance
    deals, pairs = compared(
        Article("a", 1, "[Scala Data Centers] plans an AI city in [Brazil|BR]",
                ["[Scala Data Centers] will start with {54 MW|power=54} and grow to {4.75 GW|power=4750} in "
                 "[Brazil|BR]."]),
        Article("b", 30, "Law clears the way for an AI city in [Brazil|BR]",
                ["The first phase is {54 MW|power=54}.", "The site could reach {4.75 GW|power=4750}."]),
    )
    assert len(deals) == 2 and all(f.tier == TIER_W for f in deals[1].figures)
    assert pairs == [(0, 1)]


def test_the_threshold_keeps_precision_within_its_noise_at_every_stricter_threshold():
    floor = precision_floor(0.76, 4000)
    assert floor == pytest.approx(0.76 - (0.76 * 0.24 / 4000) ** 0.5)
    table = {0.3: (0.70, 0.75), 0.45: (0.759, 0.71), 0.6: (0.70, 0.70), 0.7: (0.760, 0.69), 0.9: (0.765, 0.66)}
    assert choose_threshold(table, floor) == 0.7  # 0.45 is in the band, but 0.6 after it is not
    assert choose_threshold({0.5: (0.5, 0.9)}, floor) is None  # linking off
    # in the band, a little more recall does not buy a visible loss of precision
    assert choose_threshold({0.65: (0.757, 0.712), 0.7: (0.769, 0.708)}, 0.755) == 0.7


def test_a_deal_without_a_country_is_compared_only_with_deals_of_its_companies():
    # Microsoft's campus story names no country; xAI's cluster in the US repeats its 1 GW
    deals, pairs = compared(
        Article("a", 1, "[xAI] expands its cluster in the [US|US]",
                ["[xAI] will add {1GW|power=1000} to its cluster in the [US|US]."]),
        Article("b", 20, "[Microsoft] plans a campus",
                ["[Microsoft] will build {1GW|power=1000} of AI data centres on the site."]),
        Article("c", 40, "[Microsoft] campus plan grows",
                ["[Microsoft] said the campus would reach {1GW|power=1000} by 2030."]),
    )
    assert [(d.anchor, sorted(d.core)) for d in deals] == [("US", ["xAI"]), (None, ["Microsoft"])]
    assert pairs == []


def test_a_deal_joins_the_earlier_group_it_scores_best_with_on_average():
    # deals 0 and 1 are one group; deal 2 scores 0.9 with 0 and 0.2 with 1 (average 0.55), 0.7 with 3
    scored = {(0, 1): 0.95, (0, 2): 0.9, (1, 2): 0.2}
    assert link_groups(3, scored, 0.6) == [0, 0, 2]
    assert link_groups(3, scored, 0.5) == [0, 0, 0]
    assert link_groups(4, {**scored, (2, 3): 0.7, (1, 3): 0.8}, 0.6) == [0, 0, 2, 2]
    # an increment: stored deals (0 and 1 here) are never merged, new ones may join them
    assert link_groups(3, scored, 0.5, fixed=[0, 1]) == [0, 1, 0]


def test_the_trees_give_scikit_learns_probabilities():
    rng = random.Random(7)
    rows = [[rng.random() * 3 for _ in FEATURES] for _ in range(400)]
    labels = [int(row[0] + row[5] * row[9] > 3) for row in rows]
    fitted = fit_trees(rows, labels)
    exported = export(fitted, 0.5)
    assert list(exported.probabilities(rows)) == pytest.approx(list(fitted.predict_proba(rows)[:, 1]), abs=1e-5)


def test_the_shipped_trees_match_the_features():
    model = link_model()
    assert 0.0 < model.threshold <= 1.0 and len(model.trees) > 10
    assert all(int(node[0]) < len(FEATURES) for tree in model.trees for node in tree)


LATER_REPORT = Article("c", 300, "[Microsoft] opens [India|IN] region",
                       ["[Microsoft] opened a cloud region in [India|IN], part of the {$3bn|money=3e9 USD} it "
                        "pledged last year."])


def increment(stored: list[Article], new: list[Article]) -> list[list[str]]:
    """The deals after clustering ``new`` on top of the deals of ``stored`` (as an increment does,
    with the stored deals themselves instead of their restored copies)."""
    figures, contexts = attributed(*stored)
    before = Clustering(figures, contexts).run()
    figures, new_contexts = attributed(*new)
    next_order = 1 + max(d.order for d in before)
    return docs_of(resolve_figures(figures, {**contexts, **new_contexts}, seeded=before, next_order=next_order,
                                   model=confirmed_figure_model()))


def test_an_increment_links_a_new_deal_to_a_stored_one():
    assert increment(MICROSOFT_INDIA, [LATER_REPORT]) == [["a", "b", "c"]]


def test_an_increment_never_merges_two_stored_deals():
    # stored as two deals (the rules alone built them), a new unrelated report does not merge them,
    # though the model would link them
    other = Article("d", 301, "[Nokia] in [Finland|FI]",
                    ["[Nokia] will build a {50MW|power=50} data centre in [Finland|FI]."])
    figures, contexts = attributed(*MICROSOFT_INDIA, LATER_REPORT)
    stored = Clustering(figures, contexts).run()
    assert docs_of(stored) == [["a", "b"], ["c"]]
    figures, new_contexts = attributed(other)
    deals = resolve_figures(figures, {**contexts, **new_contexts}, seeded=stored,
                            next_order=1 + max(d.order for d in stored), model=confirmed_figure_model())
    assert docs_of(deals) == [["a", "b"], ["c"], ["d"]]


@pytest.mark.parametrize("trainer", ["app.deal_link_training", "app.resolution_training"])
def test_the_trainers_refuse_the_blind_test_part(trainer, capsys):
    import importlib

    assert importlib.import_module(trainer).main(["--gold", "tests/deals/gold/test"]) == 2
    assert "blind test part is never used" in capsys.readouterr().err


def test_the_pieces_of_one_story_are_gathered_into_its_deal():
    # the operator is not a known company: the campus sentence of "a" names nobody, repeats no
    # figure of the article's deal and founds a deal of its own; "b" reports both figures
    figures, contexts = attributed(
        Article("a", 1, "Operator to spend {EUR 1bn|money=1e9 EUR} on data centres in [Italy|IT]",
                ["Data4 will invest {EUR 1bn|money=1e9 EUR} in [Italy|IT] by 2030, its chief executive said.",
                 "The first campus, near Milan in [Italy|IT], will cost {EUR 500m|money=5e8 EUR} and reach "
                 "{100MW|power=100}."]),
        Article("b", 3, "Milan campus to cost {EUR 500m|money=5e8 EUR}",
                ["Data4 confirmed the campus near Milan in [Italy|IT] will cost {EUR 500m|money=5e8 EUR}.",
                 "The operator plans {EUR 1bn|money=1e9 EUR} in [Italy|IT] in all."]),
    )
    assert docs_of(cluster_figures(figures, contexts)) == [["a"], ["a", "b"]]
    clustering = Clustering(figures, contexts)
    clustering.run()
    assert gather_stories(clustering) == 1
    assert [(sorted(d.docs), sorted({f.amount for f in d.figures})) for d in clustering.deals] == [
        (["a", "b"], [100, 5e8, 1e9])]


def test_a_piece_founded_by_another_report_is_gathered_when_half_its_reports_tell_the_story():
    # the council's approval names the phases and no company; the funding round's article repeats
    # them, so they join the approval's deal, not the round's: a piece of two reports, one of
    # them the round's story
    figures, contexts = attributed(
        Article("a", 1, "Council approves AI campus in [Australia|AU]",
                ["Its first stage brings {90MW|power=90} online by 2026, starting with {44MW|power=44}."]),
        Article("b", 20, "[Firmus] raises {US$330m|money=3.3e8 USD}",
                ["[Firmus] raised {US$330 million|money=3.3e8 USD} to build its AI factory in [Australia|AU].",
                 "Stage 1 will provide {90MW|power=90}, starting with a {44MW|power=44} phase."]),
        Article("c", 30, "[Firmus] AI factory plan",
                ["[Firmus] will use the {US$330 million|money=3.3e8 USD} for its AI factory in [Australia|AU]."]),
    )
    clustering = Clustering(figures, contexts)
    clustering.run()
    assert sorted(sorted(d.docs) for d in clustering.deals) == [["a", "b"], ["b", "c"]]
    assert gather_stories(clustering) == 1
    assert [(sorted(d.core), sorted(d.docs)) for d in clustering.deals] == [(["Firmus"], ["a", "b", "c"])]


def test_a_cost_no_deal_of_its_kind_takes_founds_one_and_joins_its_story():
    # the stage's cost names nobody and is money, the article's deal a campus: it is not left out
    figures, contexts = attributed(
        Article("a", 1, "[Firmus] AI factory approved in [Australia|AU]",
                ["[Firmus] will build a {90MW|power=90} AI factory in [Australia|AU]."],
                ["Investment in the first stage alone is put at {$1.4bn|money=1.4e9 USD}."]),
    )
    money = next(f for f in figures if f.kind == "money")
    assert money.tier == TIER_W and money.anchor == "AU"
    assert [(sorted(d.core), sorted(f.amount for f in d.figures)) for d in resolve_figures(figures, contexts)] == [
        (["Firmus"], [90, 1.4e9])]


def test_a_piece_naming_no_company_goes_into_the_storys_deal_that_names_one():
    # the headlines call the partners by names the registry does not know: their figure founds a
    # deal without companies, with more reports than the deal the body sentences found
    articles = [Article(doc, day, "Megawide and EDC plan {$300m|money=3e8 USD} data centre in [Philippines|PH]",
                        ["[Megawide Construction] will build the {69MW|power=69} site in [Philippines|PH]."])
                for doc, day in (("a", 1), ("b", 1), ("c", 2))]
    articles.append(Article("d", 2, "Cavite to get {$300m|money=3e8 USD} data centre in [Philippines|PH]",
                            ["The site opens in 2027."]))
    figures, contexts = attributed(*articles)
    clustering = Clustering(figures, contexts)
    clustering.run()
    assert sorted((sorted(d.core), sorted(d.docs)) for d in clustering.deals) == [
        ([], ["a", "b", "c", "d"]), (["Megawide Construction"], ["a", "b", "c"])]
    assert gather_stories(clustering) == 1
    assert [(sorted(d.core), sorted(d.docs)) for d in clustering.deals] == [
        (["Megawide Construction"], ["a", "b", "c", "d"])]


@pytest.mark.parametrize("project, gathered", [
    ("UAE-US AI Campus", False),  # the campus Stargate UAE stands on is another deal
    ("Stargate UAE", True),
    ("Stargate", True),  # an umbrella name tells no deal apart
    (None, True),
])
def test_a_piece_naming_another_project_is_not_the_storys(project, gathered):
    # the 200 MW phase of Stargate UAE and the 5 GW campus, both told without companies, in two
    # reports each, one of them shared
    figures, contexts = attributed(
        Article("a", 1, "Stargate UAE cluster in [UAE|AE]",
                ["Stargate UAE will start with {200MW|power=200} in [UAE|AE]."]),
        Article("b", 2, "The {5GW|power=5000} campus in [UAE|AE]",
                ["Stargate UAE starts with {200MW|power=200} in [UAE|AE]."]),
        Article("c", 3, "Campus of {5GW|power=5000} for [UAE|AE]", ["The site is in [UAE|AE]."]),
    )
    for figure in figures:  # the project each figure's sentence names (commitments.project)
        figure.project = "Stargate UAE" if figure.amount == 200 else project
    clustering = Clustering(figures, contexts)
    clustering.run()
    assert sorted(sorted(d.docs) for d in clustering.deals) == [["a", "b"], ["b", "c"]]
    gather_stories(clustering)
    assert sorted(sorted(d.docs) for d in clustering.deals) == (
        [["a", "b", "c"]] if gathered else [["a", "b"], ["b", "c"]])


def test_a_round_up_of_several_companies_projects_is_not_gathered():
    # a piece naming nobody in an article about AWS's and NextDC's projects belongs to neither
    figures, contexts = attributed(
        Article("c", 1, "Investors line up for [Thailand|TH]",
                ["The board approved a {300MW|power=300} campus near Bangkok in [Thailand|TH].",
                 "[AWS] will spend {$5bn|money=5e9 USD} on a cloud region in [Thailand|TH].",
                 "[NextDC] plans a {$1bn|money=1e9 USD} campus in [Thailand|TH]."]),
        Article("e", 2, "[NextDC] in [Thailand|TH]",
                ["[NextDC] confirmed its {$1bn|money=1e9 USD} plan for [Thailand|TH]."]),
    )
    clustering = Clustering(figures, contexts)
    clustering.run()
    assert gather_stories(clustering) == 0
    assert [(sorted(d.core), sorted(f.amount for f in d.figures)) for d in clustering.deals] == [
        ([], [300]), (["AWS"], [5e9]), (["NextDC"], [1e9, 1e9])]


def test_deals_sharing_only_a_round_figure_while_stating_other_money_are_not_scored():
    figures, contexts = attributed(
        Article("a", 1, "A {1GW|power=1000} AI campus for [France|FR]",
                ["The {1GW|power=1000} campus in [France|FR] will cost {EUR 30bn|money=3e10 EUR}."]),
        Article("b", 3, "[Fluidstack] plans a supercomputer in [France|FR]",
                ["[Fluidstack] will spend {EUR 10bn|money=1e10 EUR} on a {1GW|power=1000} supercomputer in "
                 "[France|FR]."]),
    )
    deals = sorted(Clustering(figures, contexts).run(), key=lambda d: d.order)
    sketches = [Sketch.of(d, deal_words(d, contexts)) for d in deals]
    assert [sorted(d.docs) for d in deals] == [["a"], ["b"]]
    assert candidate_pairs(deals, sketches) == [(0, 1)]  # the same country and capacity
    assert compared_pairs(deals, sketches) == ([], [])  # but nothing else ties them: never linked


def test_an_increment_gathers_a_new_piece_into_a_stored_deal():
    # "b" repeats the stored deal's EUR 1bn; its campus sentence names nobody and founds a piece
    stored = [Article("a", 1, "Operator to spend {EUR 1bn|money=1e9 EUR} on data centres in [Italy|IT]",
                      ["Data4 will invest {EUR 1bn|money=1e9 EUR} in [Italy|IT] by 2030, its chief executive said."])]
    new = [Article("b", 3, "Italian plan of {EUR 1bn|money=1e9 EUR} starts in Milan",
                   ["The operator confirmed its {EUR 1bn|money=1e9 EUR} plan for [Italy|IT].",
                    "The first campus, near Milan in [Italy|IT], will cost {EUR 500m|money=5e8 EUR} and reach "
                    "{100MW|power=100}."])]
    assert increment(stored, new) == [["a", "b"]]


def test_reports_naming_one_project_are_one_deal_whatever_else_they_share():
    # a programme reported a year apart, first in rupees, then counting GPUs: nothing else in common
    figures, contexts = attributed(
        Article("a", 1, "Cabinet clears national AI programme",
                ["[India|IN] approved {Rs 10,372 crore|money=103.72e9 INR} for its AI mission."],
                project="IndiaAI Mission"),
        Article("b", 300, "Mission has {17,300 GPUs|chips=17300} installed",
                ["[India|IN] has installed {17,300 GPUs|chips=17300} for its national compute platform."],
                project="IndiaAI Mission"),
    )
    clustering = Clustering(figures, contexts)
    clustering.run()
    assert docs_of(clustering.deals) == [["a"], ["b"]]
    assert join_projects(clustering) == 1
    assert docs_of(clustering.deals) == [["a", "b"]]


@pytest.mark.parametrize("project, merged", [
    ("Stargate Norway", 1),  # one campus: its reports are one deal
    ("Tech Prosperity Deal", 0),  # a package: a part told with its own company is a deal of its own
    ("Stargate", 0),  # a name that gathers several projects links nothing
])
def test_a_shared_project_name_links_by_its_kind(project, merged):
    figures, contexts = attributed(
        Article("a", 1, "Partners launch AI campus",
                ["The campus in [Norway|NO] will cost {$1bn|money=1e9 USD}, the government said."],
                project=project),
        Article("b", 60, "[Nscale] adds capacity",
                ["[Nscale] will build {230MW|power=230} of capacity in [Norway|NO]."], project=project),
    )
    clustering = Clustering(figures, contexts)
    clustering.run()
    assert join_projects(clustering) == merged
    assert len(clustering.deals) == 2 - merged


def test_one_project_in_two_countries_is_not_merged():
    figures, contexts = attributed(
        Article("a", 1, "[Nscale] campus", ["[Nscale] will build {230MW|power=230} in [Norway|NO]."],
                project="Stargate Norway"),
        Article("b", 9, "[Nscale] campus", ["[Nscale] will spend {$2bn|money=2e9 USD} in [Portugal|PT]."],
                project="Stargate Norway"),
    )
    clustering = Clustering(figures, contexts)
    clustering.run()
    assert join_projects(clustering) == 0
