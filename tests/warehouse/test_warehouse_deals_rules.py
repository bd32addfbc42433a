"""The deal clustering rules one by one (warehouse/deals.py), on small handmade articles.

Each article is written in a tiny markup and turned into the rows the clustering reads from the
warehouse (deal_figures.sql, deal_mentions.sql), with the links the extractor would give:
``[Nvidia]`` is a company mention, ``[Saudi Arabia|SA]`` a country mention, ``{500MW|power=500}``
a figure (``money=10e9 USD``, ``chips=18000``). Sentences are joined by a space, paragraphs by a
line break; the title comes first, then a blank line.
"""

from __future__ import annotations

import random
import re
from datetime import date, timedelta

import pytest

from warehouse.deal_clustering import Clustering
from warehouse.deals import (
    TIER_M,
    TIER_S,
    TIER_W,
    attribute_figures,
    cluster_figures,
    deal_anchor,
    deal_companies,
    deal_countries,
    deal_id_for,
    headline_figures,
    summary_of,
)

TOKEN = re.compile(r"\[([^\]|]+)(?:\|([A-Z]{2}))?\]|\{([^}|]+)\|(money|power|chips)=([0-9.e]+)(?: ([A-Z]{3}))?\}")
USD = {"USD": 1.0, "EUR": 1.1, "GBP": 1.3, "SAR": 0.27, "THB": 0.03, "INR": 0.012, "XAU": 2000.0, "MYR": 0.22,
       "SGD": 0.74}


class Article:
    """One handmade article: ``Article("a", 1, "Title", ["Sentence.", "Sentence."], [...])``."""

    def __init__(self, doc_id: str, day: int, title: str, *paragraphs: list[str], deal_type: str | None = None,
                 project: str | None = None):
        self.doc_id, self.day, self.deal_type = doc_id, date(2025, 5, 1) + timedelta(days=day - 1), deal_type
        self.project = project  # the project every figure belongs to (commitments.project)
        self.blocks = [[title]] + [list(p) for p in paragraphs]

    def rows(self) -> tuple[list[dict], list[dict]]:
        figures, mentions, text = [], [], ""
        sentences = []  # (start, end, paragraph_no, plain sentence, figures, mentions)
        for number, block in enumerate(self.blocks):
            if number == 1:
                text += "\n\n"
            elif number > 1:
                text += "\n"
            for k, raw in enumerate(block):
                if k:
                    text += " "
                start, plain, found_f, found_m = len(text), "", [], []
                last = 0
                for match in TOKEN.finditer(raw):
                    plain += raw[last:match.start()]
                    offset = start + len(plain)
                    if match.group(1):
                        name, code = match.group(1), match.group(2)
                        found_m.append({"kind": "country" if code else "company", "value": code or name,
                                        "surface": name, "start_char": offset, "end_char": offset + len(name)})
                        plain += name
                    else:
                        surface, kind, amount, currency = match.group(3, 4, 5, 6)
                        inner = ""  # a company named inside the figure: "10,000 [Nvidia] GPUs"
                        for part in re.split(r"(\[[^\]]+\])", surface):
                            if part.startswith("["):
                                found_m.append({"kind": "company", "value": part[1:-1], "surface": part[1:-1],
                                                "start_char": offset + len(inner),
                                                "end_char": offset + len(inner) + len(part) - 2})
                                part = part[1:-1]
                            inner += part
                        found_f.append((kind, float(amount), currency, inner, offset))
                        plain += inner
                    last = match.end()
                plain += raw[last:]
                text += plain
                paragraph_no = text[:start].count("\n")
                sentences.append((start, paragraph_no, plain, found_f, found_m, number == 0))
        for _, paragraph_no, plain, _, found_m, _ in sentences:
            for m in found_m:
                mentions.append({"doc_id": self.doc_id, "sentence": plain, "paragraph_no": paragraph_no, **m})
        for start, paragraph_no, plain, found_f, found_m, in_title in sentences:
            for kind, amount, currency, surface, offset in found_f:
                links = {}
                for field in ("country", "company"):
                    scopes = (
                        [m for m in found_m if m["kind"] == field],
                        [m for s in sentences if s[1] == paragraph_no for m in s[4] if m["kind"] == field],
                        [m for s in sentences if s[5] for m in s[4] if m["kind"] == field],
                    )
                    level = next((i for i, found in enumerate(scopes) if found), None)
                    links[field] = (sorted({m["value"] for m in scopes[level]}) if level is not None else [], level)
                levels = [lv for _, lv in links.values() if lv is not None]
                figures.append({
                    "commitment_id": f"c-{self.doc_id}-{offset}", "doc_id": self.doc_id,
                    "reported_on": self.day, "kind": kind,
                    "value": amount if kind == "money" else None, "currency": currency,
                    "value_usd": amount * USD[currency] if kind == "money" else None,
                    "mw": amount if kind == "power" else None,
                    "chip_count": int(amount) if kind == "chips" else None,
                    "start_char": offset, "end_char": offset + len(surface), "sentence": plain,
                    "sentence_start": start, "in_title": in_title, "paragraph_no": paragraph_no,
                    "link_scope": ("sentence", "paragraph", "title")[max(levels)] if levels else None,
                    "deal_type": self.deal_type or {"money": "investment_programme", "power": "data_center",
                                                    "chips": "chip_supply"}[kind],
                    "countries": links["country"][0], "companies": links["company"][0],
                    "project": self.project,
                })
        self.text = text  # the analysed text (deal_documents.sql): title, blank line, paragraphs
        return figures, mentions


def cluster(*articles: Article):
    figure_rows, mention_rows = [], []
    for article in articles:
        f, m = article.rows()
        figure_rows += f
        mention_rows += m
    figures, contexts = attribute_figures(figure_rows, mention_rows, {a.doc_id: a.text for a in articles})
    return figures, cluster_figures(figures, contexts)


def docs_of(deals) -> list[list[str]]:
    return sorted(sorted({f.doc_id for f in deal.figures}) for deal in deals)


def deal_with(deals, doc_id: str, kind: str):
    (deal,) = [d for d in deals if any(f.doc_id == doc_id and f.kind == kind for f in d.figures)]
    return deal


# ---------------------------------------------------------------------------------------------
# Links of a figure
# ---------------------------------------------------------------------------------------------


def test_tiers_follow_the_sentence_the_figure_is_in():
    figures, _ = cluster(Article(
        "a", 1, "[Humain] lines up {18,000 chips|chips=18000} in launch week",
        ["[Nvidia] will supply [Humain] with AI factories of {500MW|power=500} in [Saudi Arabia|SA]."],
        ["The first phase is {100MW|power=100} and the second {200MW|power=200}."],
    ))
    tiers = {f.amount: f.tier for f in figures}
    assert tiers == {18000: TIER_M, 500: TIER_S, 100: TIER_W, 200: TIER_W}
    weak = next(f for f in figures if f.amount == 100)
    assert (weak.own_countries, weak.own_companies) == ((), ())
    assert weak.weak_companies == ("Humain",)  # borrowed from the title, as the extractor does


def test_companies_go_with_the_figures_that_follow_them():
    figures, _ = cluster(Article(
        "a", 1, "Gulf tour",
        ["[Nvidia] will provide {18,000 chips|chips=18000} for [Humain], and [AMD] agreed a "
         "{$10bn|money=10e9 USD} partnership with the company."],
        ["[UAE|AE] pledges {EUR 50bn|money=50e9 EUR} for a {1GW|power=1000} campus; [Brookfield] adds "
         "{EUR 20bn|money=20e9 EUR}."],
        ["The system has {5,448 [Nvidia] chips|chips=5448} and was delivered by [HPE]."],
    ))
    own = {f.amount: f.own_companies for f in figures}
    assert own[18000] == ("Nvidia",)
    assert own[10e9] == ("AMD", "Humain")
    assert own[50e9] == own[1000] == ()  # the semicolon ends the UAE's clause
    assert own[20e9] == ("Brookfield",)
    assert own[5448] == ("HPE",)  # Nvidia is named inside the figure: its supplier, a weak link
    assert next(f for f in figures if f.amount == 5448).weak_companies == ("Nvidia",)


def test_a_dateline_does_not_make_the_main_country():
    figures, _ = cluster(Article(
        "a", 1, "Industrial AI cloud for manufacturers",
        ["[PARIS|FR] - [Deutsche Telekom] will build an industrial AI cloud in [Germany|DE], "
         "opened in [Paris|FR]."],
        ["It will run {10,000 chips|chips=10000}, the partners said of the plan for [Germany|DE]."],
    ))
    assert figures[0].anchor == "DE"


def test_a_figure_about_another_country_keeps_its_own():
    figures, deals = cluster(Article(
        "a", 1, "[Microsoft] invests in the [UAE|AE]",
        ["[Microsoft] will invest {$15bn|money=15e9 USD} in the [UAE|AE] with [G42].",
         "[Microsoft] and [G42] also pledged {$1bn|money=1e9 USD} for a data centre in [Kenya|KE]."],
    ))
    assert {f.amount: f.anchor for f in figures} == {15e9: "AE", 1e9: "KE"}
    assert len(deals) == 2


def test_a_city_or_region_in_the_sentence_places_the_figure():
    # the story names the US more than Germany, but the sentence says where the money goes
    figures, _ = cluster(Article(
        "a", 1, "[Deutsche Telekom] and [Nvidia] team up",
        ["The [US|US] chip designer sells most of its output in the [United States|US]."],
        ["[Deutsche Telekom] and [Nvidia] are preparing a Munich data centre costing {EUR 1bn|money=1e9 EUR}.",
         "Its GPUs will come from a plant in Arizona, worth {$2bn|money=2e9 USD} to [Nvidia]."],
    ))
    assert {f.amount: f.anchor for f in figures} == {1e9: "DE", 2e9: "US"}
    assert {f.amount: f.sited for f in figures} == {1e9: ("DE",), 2e9: ("US",)}


def test_a_document_naming_no_country_is_placed_by_the_places_its_text_names():
    # a local report: the campus's state is named in another sentence, no country anywhere
    local = Article(
        "a", 1, "Township approves [OpenAI] campus",
        ["The township board approved the plans on Tuesday night.",
         "[OpenAI] will spend {$7bn|money=7e9 USD} on the campus."],
        ["It will be the largest construction project Michigan has seen."],
    )
    figures, deals = cluster(local)
    assert {f.anchor for f in figures} == {"US"}
    # and the document votes for its deal's country as a sentence naming the place would
    assert summary_of(deals[0]).votes == {"US": 3}
    f_rows, m_rows = local.rows()
    figures, _ = attribute_figures(f_rows, m_rows)  # without its text: nowhere
    assert {f.anchor for f in figures} == {None}
    # places in two countries say nothing
    figures, _ = cluster(Article(
        "b", 1, "Board approves [OpenAI] campus",
        ["The campus will cost {$7bn|money=7e9 USD}.", "Its chips are packaged in Ontario and tested in Texas."],
    ))
    assert {f.anchor for f in figures} == {None}
    # nor does a place opening a company's name ("Texas Instruments")
    figures, _ = cluster(Article(
        "c", 1, "Board approves a campus", ["[Texas Instruments] will spend {$1bn|money=1e9 USD} on the campus."],
    ))
    assert {f.anchor for f in figures} == {None}


def test_a_document_naming_no_country_is_placed_by_its_listed_project():
    # "IndiaAI Mission" is listed with its host (nlp/data/projects.jsonl); the report names no
    # country, and "approved in March" is a date, not the English town
    report = ["The mission was approved in March with {$1.25 billion|money=1.25e9 USD} for compute."]
    figures, _ = cluster(Article("a", 1, "The mission buys GPUs", report, project="IndiaAI Mission"))
    assert {f.anchor for f in figures} == {"IN"} and all(f.text_placed for f in figures)
    figures, _ = cluster(Article("b", 1, "The mission buys GPUs", report))  # no project: nowhere
    assert {f.anchor for f in figures} == {None}
    # a project's host and a place of another country say nothing
    figures, _ = cluster(Article(
        "c", 1, "The mission buys GPUs", report + ["The chips are tested in Texas."], project="IndiaAI Mission",
    ))
    assert {f.anchor for f in figures} == {None}


def test_euros_are_spent_in_the_euro_area():
    # the sentence names the investor's government; the story's one euro-area country is the host
    story = ["[France|FR] hosts the campus, the biggest in [France|FR]."]
    figures, _ = cluster(Article(
        "a", 1, "[MGX] backs a campus", story,
        ["[MGX] will put {EUR 50bn|money=5e10 EUR} into it, the [UAE|AE] said."],
    ))
    assert figures[0].anchor == "FR"
    # dollars say nothing of the place
    figures, _ = cluster(Article(
        "b", 1, "[MGX] backs a campus", story,
        ["[MGX] will put {$50bn|money=5e10 USD} into it, the [UAE|AE] said."],
    ))
    assert figures[0].anchor == "AE"
    # nor do euros in a story naming two euro-area countries
    figures, _ = cluster(Article(
        "c", 1, "[MGX] backs campuses", ["[France|FR] and [Italy|IT] host them."],
        ["[MGX] will put {EUR 50bn|money=5e10 EUR} into them, the [UAE|AE] said."],
    ))
    assert figures[0].anchor == "AE"


def test_a_place_in_a_company_name_is_not_a_site():
    figures, _ = cluster(Article(
        "a", 1, "[Thailand|TH] approves a data centre",
        ["[Beijing Haoyang] will spend {$1bn|money=1e9 USD} on a campus for [Thailand|TH]."],
    ))
    assert figures[0].sited == () and figures[0].anchor == "TH"


def anchored(title: str, *paragraphs: list[str]):
    """The figures of one article and each one's anchor by amount."""
    figures, _ = cluster(Article("a", 1, title, *paragraphs))
    return figures, {f.amount: f.anchor for f in figures}


def test_a_companys_nationality_is_not_where_the_money_goes():
    figures, anchors = anchored(
        "[Aker] and [Nscale] plan a campus in [Norway|NO]",
        ["The site in [Norway|NO] runs on hydropower."],
        ["The [British|GB] start-up [Nscale] will install {100,000 chips|chips=100000} there."],
        ["[Nscale] also plans {50MW|power=50} in [the UK|GB]."],
    )
    assert anchors[100000] == "NO"  # "British start-up Nscale" says whose the company is
    assert anchors[50] == "GB"  # "in the UK" says where the site is
    assert figures[0].described == ("GB",) and figures[1].described == ()


def test_a_repeated_figure_does_not_follow_a_companys_nationality_abroad():
    # the same round $5bn, once for a campus in Saudi Arabia, then for Uzbekistan by "the Saudi company"
    _, deals = cluster(
        Article("a", 1, "[DataVolt] plans a campus in [Saudi Arabia|SA]",
                ["[DataVolt] will invest {$5bn|money=5e9 USD} in an AI campus in [Saudi Arabia|SA]."]),
        Article("b", 10, "[DataVolt] expands to [Uzbekistan|UZ]",
                ["[DataVolt] will build data centres in [Uzbekistan|UZ].",
                 "The [Saudi|SA] company [DataVolt] is due to put {$5 billion|money=5e9 USD} into the country."]),
    )
    assert sorted((d.anchor, sorted({f.doc_id for f in d.figures})) for d in deals) == [("SA", ["a"]), ("UZ", ["b"])]


@pytest.mark.parametrize("home", ["A start-up from San Francisco", "A start-up based in San Francisco",
                                  "A San Francisco-based start-up"])
def test_a_companys_home_town_is_not_a_site(home):
    figures, _ = cluster(Article(
        "a", 1, "AI factory for [Armenia|AM]",
        [f"{home} will build a {{$500m|money=5e8 USD}} AI factory in [Armenia|AM]."],
    ))
    assert figures[0].sited == () and figures[0].anchor == "AM"


@pytest.mark.parametrize("sentence", [
    "The order for {18,000 chips|chips=18000} still needs approval from [US|US] regulators.",
    "The {18,000 chips|chips=18000} ship once [US|US] export licences are granted.",
    "[Japan|JP]'s [SoftBank] will fund the {18,000 chips|chips=18000}.",
    "Money from [Japan|JP] will pay for the {18,000 chips|chips=18000}.",
])
def test_a_country_that_approves_or_owns_is_not_where_the_chips_go(sentence):
    figures, _ = cluster(Article(
        "a", 1, "[Humain] buys chips",
        ["[Humain] is building AI factories in [Saudi Arabia|SA].", sentence],
    ))
    assert figures[0].anchor == "SA" and figures[0].described


def test_a_possessive_before_a_project_names_its_owner():
    from warehouse.deal_figures import nationalities

    sentence = "The site gets 250 MW by 2026, enough to rival America's Stargate, which starts with 200 MW."
    at = sentence.index("America")
    project = sentence.index("Stargate")
    assert nationalities(sentence, 100, [("country", "US", 100 + at)], {100 + project}) == ("US",)
    assert nationalities(sentence, 100, [("country", "US", 100 + at)], set()) == ()


def test_a_nationality_in_an_apposition_is_not_where_the_money_goes():
    figures, anchors = anchored(
        "[France|FR] lines up AI investment",
        ["[France|FR] will host a campus near Paris, the presidency said."],
        ["The largest share, {EUR 50bn|money=50e9 EUR}, comes from [MGX], the [Emirati|AE] state-backed fund."],
        ["[MGX], the fund's chief said, has {$5bn|money=5e9 USD} for the [Emirati|AE] capital."],
    )
    assert anchors[50e9] == "FR" and figures[0].described == ("AE",)
    assert anchors[5e9] == "AE"  # no apposition: the Emirati capital is a place


def test_a_conversion_is_spent_where_the_first_currency_says():
    # a Singapore outlet converts ringgit for its readers: the money still goes to Malaysia
    figures, _ = cluster(Article(
        "a", 1, "[AWS] commits to [Malaysia|MY]",
        ["[AWS] will spend {RM25.5bn|money=25.5e9 MYR} ({S$7.7bn|money=7.7e9 SGD}) there, [Singapore|SG] "
         "officials noted."],
        ["[Singapore|SG] and [Singapore|SG] rivals watch."],
    ))
    assert {f.currency: (f.converts, f.anchor) for f in figures} == {"MYR": (None, "MY"), "SGD": ("MYR", "MY")}


def test_money_in_a_national_currency_is_spent_in_that_country():
    figures, deals = cluster(Article(
        "a", 1, "[Thailand|TH] approves data centres",
        ["The investment board of [Thailand|TH] approved three data-centre projects on Monday."],
        ["[Singapore|SG]'s [STT GDC] follows with {4.5 billion baht|money=4.5e9 THB}.",
         "The [United States|US] firm [Switch] plans {$1bn|money=1e9 USD} in the [US|US]."],
    ))
    anchors = {f.amount: f.anchor for f in figures}
    assert anchors[4.5e9] == "TH"  # baht: spent in Thailand, whatever the investor's home
    assert anchors[1e9] == "US"  # dollars say nothing of the place
    assert sorted(deal_countries(d)[0] for d in deals) == ["TH", "US"]


def test_money_in_a_national_currency_needs_no_country_named():
    figures, _ = cluster(Article(
        "a", 1, "Cabinet approves AI mission",
        ["The Cabinet approved the IndiaAI Mission with {Rs 10,372 crore|money=1.0372e11 INR}."],
        ["A fund of {$2bn|money=2e9 USD} was launched in [Japan|JP] the same week."],
    ))
    anchors = {f.amount: f.anchor for f in figures}
    assert anchors[1.0372e11] == "IN"  # the document names only Japan; the rupees say where
    assert anchors[2e9] == "JP"


def test_a_currency_of_no_country_places_nothing():
    figures, _ = cluster(Article(
        "a", 1, "Miner pledges gold",
        ["A reserve of {XAU 5,000,000|money=5e6 XAU} backs the AI fund."],
    ))
    assert [f.anchor for f in figures] == [None]


def test_a_deal_naming_no_country_is_placed_at_its_owners_home():
    _, deals = cluster(
        Article("a", 1, "[OpenAI] and [AMD] sign chip deal",
                ["[AMD] will supply [OpenAI] with {6 gigawatts|power=6000} of accelerators."]),
        Article("b", 1, "[Humain] and [OpenAI] talk",
                ["[Humain] and [OpenAI] plan a {1GW|power=1000} campus."]),
    )
    countries = {tuple(sorted({f.amount for f in d.figures})): deal_countries(d) for d in deals}
    assert countries[(6000,)] == ["US"]  # AMD supplies: OpenAI's home
    assert countries[(1000,)] == []  # owners from two countries: no guess


# ---------------------------------------------------------------------------------------------
# Joining deals
# ---------------------------------------------------------------------------------------------


def test_two_outlets_on_one_deal_make_one_deal():
    newsroom = Article(
        "newsroom", 1, "[Nvidia] expands [Humain] partnership",
        ["[xAI] and [Humain] will build a {500MW|power=500} data centre in [Saudi Arabia|SA]."],
    )
    trade = Article(  # the trade press puts the US first: its headline names another story too
        "trade", 2, "[Humain] signs {500MW|power=500} data centre with [xAI] as [US|US] clears "
        "{35,000 chips|chips=35000} for [G42]",
        ["Analysts in [Saudi Arabia|SA] welcomed the licences."],
    )
    _, deals = cluster(newsroom, trade)
    deal = deal_with(deals, "newsroom", "power")
    assert {f.doc_id for f in deal.figures} == {"newsroom", "trade"}
    assert deal_anchor(deal) == "SA"
    assert deal_countries(deal)[0] == "SA"


def test_two_deals_in_one_country_and_week_stay_apart():
    stargate = Article(
        "stargate", 1, "Stargate UAE",
        ["[OpenAI], [G42] and [Oracle] will build a {1GW|power=1000} cluster in [Abu Dhabi|AE]."],
    )
    microsoft = Article(
        "microsoft", 2, "[Microsoft] in the [UAE|AE]",
        ["[Microsoft] will invest {$15.2bn|money=15.2e9 USD} in the [UAE|AE], including a stake in [G42]."],
    )
    trade = Article(
        "trade", 3, "Abu Dhabi campus",
        ["[G42] and [OpenAI] will develop a {1GW|power=1000} campus in the [UAE|AE] with [Nvidia]."],
    )
    _, deals = cluster(stargate, microsoft, trade)
    assert docs_of(deals) == [["microsoft"], ["stargate", "trade"]]


def test_a_deal_of_many_reports_is_known_by_the_names_most_of_them_give():
    reports = [Article(f"atlas{day}", day, "[Atlas Cloud] plans a Norwegian campus",
                       ["[Atlas Cloud] will build a {1GW|power=1000} campus in [Norway|NO]."]) for day in (1, 2, 3)]
    reports.append(Article("atlas4", 4, "[Atlas Cloud] plans a Norwegian campus",
                           ["[Atlas Cloud] will build the {1GW|power=1000} campus in [Norway|NO] with [Fjord Power]."]))
    wind = Article("wind", 10, "[Fjord Power] plans a wind farm",
                   ["[Fjord Power] will build a {1GW|power=1000} wind farm in [Norway|NO]."])
    _, deals = cluster(*reports, wind)
    assert docs_of(deals) == [["atlas1", "atlas2", "atlas3", "atlas4"], ["wind"]]
    # two reports: the deal is still known by every name they give
    _, deals = cluster(reports[0], reports[3], wind)
    assert docs_of(deals) == [["atlas1", "atlas4", "wind"]]


def test_the_same_company_stating_other_money_in_the_same_country_is_another_deal():
    first = Article("first", 1, "[Amazon] to put {$10bn|money=10e9 USD} into an Ohio campus",
                    ["The [US|US] company said building starts next year."])
    second = Article("second", 9, "[Amazon] plans {$20bn|money=20e9 USD} for two Oregon campuses",
                     ["It is the company's second such plan in the [US|US] this month."])
    again = Article("again", 12, "[Amazon] confirms its {$10bn|money=10e9 USD} Ohio campus",
                    ["Local officials in the [US|US] approved the site."])
    _, deals = cluster(first, second, again)
    assert docs_of(deals) == [["again", "first"], ["second"]]


@pytest.mark.parametrize("euros, one_deal", [("4.8", True), ("3.6", False)])
def test_money_another_outlet_converted_and_rounded_is_not_other_money(euros, one_deal):
    # EUR 4.8bn is $5.28bn at the test's rate: "$5bn" is the same money rounded; EUR 3.6bn is not
    first = Article("first", 1, f"[Contoso] to spend {{EUR {euros}bn|money={euros}e9 EUR}} in [Portugal|PT]",
                    ["Building starts next year."])
    second = Article("second", 20, "[Contoso] plans {$5bn|money=5e9 USD} of data centres in [Portugal|PT]",
                     ["The first hall opens in 2027."])
    _, deals = cluster(first, second)
    assert docs_of(deals) == ([["first", "second"]] if one_deal else [["first"], ["second"]])


def test_other_chip_counts_from_the_same_parties_are_another_deal():
    first = Article("first", 1, "[Northwind Cloud] to buy {8,000 chips|chips=8000} from [Nvidia]",
                    ["The cluster will stand in [Norway|NO]."])
    second = Article("second", 5, "[Northwind Cloud] orders {30,000 chips|chips=30000} from [Nvidia]",
                     ["The order is for a second site in [Norway|NO]."])
    _, deals = cluster(first, second)
    assert docs_of(deals) == [["first"], ["second"]]


def test_a_buyers_contracts_with_two_chip_makers_are_two_deals_of_one_size():
    nvidia = [Article(f"nvidia{day}", day, "[Kestrel AI] books a tenth of its compute",
                      ["[Kestrel AI] and [Nvidia] agreed to deploy {10GW|power=10000} of systems in the "
                       "[United States|US]."]) for day in (1, 3)]
    broadcom = Article("broadcom", 6, "[Kestrel AI] adds custom chips",
                       ["[Kestrel AI] and [Broadcom] will deploy {10GW|power=10000} of custom accelerators in "
                        "the [United States|US]."])
    _, deals = cluster(*nvidia, broadcom)
    assert docs_of(deals) == [["broadcom"], ["nvidia1", "nvidia3"]]


def test_the_maker_named_in_a_chip_count_is_a_party_of_the_deal():
    # "60,000 Nvidia GPUs": Nvidia is the figure's supplier, not its subject, and still a party
    _, deals = cluster(
        Article("a", 1, "[Naver] installs {60,000 [Nvidia] GPUs|chips=60000} in [South Korea|KR]",
                ["The cluster serves the company's models."]),
        Article("b", 3, "[Naver] to run {60,000 [Nvidia] GPUs|chips=60000}",
                ["[Naver] says the chips sit in data centres in [South Korea|KR]."]),
    )
    (deal,) = deals
    assert deal.core == frozenset({"Naver"})
    assert deal_companies(deal) == ["Naver", "Nvidia"]


def test_a_chip_makers_contract_told_without_a_country_is_placed_at_its_buyers_home():
    # the figure's own company is the chip maker; the story's other main company is the buyer,
    # OpenAI, whose home the registry gives
    pact = Article("pact", 1, "[OpenAI] signs a chip pact",
                   ["[Broadcom] will deliver {10GW|power=10000} of accelerators.",
                    "[OpenAI] said the first racks arrive next year, [OpenAI] added."])
    _, deals = cluster(pact)
    (deal,) = deals
    assert deal.core == frozenset({"Broadcom"})
    assert deal_countries(deal) == ["US"]


@pytest.mark.parametrize("total_day, parts_day", [(1, 3), (3, 1)])
def test_a_total_and_its_parts_are_not_other_money(total_day, parts_day):
    total = Article("total", total_day, "[Contoso] commits {$15.2bn|money=15.2e9 USD} to the [UAE|AE]",
                    ["The programme runs to the end of the decade."])
    parts = Article("parts", parts_day, "[Contoso] details its [UAE|AE] spending",
                    ["[Contoso] has spent {$7.3bn|money=7.3e9 USD} in the [UAE|AE] so far.",
                     "[Contoso] will add {$7.9bn|money=7.9e9 USD} in the [UAE|AE] from next year."])
    _, deals = cluster(total, parts)
    assert docs_of(deals) == [["parts", "total"]]


def test_the_same_round_figure_elsewhere_is_another_deal():
    uk = Article("uk", 1, "Compute in Britain",
                 ["[Nscale] will deploy {10,000 [Nvidia] GPUs|chips=10000} in [Britain|GB]."])
    de = Article("de", 2, "Industrial cloud",
                 ["[Deutsche Telekom] will run {10,000 [Nvidia] GPUs|chips=10000} in [Germany|DE]."])
    _, deals = cluster(uk, de)
    assert docs_of(deals) == [["de"], ["uk"]]


def test_a_figure_naming_nobody_joins_a_deal_abroad_only_through_its_parties():
    # a round amount two reports give for a deal in one country is no link for a figure of
    # another country's story that names no company: 1 GW is the size of many campuses
    us = [Article(doc, day, "[OpenAI] campus in [Texas|US]",
                  ["[OpenAI] will build a {1GW|power=1000} campus in the [United States|US]."])
          for doc, day in (("us1", 1), ("us2", 2))]
    india = Article(
        "in", 3, "[Google] unveils an AI hub in [India|IN]",
        ["[Google] will invest {$15bn|money=15e9 USD} in [India|IN]."],
        ["The first campus will draw {1GW|power=1000}."],
        ["[Google] was founded in the [United States|US]."], deal_type="data_center",
    )
    _, deals = cluster(*us, india)
    weak = next(f for d in deals for f in d.figures if f.doc_id == "in" and f.kind == "power")
    assert weak.tier == TIER_W
    assert docs_of(deals) == [["in"], ["us1", "us2"]]
    assert deal_with(deals, "in", "power") is deal_with(deals, "in", "money")


def test_a_repeated_round_figure_is_no_link_for_a_story_of_other_companies():
    brookfield = [Article(doc, day, "[Brookfield] in [France|FR]",
                          ["[Brookfield] will invest {EUR 20bn|money=20e9 EUR} in [France|FR]."])
                  for doc, day in (("b1", 1), ("b2", 2))]
    # the same amount, no company in its sentence, in a story of other companies: another deal
    fund = Article("fund", 3, "[Mistral] and [SAP] welcome a gigafactory fund",
                   ["The plan sets aside {EUR 20bn|money=20e9 EUR} for AI gigafactories in [France|FR]."])
    # the same amount in a report naming no company at all still joins the deal it repeats
    brief = Article("brief", 3, "Investment news",
                    ["A further {EUR 20bn|money=20e9 EUR} goes to data centres in [France|FR]."])
    _, deals = cluster(*brookfield, fund, brief)
    assert docs_of(deals) == [["b1", "b2", "brief"], ["fund"]]


@pytest.mark.parametrize(("amount", "joins"), [("$10bn|money=10e9", False), ("$10.3bn|money=10.3e9", True)])
def test_a_round_figure_joins_another_reports_deal_only_in_a_story_about_its_parties(amount, joins):
    google = Article("g", 1, f"[Google] to spend {{{amount} USD}} on AI data centres in the [United States|US]",
                     [f"[Google] said the {{{amount} USD}} goes to new campuses in the [United States|US]."])
    # a story about Microsoft and Nvidia that mentions Google once: "$10bn" in a sentence naming
    # nobody is someone else's round figure; "$10.3bn" is Google's
    campus = Article(
        "m", 5, "[Microsoft] and [Nvidia] open an AI campus in the [United States|US]",
        ["[Microsoft] will run the campus with [Nvidia] chips, [Microsoft] said.",
         "[Nvidia] will also train staff there; rivals such as [Google] are building nearby."],
        [f"The campus will cost {{{amount} USD}}."],
    )
    figures, deals = cluster(google, campus)
    assert next(f for f in figures if f.doc_id == "m").tier == TIER_W
    assert docs_of(deals) == ([["g", "m"]] if joins else [["g"], ["m"]])


def test_a_round_figure_joins_a_deal_whose_reports_are_about_its_main_parties():
    # the deal was founded by a supplier's release (its figure names Nvidia only), yet its story is
    # G42's and OpenAI's campus: a report about them repeating "1GW" in a sentence naming no
    # company belongs to it
    release = Article(
        "n", 1, "[Nvidia] joins [G42] and [OpenAI] on their campus",
        ["[G42] and [OpenAI] chose the site; [G42] and [OpenAI] will run it.",
         "[Nvidia] will equip the {1GW|power=1000} campus in the [UAE|AE]."],
    )
    report = Article(
        "r", 3, "[G42] and [OpenAI] break ground in the [UAE|AE]",
        ["[G42] and [OpenAI] started work on Tuesday, [G42] said."],
        ["The first phase in the [UAE|AE] is {1GW|power=1000}."],
    )
    figures, deals = cluster(release, report)
    assert next(f for f in figures if f.doc_id == "r").tier == TIER_S
    assert [sorted(d.core) for d in deals] == [["Nvidia"]]
    assert docs_of(deals) == [["n", "r"]]


def test_a_deal_founded_the_same_day_is_not_merged_into_one_in_another_country():
    # settle merges a deal founded during a day into an earlier one of the same parties that it
    # shares a figure or a document with; never across hosts (a stake in a Gulf firm and the same
    # two companies' campus in East Africa are two deals)
    stake = Article("stake", 1, "[Microsoft] buys into [G42]",
                    ["[Microsoft] will invest {$1.5bn|money=1.5e9 USD} in [G42] of the [UAE|AE]."])
    kenya = Article(
        "kenya", 5, "[Microsoft] and [G42] head for [Kenya|KE]",
        ["[Microsoft] and [G42], the [UAE|AE] group, will build a {$1bn|money=1e9 USD} campus in [Kenya|KE]."],
        ["[Microsoft] and [G42] recalled the {$1.5bn|money=1.5e9 USD} deal of last year in [Kenya|KE]."],
    )
    figure_rows, mention_rows = [], []
    for article in (stake, kenya):
        f, m = article.rows()
        figure_rows += f
        mention_rows += m
    figures, contexts = attribute_figures(figure_rows, mention_rows)
    clustering = Clustering(figures, contexts)
    by_doc = {doc: [f for f in figures if f.doc_id == doc] for doc in ("stake", "kenya")}
    clustering.found(clustering.candidate(by_doc["stake"], frozenset({"G42", "Microsoft"})))
    campus = clustering.found(clustering.candidate(by_doc["kenya"], frozenset({"G42", "Microsoft"})))
    assert campus.anchor == "KE"
    clustering.settle(known=1)
    assert docs_of(clustering.deals) == [["kenya"], ["stake"]]


def test_a_headline_summing_up_several_deals_sends_each_figure_to_its_own():
    microsoft = Article("microsoft", 1, "[Microsoft] to invest {$30bn|money=30e9 USD} in the [UK|GB]",
                        ["It is [Microsoft]'s largest commitment to [Britain|GB]."])
    nvidia = Article("nvidia", 1, "[Nvidia] to deploy {120,000 GPUs|chips=120000} in the [UK|GB]",
                     ["[Nvidia] and partners will roll out the GPUs across [Britain|GB]."])
    pact = Article("pact", 1, "[UK|GB] and [US|US] sign tech pact worth {GBP 31bn|money=31e9 GBP}",
                   ["The pact covers AI and nuclear power in [Britain|GB]."])
    roundup = Article(
        "roundup", 2,
        "[Microsoft]'s {$30bn|money=30e9 USD} and {120,000 GPUs|chips=120000}: the capacity behind the "
        "{GBP 31bn|money=31e9 GBP} [UK|GB] pact",
        ["[Google] is putting {GBP 5bn|money=5e9 GBP} into [Britain|GB].",
         "[Nvidia] calls its roll-out the largest in Europe."],
    )
    _, deals = cluster(microsoft, nvidia, pact, roundup)
    assert docs_of(deals) == [["microsoft", "roundup"], ["nvidia", "roundup"], ["pact", "roundup"], ["roundup"]]
    assert {f.doc_id for f in deal_with(deals, "pact", "money").figures} == {"pact", "roundup"}


def test_leader_clustering_does_not_chain():
    # A~B and B~C, but C is far from the deal's core: single-link would chain all three
    a = Article("a", 1, "Plan", ["[Alpha], [Beta] and [Gamma] will build {300MW|power=300} in [Britain|GB]."])
    b = Article("b", 10, "Plan", ["[Beta], [Gamma] and [Delta] will invest {$2bn|money=2e9 USD} in [Britain|GB]."])
    c = Article("c", 20, "Plan", ["[Gamma], [Delta] and [Epsilon] will deploy {10,000 GPUs|chips=10000} in "
                                  "[Britain|GB]."])
    _, deals = cluster(a, b, c)
    assert docs_of(deals) == [["a", "b"], ["c"]]


def test_reports_more_than_the_window_apart_are_other_deals_unless_they_repeat_a_figure():
    first = Article("first", 1, "Cloud", ["[Deutsche Telekom] and [Nvidia] plan {10,000 GPUs|chips=10000} in "
                                          "[Germany|DE]."])
    later = Article("later", 60, "Cloud", ["[Deutsche Telekom] and [Nvidia] open a {EUR 1bn|money=1e9 EUR} cloud in "
                                           "[Germany|DE]."])
    again = Article("again", 150, "Cloud launch",
                    ["[Deutsche Telekom] and [Nvidia] launch the cloud with {10,000 GPUs|chips=10000} in "
                     "[Germany|DE]."])
    _, deals = cluster(first, later)
    assert docs_of(deals) == [["first"], ["later"]]  # 59 days, nothing repeated
    _, deals = cluster(first, again)
    assert docs_of(deals) == [["again", "first"]]  # the same figure, country and parties, 149 days on
    newcomer = Article("newcomer", 150, "Cloud",
                       ["[Deutsche Telekom] and [SAP] launch {10,000 GPUs|chips=10000} in [Germany|DE]."])
    _, deals = cluster(first, newcomer)
    assert docs_of(deals) == [["first"], ["newcomer"]]  # a new party months later: another deal


# ---------------------------------------------------------------------------------------------
# Weak links
# ---------------------------------------------------------------------------------------------


def test_a_weak_link_neither_anchors_the_deal_nor_sets_its_headline():
    newsroom = Article(
        "newsroom", 1, "[Nvidia] and [Humain] build AI factories",
        ["[Nvidia] will supply [Humain] with AI factories of {500MW|power=500} in [Saudi Arabia|SA]."],
    )
    visit = Article(
        "visit", 2, "Crown prince leaves [Washington|US] with chip deals",
        ["[Nvidia] and [Humain] confirmed the {500MW|power=500} plan in [Saudi Arabia|SA]."],
        ["Later phases could reach {2GW|power=2000}."],  # names nobody: borrows the title's US
    )
    figures, deals = cluster(newsroom, visit)
    (deal,) = deals
    weak = next(f for f in figures if f.amount == 2000)
    assert weak.tier == TIER_W and weak.anchor == "US"
    assert weak in deal.figures  # still evidence of the deal its article reports
    assert deal_anchor(deal) == "SA"
    assert deal_countries(deal) == ["SA"]
    assert weak.commitment_id not in headline_figures(deal)  # 2GW is not the deal's capacity


def test_a_weak_figure_confirmed_elsewhere_can_be_the_headline():
    campus = Article("campus", 1, "Gulf tour",
                     ["Leaders unveiled a {5GW|power=5000} campus in [Abu Dhabi|AE]."])
    cluster_story = Article(
        "cluster", 3, "[OpenAI] and [G42] build a {1GW|power=1000} cluster in [Abu Dhabi|AE]",
        ["It sits inside the campus, planned to reach {5GW|power=5000} in time."],
    )
    _, deals = cluster(campus, cluster_story)
    campus_deal = deal_with(deals, "campus", "power")
    weak = next(f for f in campus_deal.figures if f.doc_id == "cluster")
    assert weak.tier == TIER_W
    assert weak.commitment_id in headline_figures(campus_deal)
    assert docs_of(deals) == [["campus", "cluster"], ["cluster"]]


def test_a_weak_figure_of_another_kind_of_deal_is_left_out():
    article = Article(
        "a", 1, "[Humain] and [xAI] deal as crown prince visits [Washington|US]",
        ["[Humain] and [xAI] will build a {500MW|power=500} data centre in [Saudi Arabia|SA]."],
        ["Investment could rise to nearly {$1tn|money=1e12 USD} over time."],
    )
    figures, deals = cluster(article)
    money = next(f for f in figures if f.kind == "money")
    assert money.tier == TIER_W
    assert all(money not in deal.figures for deal in deals)
    assert len(deals) == 1


def test_an_article_whose_figures_name_nobody_makes_a_deal_of_its_own():
    _, deals = cluster(Article(
        "a", 1, "Culham named the first AI Growth Zone in the [UK|GB]",
        ["The site will host one of the largest data centres in the [UK|GB]."],
        ["It will start with {100MW|power=100} and scale up to {500MW|power=500}."],
    ))
    (deal,) = deals
    assert deal.anchor == "GB" and not deal.core
    assert len(deal.figures) == 2


# ---------------------------------------------------------------------------------------------
# Determinism
# ---------------------------------------------------------------------------------------------


def test_the_same_figures_in_any_order_give_the_same_deals():
    articles = [
        Article("stargate", 1, "Stargate UAE",
                ["[OpenAI], [G42] and [Oracle] will build a {1GW|power=1000} cluster in [Abu Dhabi|AE]."],
                ["The first {200MW|power=200} open in 2026."]),
        Article("microsoft", 2, "[Microsoft] in the [UAE|AE]",
                ["[Microsoft] will invest {$15.2bn|money=15.2e9 USD} in the [UAE|AE] with [G42]."]),
        Article("trade", 2, "Abu Dhabi campus",
                ["[G42] and [OpenAI] will develop a {1GW|power=1000} campus in the [UAE|AE] with [Nvidia]."]),
    ]
    figure_rows, mention_rows = [], []
    for article in articles:
        f, m = article.rows()
        figure_rows += f
        mention_rows += m
    expected = None
    for seed in range(5):
        rng = random.Random(seed)
        f_rows, m_rows = figure_rows[:], mention_rows[:]
        rng.shuffle(f_rows)
        rng.shuffle(m_rows)
        figures, contexts = attribute_figures(f_rows, m_rows)
        result = sorted((deal_id_for(d), sorted(f.commitment_id for f in d.figures))
                        for d in cluster_figures(figures, contexts))
        assert expected is None or result == expected
        expected = result


def test_a_company_named_in_passing_is_not_the_subject_of_the_next_figure():
    _, deals = cluster(Article(
        "a", 1, "[Microsoft] lifts its [UAE|AE] investment to {$15.2bn|money=15.2e9 USD}",
        ["[Microsoft] said [Microsoft] had invested {$7.3bn|money=7.3e9 USD} in the [Emirates|AE], "
         "including a stake in [G42], and would spend a further {$7.9bn|money=7.9e9 USD}."],
        ["[Microsoft] holds licences to ship chips to the [UAE|AE]. [Microsoft] said so."],
    ))
    (deal,) = deals  # G42 (named once) is the object of the sentence, Microsoft (five times) its subject
    assert len(deal.figures) == 3


def test_builders_named_after_a_figure_join_the_articles_leading_company():
    hub = Article(
        "hub", 1, "[Google] to spend {$15bn|money=15e9 USD} on an AI hub in [India|IN]",
        ["[Google] said the hub is its largest project in [India|IN]. [Google] will staff it locally."],
        ["The hub will include a campus of {1 gigawatt|power=1000}, built with [AdaniConneX] and [Airtel]."],
        ["[Google] presented the plan in [Delhi|IN]."],
    )
    _, deals = cluster(hub)
    (deal,) = deals  # the builders, named once after the figure, are partners in Google's hub
    assert {f.kind for f in deal.figures} == {"money", "power"}
    assert {"Google", "AdaniConneX", "Airtel"} <= deal.companies
    # a company that is the subject of its own figure, before it, keeps a deal of its own
    other = Article(
        "other", 1, "[Google] to spend {$15bn|money=15e9 USD} on an AI hub in [India|IN]",
        ["[Google] said the hub is its largest project in [India|IN]. [Google] will staff it locally."],
        ["Separately, [Reliance] will build a {1 gigawatt|power=1000} campus in [Jamnagar|IN]."],
        ["[Google] presented the plan in [Delhi|IN]."],
    )
    _, deals = cluster(other)
    assert len(deals) == 2


def test_a_sentence_revising_a_figure_finds_its_deal_whatever_the_time_apart():
    pledge = Article(
        "pledge", 1, "Gulf tour",
        ["[Saudi Arabia|SA] pledged {$600bn|money=600e9 USD} of investment in the [United States|US]."],
    )
    raised = Article(
        "raised", 190, "Crown prince in [Washington|US]",
        ["[Saudi Arabia|SA] would raise its investment in the [United States|US] from "
         "{$600bn|money=600e9 USD} to nearly {$1tn|money=1e12 USD}."],
    )
    figures, deals = cluster(pledge, raised)
    (deal,) = deals  # 189 days on: beyond the long window, but the sentence says what it revises
    assert sorted(f.amount for f in deal.figures) == [600e9, 600e9, 1e12]
    old, new = sorted((f for f in figures if f.doc_id == "raised"), key=lambda f: f.start)
    assert old.restated and new.revises == old.commitment_id
    # "up from" puts the new figure first
    up = Article(
        "up", 190, "Crown prince in [Washington|US]",
        ["[Saudi Arabia|SA] now plans {$1tn|money=1e12 USD} of investment in the [United States|US], "
         "up from {$600bn|money=600e9 USD}."],
    )
    _, deals = cluster(pledge, up)
    assert len(deals) == 1
    # the same round figure 189 days on, without a revision, is another deal
    again = Article(
        "again", 190, "Crown prince in [Washington|US]",
        ["[Saudi Arabia|SA] and the [United States|US] signed {$600bn|money=600e9 USD} of new agreements."],
    )
    _, deals = cluster(pledge, again)
    assert len(deals) == 2


def test_a_body_sentence_naming_only_a_country_joins_its_articles_deal():
    # several figures and a country, no company: the campus's phases in a story about its builders
    figures, deals = cluster(Article(
        "a", 1, "[Aker] and [Nscale] launch AI campus",
        ["[Aker] and [Nscale] will invest {$1bn|money=1e9 USD} in the first phase, [Aker] said."],
        ["Powered by hydropower in [Norway|NO], the site starts with {230MW|power=230} and may add "
         "{290MW|power=290}."],
        ["[Nscale] and [Aker] expect the first phase in [Norway|NO] next year."],
    ))
    assert docs_of(deals) == [["a"]]
    assert {f.amount for f in deals[0].figures} == {1e9, 230, 290}


def test_such_a_sentence_in_a_story_about_other_companies_founds_its_own_deal():
    figures, deals = cluster(Article(
        "a", 1, "[Reliance] plans AI campus",
        ["[Reliance] will spend {$20bn|money=20e9 USD} in [India|IN], [Reliance] said."],
        ["[OpenAI], [Oracle] and [SoftBank] lead the race; in the [United States|US] {4.5GW|power=4500} "
         "and {10GW|power=10000} are planned."],
        ["[OpenAI] and [Oracle] named sites; [OpenAI] and [SoftBank] said more will follow."],
    ))
    assert len(deals) == 2
