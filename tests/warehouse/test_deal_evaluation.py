"""The deal evaluation (`tracker eval --deals GOLD`): its scores on hand-made gold sets and
predictions whose right answers are known, its reading of gold files, and the command end to end
on a small gold set written here (the real pipeline in a temporary warehouse)."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from warehouse.deal_evaluation import GoldError, evaluate, read_gold
from warehouse.deal_evaluation.report import format_errors, format_report
from warehouse.deal_evaluation.scoring import PredictedDeal, PredictedFigure, Prediction

REPO = Path(__file__).resolve().parents[2]

# -- a tiny gold set: deal "stargate-uae" in three articles, "humain-nvidia" in two, one context
# figure, one article without a deal.
DEALS_TOML = """
[[deal]]
key = "stargate-uae"
title = "Stargate UAE: G42 and OpenAI build a 1 GW AI campus in Abu Dhabi"
host = "AE"
parties = [ {name = "G42", role = "builder"}, {name = "Open AI", role = "operator"},
            {name = "UAE government", role = "host_government"} ]

[[deal]]
key = "humain-nvidia"
title = "Nvidia supplies 18,000 GB300 chips to Humain"
host = "SA"
parties = [ {name = "Humain", role = "buyer"}, {name = "Nvidia", role = "supplier"} ]
"""


def money(value, text, deal=None, currency="USD"):
    role = {"role": "commitment", "deal": deal} if deal else {"role": "context", "what": "background"}
    return {"kind": "money", "value": value, "currency": currency, "text": text, **role}


def power(mw, text, deal=None):
    role = {"role": "commitment", "deal": deal} if deal else {"role": "context", "what": "background"}
    return {"kind": "power", "mw": mw, "text": text, **role}


def chips(count, text, deal=None):
    role = {"role": "commitment", "deal": deal} if deal else {"role": "context", "what": "background"}
    return {"kind": "chips", "count": count, "text": text, **role}


def article(article_id, title, text, figures, outlet=None, published="2025-05-15"):
    return {"id": article_id, "outlet": outlet or f"Outlet {article_id}", "published": published,
            "url": f"https://{article_id}.example.com/news/{article_id}", "title": title, "text": text,
            "figures": figures}


TINY_ARTICLES = [
    article("a1", "G42 and OpenAI plan a 1GW campus", "The campus will cost $30 billion. Nvidia ships 18,000 chips "
                                                      "to Humain.",
            [power(1000, "1GW", "stargate-uae"), money(30e9, "$30 billion", "stargate-uae"),
             chips(18000, "18,000 chips", "humain-nvidia")]),
    article("a2", "Stargate UAE", "A 1 gigawatt site in Abu Dhabi; Humain buys 18,000 GB300 chips.",
            [power(1000, "1 gigawatt", "stargate-uae"), chips(18000, "18,000 GB300 chips", "humain-nvidia")]),
    article("a3", "Abu Dhabi's $30 billion campus", "OpenAI is valued at $300 billion.",
            [money(30e9, "$30 billion", "stargate-uae"), money(300e9, "$300 billion")]),
]


def write_gold(folder: Path, articles: list[dict], deals: str = DEALS_TOML, suffix: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"articles{suffix}.jsonl").write_text("".join(json.dumps(a) + "\n" for a in articles))
    (folder / f"deals{suffix}.toml").write_text(deals)
    return folder


@pytest.fixture
def tiny(tmp_path):
    return read_gold(write_gold(tmp_path / "gold", TINY_ARTICLES))


def predict(gold, deal_of: dict[tuple[str, int], str | None], skip=(), extra=()) -> list[PredictedFigure]:
    """One predicted figure per gold figure (but those in `skip`), at the place of its text, in
    the deal `deal_of` names (default: a deal named after the gold deal, "p-<key>")."""
    from warehouse.deal_evaluation.scoring import gold_places

    figures = []
    for item in gold.articles:
        places = gold_places(item)
        for figure in item.figures:
            if (item.id, figure.index) in skip:
                continue
            deal = deal_of.get((item.id, figure.index), f"p-{figure.deal}" if figure.deal else None)
            figures.append(PredictedFigure(f"c-{item.id}-{figure.index}", item.id, figure.kind, figure.amount,
                                           figure.currency, places[figure.index], deal, figure.text))
    return figures + list(extra)


RIGHT_DEALS = {
    "p-stargate-uae": PredictedDeal("p-stargate-uae", "G42, OpenAI in UAE", ("AE", "US"), ("G42", "OpenAI"),
                                    (("power", 1000.0, None), ("money", 30e9, "USD"))),
    "p-humain-nvidia": PredictedDeal("p-humain-nvidia", "Nvidia, Humain in Saudi Arabia", ("SA",), ("Humain", "Nvidia"),
                                     (("chips", 18000.0, None),)),
}
PARTY_NAMES = {"open ai": "OpenAI"}  # as pipeline.company_names() reads them from the registry


def test_a_perfect_prediction_scores_one_everywhere(tiny):
    report = evaluate(tiny, Prediction(predict(tiny, {}), dict(RIGHT_DEALS)), PARTY_NAMES)
    # stargate-uae: 1GW, $30bn in a1; 1 gigawatt in a2; $30bn in a3 -> 5 cross-article pairs; humain: 1
    assert (report["pairwise"]["gold_pairs"], report["pairwise"]["true_pairs"]) == (6, 6)
    assert report["pairwise"]["precision"] == report["pairwise"]["recall"] == 1.0
    assert report["multi_article_deals"] == {"deals": 2, "kept_whole": 2, "share": 1.0,
                                             "whole": ["humain-nvidia", "stargate-uae"]}
    assert report["host"]["share"] == 1.0 and report["host"]["deals"] == 2
    # "Open AI" is the registry's OpenAI; the UAE government is not a company
    assert report["parties"] == {"precision": 1.0, "recall": 1.0, "gold": 4, "predicted": 4, "right": 4}
    assert report["context_as_deal_figures"]["in_deals"] == 0
    assert report["figures"]["recall"] == 1.0 and report["figures"]["gold"] == 7
    assert report["predicted_deals"] == {"deals": 2, "without_gold_commitment": 0}


def test_a_split_deal_loses_exactly_its_cross_pairs(tiny):
    # a3's $30bn founds a deal of its own: stargate-uae's pairs with a3 (a1-1GW, a1-$30bn,
    # a2-1GW with a3-$30bn: 3 of 5) are lost; precision stays 1
    deals = dict(RIGHT_DEALS, **{"p-split": PredictedDeal("p-split", "AI in UAE", ("AE",))})
    report = evaluate(tiny, Prediction(predict(tiny, {("a3", 0): "p-split"}), deals), PARTY_NAMES)
    pairwise = report["pairwise"]
    assert (pairwise["gold_pairs"], pairwise["predicted_pairs"], pairwise["true_pairs"]) == (6, 3, 3)
    assert pairwise["recall"] == pytest.approx(3 / 6) and pairwise["precision"] == 1.0
    assert report["multi_article_deals"]["whole"] == ["humain-nvidia"]
    assert report["host"]["share"] == 1.0  # the main deal (2 of 3 articles) is still right


def test_a_merge_lowers_precision_and_breaks_both_deals(tiny):
    merged = {key: "p-stargate-uae" for key in [("a1", 2), ("a2", 1)]}  # Humain's chips join Stargate
    report = evaluate(tiny, Prediction(predict(tiny, merged), {"p-stargate-uae": RIGHT_DEALS["p-stargate-uae"]}),
                      PARTY_NAMES)
    pairwise = report["pairwise"]
    # one predicted deal of 6 figures: a1 x3, a2 x2, a3 x1 -> (36 - 9 - 4 - 1) / 2 = 11 pairs, 6 right
    assert (pairwise["predicted_pairs"], pairwise["true_pairs"]) == (11, 6)
    assert pairwise["precision"] == pytest.approx(6 / 11) and pairwise["recall"] == 1.0
    assert report["multi_article_deals"]["kept_whole"] == 0
    assert report["host"]["right"] == 1  # humain-nvidia's main deal is hosted in the UAE
    errors = evaluate(tiny, Prediction(predict(tiny, merged), {"p-stargate-uae": RIGHT_DEALS["p-stargate-uae"]}),
                      PARTY_NAMES, errors=True)["errors"]
    humain = next(e for e in errors["deals"] if e["deal"] == "humain-nvidia")
    assert "merged with stargate-uae" in humain["problems"] and "host AE, not SA" in humain["problems"]
    assert "parties missing: Humain, Nvidia" in humain["problems"]


def test_a_context_figure_in_a_deal_is_counted(tiny):
    shown = {("a3", 1): "p-stargate-uae"}  # OpenAI's valuation shown under Stargate UAE
    deals = dict(RIGHT_DEALS)
    deals["p-stargate-uae"] = PredictedDeal("p-stargate-uae", "G42, OpenAI in UAE", ("AE",), ("G42", "OpenAI"),
                                            (("money", 300e9, "USD"),))
    report = evaluate(tiny, Prediction(predict(tiny, shown), deals), PARTY_NAMES, errors=True)
    assert report["context_as_deal_figures"] == {"context": 1, "shown": 1, "share": 1.0, "as_headline": 1,
                                                 "in_deals": 1}
    assert report["pairwise"]["precision"] == 1.0  # only commitment pairs are scored pairwise
    a3 = next(e for e in report["errors"]["articles"] if e["article"] == "a3")
    assert a3["context_in_deals"][0]["predicted_deal"] == "p-stargate-uae"
    assert a3["context_in_deals"][0]["shown"] is True


def test_a_context_figure_kept_as_evidence_but_marked_context_is_not_shown(tiny):
    # the pipeline keeps OpenAI's valuation as evidence of Stargate UAE but calls it context: the
    # newsletter leaves it out and the review page strikes it through, so it is no deal figure
    figures = [
        replace(f, role="context") if (f.article, f.figure_id) == ("a3", "c-a3-1") else f
        for f in predict(tiny, {("a3", 1): "p-stargate-uae"})
    ]
    report = evaluate(tiny, Prediction(figures, dict(RIGHT_DEALS)), PARTY_NAMES, errors=True)
    assert report["context_as_deal_figures"] == {"context": 1, "shown": 0, "share": 0.0, "as_headline": 0,
                                                 "in_deals": 1}
    a3 = next(e for e in report["errors"]["articles"] if e["article"] == "a3")
    assert a3["context_in_deals"][0]["shown"] is False
    assert "kept, marked context: money" in format_errors(report["errors"])
    line = next(x for x in format_report(report).splitlines() if x.startswith("context figures as deal figures"))
    assert "(0/1)" in line and "1 of them marked context" in line


def test_figures_not_extracted_count_against_recall_not_precision(tiny):
    prediction = Prediction(predict(tiny, {}, skip={("a2", 0)}), dict(RIGHT_DEALS))
    report = evaluate(tiny, prediction, PARTY_NAMES, errors=True)
    assert report["figures"]["matched"] == 6 and report["figures"]["commitment"]["recall"] == pytest.approx(5 / 6)
    pairwise = report["pairwise"]
    assert pairwise["true_pairs"] == 3 and pairwise["recall"] == pytest.approx(3 / 6)  # a2's 1GW made 3 pairs
    assert pairwise["recall_matched"] == 1.0 and pairwise["precision"] == 1.0
    assert report["multi_article_deals"]["kept_whole"] == 2  # its other figures are still one deal
    a2 = next(e for e in report["errors"]["articles"] if e["article"] == "a2")
    assert a2["not_extracted"][0]["deal"] == "stargate-uae"
    text = format_errors(report["errors"])
    assert "a2 power 1_000 MW (\"1 gigawatt\") -> not extracted" in text
    assert "pairwise recall" in format_report(report)


def test_the_same_figure_twice_in_an_article_is_matched_by_place(tmp_path):
    text = "Fluidstack plans 1 GW near Paris. Separately, MGX will build 1 GW at Fouju."
    gold = read_gold(write_gold(tmp_path / "gold", [
        article("f1", "", text, [power(1000, "1 GW", "stargate-uae"), power(1000, "1 GW", "humain-nvidia")])]))
    first, second = text.find("1 GW"), text.rfind("1 GW")
    figures = [PredictedFigure("late", "f1", "power", 1000.0, None, second, "p-second"),
               PredictedFigure("early", "f1", "power", 1000.0, None, first, "p-first")]
    report = evaluate(gold, Prediction(figures, {}), errors=True)
    deals = {e["deal"]: e["figures"][0]["predicted_deal"] for e in report["errors"]["deals"]}
    assert deals == {"stargate-uae": "p-first", "humain-nvidia": "p-second"}


def test_money_needs_its_currency_and_one_percent(tiny):
    figures = [PredictedFigure("eur", "a3", "money", 30e9, "EUR", None, "p-stargate-uae"),
               PredictedFigure("off", "a3", "money", 30.5e9, "USD", None, "p-stargate-uae")]
    report = evaluate(tiny, Prediction(figures, dict(RIGHT_DEALS)))
    assert report["figures"]["matched"] == 0


# -- reading gold sets ---------------------------------------------------------------------------

def test_a_folder_of_pairs_is_one_set(tmp_path):
    folder = write_gold(tmp_path / "dev", TINY_ARTICLES[:2], suffix="_a")
    other = DEALS_TOML.replace('"stargate-uae"', '"stargate-uae-b"').replace('"humain-nvidia"', '"humain-b"')
    third = dict(TINY_ARTICLES[2], id="b3", figures=[money(30e9, "$30 billion", "stargate-uae")])
    write_gold(folder, [third], deals=other, suffix="_b")  # names a deal of deals_a.toml
    gold = read_gold(folder)
    assert [a.id for a in gold.articles] == ["a1", "a2", "b3"]
    assert len(gold.deals) == 4
    assert [a.id for a in read_gold(folder / "articles_a.jsonl").articles] == ["a1", "a2"]
    with pytest.raises(GoldError, match="names unknown deal 'stargate-uae'"):
        read_gold(folder / "articles_b.jsonl")  # alone, with its own deals_b.toml


@pytest.mark.parametrize("breakage, message", [
    ("no deals", "its deal key deals.toml is missing"),
    ("unknown deal", "line 1: figure 2 ('$30 billion') names unknown deal 'no-such-deal'"),
    ("bad json", "line 2: not valid JSON"),
    ("bad toml", "deals.toml: invalid TOML"),
    ("no currency", "line 1, figure 2: a money figure needs 'currency'"),
    ("same id", "line 2: article id 'a1' is already used"),
])
def test_a_broken_gold_set_is_one_clear_error(tmp_path, breakage, message):
    folder = write_gold(tmp_path / "gold", TINY_ARTICLES)
    articles = folder / "articles.jsonl"
    lines = articles.read_text().splitlines()
    if breakage == "no deals":
        (folder / "deals.toml").unlink()
    elif breakage == "unknown deal":
        first = json.loads(lines[0])
        first["figures"][1]["deal"] = "no-such-deal"
        articles.write_text("\n".join([json.dumps(first), *lines[1:]]) + "\n")
    elif breakage == "bad json":
        articles.write_text(lines[0] + "\n" + lines[1][:-5] + "\n")
    elif breakage == "bad toml":
        (folder / "deals.toml").write_text("[[deal]\nkey = 1\n")
    elif breakage == "no currency":
        articles.write_text(articles.read_text().replace('"currency": "USD", ', "", 1))
    elif breakage == "same id":
        articles.write_text(lines[0] + "\n" + lines[0] + "\n")
    with pytest.raises(GoldError) as caught:
        read_gold(folder)
    assert message in str(caught.value) and "\n" not in str(caught.value)


def tracker(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tracker", *args], capture_output=True, text=True,
                          cwd=REPO, timeout=300)


def test_the_command_refuses_a_broken_gold_set_in_one_line(tmp_path):
    folder = write_gold(tmp_path / "gold", TINY_ARTICLES)
    (folder / "deals.toml").unlink()
    result = tracker("eval", "--deals", str(folder))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"tracker eval: {folder / 'articles.jsonl'}: its deal key deals.toml is missing (expected "
        f"{folder / 'deals.toml'})"]


# -- end to end: the real pipeline on five hand-written articles -----------------------------------

E2E_DEALS = """
[[deal]]
key = "stargate-uae"
title = "Stargate UAE: G42 and OpenAI build a 1 GW AI campus in Abu Dhabi"
host = "AE"
parties = [ {name = "G42", role = "builder"}, {name = "OpenAI", role = "operator"} ]

[[deal]]
key = "stargate-norway"
title = "Stargate Norway: Nscale and Aker plan a 230 MW AI campus at Narvik"
host = "NO"
parties = [ {name = "Nscale", role = "builder"}, {name = "Aker", role = "investor"} ]
"""

E2E_ARTICLES = [
    article("e1", "G42 and OpenAI to build 1GW Stargate UAE campus in Abu Dhabi",
            "Abu Dhabi's G42 and OpenAI will build a 1GW data centre campus called Stargate UAE in the United "
            "Arab Emirates.\n\nThe first 200MW phase is due to go live in 2026, G42 said.",
            [power(1000, "1GW", "stargate-uae"), power(200, "200MW", "stargate-uae")],
            outlet="Gulf Wire", published="2025-05-22"),
    article("e2", "OpenAI picks the UAE for its first Stargate abroad",
            "OpenAI said on Thursday that G42 will build the 1 gigawatt Stargate UAE cluster in Abu Dhabi, "
            "in the United Arab Emirates.\n\nOpenAI was valued at $300 billion in its latest funding round.",
            [power(1000, "1 gigawatt", "stargate-uae"), money(300e9, "$300 billion")],
            outlet="Tech Daily", published="2025-05-23"),
    article("e3", "Nscale and Aker plan 230MW Stargate Norway campus",
            "Nscale and Aker will build a 230MW AI data centre at Narvik in Norway, named Stargate Norway.\n\n"
            "Nscale said the site would hold 100,000 GPUs by the end of 2026.",
            [power(230, "230MW", "stargate-norway"), chips(100000, "100,000 GPUs", "stargate-norway")],
            outlet="Nordic Business", published="2025-07-31"),
    article("e4", "Norway gets a Stargate",
            "Aker and Nscale are to develop a 230 MW campus near Narvik, Norway, with 100,000 GPUs, "
            "the companies said.",
            [power(230, "230 MW", "stargate-norway"), chips(100000, "100,000 GPUs", "stargate-norway")],
            outlet="Energy Times", published="2025-08-01"),
    article("e5", "AI spending keeps rising",
            "Analysts expect spending on AI data centres to pass $1 trillion by 2030, a market report said.",
            [money(1e12, "$1 trillion")], outlet="Market Notes", published="2025-08-02"),
]


def test_tracker_eval_deals_runs_the_pipeline_and_reports_every_metric(tmp_path):
    folder = write_gold(tmp_path / "gold", E2E_ARTICLES, deals=E2E_DEALS)
    result = tracker("eval", "--deals", str(folder), "--json", "--errors")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    for key in ("figures", "pairwise", "multi_article_deals", "host", "parties", "context_as_deal_figures",
                "predicted_deals", "errors"):
        assert key in report, key
    assert report["articles"] == 5 and report["gold_deals"] == 2 and report["articles_not_stored"] == []
    assert report["figures"]["gold"] == 9 and report["figures"]["matched"] >= 7  # the extractor reads these
    assert report["pairwise"]["gold_pairs"] == 2 + 4  # UAE: 1GW, 200MW x 1 gigawatt; Norway: 2 x 2
    assert report["multi_article_deals"]["deals"] == 2 and report["host"]["deals"] == 2
    for metric in ("precision", "recall"):
        assert 0.0 <= report["pairwise"][metric] <= 1.0 and 0.0 <= report["parties"][metric] <= 1.0
    assert set(report["errors"]) == {"deals", "articles"}
    assert "pairwise precision" in format_report(report)


def test_the_sample_key_converts_to_a_gold_set(tmp_path):
    from warehouse.deal_evaluation.sample import write_sample_gold

    gold = read_gold(write_sample_gold(tmp_path / "sample-gold"))
    assert len(gold.articles) == 48 and len(gold.deals) == 45
    assert gold.deals["stargate-uae"].host == "AE" and gold.deals["eu-investai"].host == ""
    figures = {(f.kind, f.amount, f.role, f.deal) for f in
               next(a for a in gold.articles if a.id == "dcledger/stargate-uae-first-phase").figures}
    assert figures == {("power", 1000.0, "commitment", "stargate-uae"), ("power", 200.0, "commitment", "stargate-uae"),
                       ("power", 5000.0, "context", None)}
