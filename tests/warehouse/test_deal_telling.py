"""Deals told for readers: the title and one-sentence summary written from a deal's record
(warehouse/resolution/telling.py), on handmade deal descriptions of the shapes the tracker meets."""

from __future__ import annotations

from datetime import date

from warehouse.resolution.telling import DealFacts, Party, deal_summary, deal_title

NORDIC_CAMPUS = DealFacts(
    project="Stargate Norway",
    parties=(Party("Nscale", "investor"), Party("Aker", "investor"), Party("OpenAI", "partner")),
    deal_type="data_center", host="NO", site="Narvik", mw=230.0,
    money_value=1e9, money_currency="USD", money_usd=1e9, first_reported=date(2025, 7, 31),
)


def test_a_project_with_parties_capacity_and_a_site():
    assert deal_title(NORDIC_CAMPUS) == (
        "Stargate Norway: Nscale, Aker and OpenAI plan a 230 MW AI data centre at Narvik")
    assert deal_summary(NORDIC_CAMPUS) == (
        "Nscale, Aker and OpenAI plan a 230 MW AI data centre (Stargate Norway) at Narvik, Norway; "
        "$1 billion committed; first reported in July 2025."
    )


def test_two_investors_and_a_partner_named_as_such():
    facts = DealFacts(
        parties=(Party("Nscale", "investor"), Party("Aker", "investor"), Party("Nvidia", "supplier"),
                 Party("OpenAI", "partner"), Party("Microsoft", "partner"), Party("Oracle", "partner")),
        deal_type="data_center", host="NO", mw=230.0, first_reported=date(2025, 7, 31),
    )
    assert deal_title(facts) == "Nscale, Aker and OpenAI plan a 230 MW AI data centre in Norway"
    # the parties the subject leaves out follow, suppliers last, at most three
    assert deal_summary(facts) == (
        "Nscale, Aker and OpenAI plan a 230 MW AI data centre in Norway, with Microsoft, Oracle and Nvidia; "
        "first reported in July 2025."
    )


def test_a_public_programme_with_a_budget_and_no_company():
    facts = DealFacts(
        project="IndiaAI Mission", deal_type="investment_programme", host="IN",
        money_value=103.72e9, money_currency="INR", money_usd=1.25e9, first_reported=date(2024, 3, 7),
    )
    # nobody is made up to lead it: the programme is told as what it is, with its own currency
    assert deal_title(facts) == "IndiaAI Mission: INR 103.7 billion AI programme in India"
    assert deal_summary(facts) == (
        "IndiaAI Mission is an INR 103.7 billion (about $1.2 billion) AI programme in India; "
        "first reported in March 2024."
    )


def test_a_chip_supply_with_a_supplier_and_a_buyer():
    facts = DealFacts(
        parties=(Party("Humain", "buyer"), Party("Nvidia", "supplier")), deal_type="chip_supply", host="SA",
        chip_count=18000, chip_model="GB300", money_value=37.5e9, money_currency="SAR", money_usd=1e10,
        first_reported=date(2025, 5, 13),
    )
    assert deal_title(facts) == "Nvidia to supply 18,000 GB300 chips to Humain in Saudi Arabia"
    assert deal_summary(facts) == (
        "Nvidia to supply 18,000 GB300 chips to Humain in Saudi Arabia; SAR 37.5 billion (about $10 billion) "
        "committed; first reported in May 2025."
    )
    signed = DealFacts(**{**facts.__dict__, "status": "signed"})
    assert deal_title(signed) == "Nvidia signs a deal to supply 18,000 GB300 chips to Humain in Saudi Arabia"


def test_a_deal_with_only_a_country():
    # no party, no figure: nothing is made up about what the deal would be
    facts = DealFacts(host="KE", first_reported=date(2025, 5, 20))
    assert deal_title(facts) == "AI infrastructure in Kenya, no commitment figure reported"
    assert deal_summary(facts) == (
        "AI infrastructure in Kenya, no commitment figure reported; first reported in May 2025.")
    with_money = DealFacts(host="KE", money_value=1e9, money_currency="USD", money_usd=1e9)
    assert deal_title(with_money) == "$1 billion AI partnership in Kenya"
    assert deal_summary(with_money) == "A $1 billion AI partnership in Kenya."


def test_missing_pieces_are_left_out_never_guessed():
    assert deal_title(DealFacts()) == "AI infrastructure, no commitment figure reported"
    no_host = DealFacts(parties=(Party("Mistral"),), deal_type="fund", money_value=1e9, money_currency="EUR")
    assert deal_title(no_host) == "Mistral launches a €1 billion AI fund"
    # a record of context figures only (a valuation) is not told as a plan
    no_figure = DealFacts(parties=(Party("Acme Capital"),), deal_type="data_center", host="FR")
    assert deal_title(no_figure) == "Acme Capital in France, no commitment figure reported"


def test_the_host_is_where_the_money_goes_with_its_article():
    facts = DealFacts(parties=(Party("Microsoft", "investor"),), deal_type="investment_programme", host="AE",
                      money_value=15.2e9, money_currency="USD", money_usd=15.2e9)
    assert deal_title(facts) == "Microsoft to invest $15.2 billion in the United Arab Emirates"
    operational = DealFacts(deal_type="data_center", host="CD", mw=18.0, status="operational")
    assert deal_title(operational) == "18 MW AI data centre in the Democratic Republic of the Congo"
    assert deal_summary(operational) == (
        "An 18 MW AI data centre in the Democratic Republic of the Congo, now operational.")


def test_the_verb_follows_the_status():
    base = {"parties": (Party("G42"), Party("OpenAI")), "deal_type": "data_center", "host": "AE", "mw": 1000.0}
    told = {status: deal_title(DealFacts(**base, status=status))
            for status in (None, "announced", "signed", "under_construction", "operational")}
    assert told == {
        None: "G42 and OpenAI plan a 1 GW AI data centre in the United Arab Emirates",
        "announced": "G42 and OpenAI plan a 1 GW AI data centre in the United Arab Emirates",
        "signed": "G42 and OpenAI sign a deal for a 1 GW AI data centre in the United Arab Emirates",
        "under_construction": "G42 and OpenAI build a 1 GW AI data centre in the United Arab Emirates",
        "operational": "G42 and OpenAI open a 1 GW AI data centre in the United Arab Emirates",
    }


def test_a_long_summary_stays_one_short_sentence():
    facts = DealFacts(
        project="Stargate UK Northern Extension Programme Phase One",
        parties=tuple(Party(name, "partner") for name in "Alpha Beta Gamma Delta Epsilon Zeta Eta".split()),
        deal_type="data_center", host="GB", site="Loughton", mw=500.0, money_value=12.5e9, money_currency="GBP",
        money_usd=16.7e9, chip_count=45000, chip_model="GB300", first_reported=date(2025, 9, 16),
    )
    summary = deal_summary(facts)
    assert len(summary) <= 220 and summary.endswith(".") and ". " not in summary
    assert "500 MW" in summary and "£12.5 billion" in summary and "September 2025" in summary


def test_the_learned_resolver_tells_its_deals_from_their_frames():
    from warehouse.resolution.describe import describe_deal
    from warehouse.resolution.frames import Figure, Frame
    from warehouse.resolution.frames import Party as FrameParty

    def figure(cid: str, day: date, kind: str, amount: float, **extra) -> Figure:
        return Figure(commitment_id=cid, doc_id=cid, reported_on=day, kind=kind, amount=amount,
                      deal_type="data_center", countries=("NO",), sentence="...", **extra)

    early, late = date(2025, 7, 31), date(2025, 9, 2)
    frames = [
        Frame(doc_id="a", index=0, reported_on=early, host="NO", project="Stargate Norway", deal_type="data_center",
              figures=[figure("a", early, "power", 100.0)],
              parties=[FrameParty("Nscale", "investor", 0.9), FrameParty("Aker", "partner", 0.8)]),
        Frame(doc_id="b", index=0, reported_on=late, host="NO", project="Stargate Norway", deal_type="data_center",
              figures=[figure("b", late, "power", 230.0), figure("c", late, "money", 1e9, currency="USD", usd=1e9),
                       figure("d", late, "money", 9e11, currency="USD", usd=9e11, role="context")],
              parties=[FrameParty("Aker", "partner", 0.7), FrameParty("Nscale", "investor", 0.9)]),
    ]
    deal = describe_deal(frames)
    # the latest report's capacity, the investor first, the project's country not said twice;
    # the $900bn context figure is never told
    assert deal.title == "Stargate Norway: Nscale and Aker plan a 230 MW AI data centre"
    assert deal.summary == ("Nscale and Aker plan a 230 MW AI data centre (Stargate Norway) in Norway; "
                            "$1 billion committed; first reported in July 2025.")
    assert deal.parties == [{"name": "Nscale", "role": "investor"}, {"name": "Aker", "role": "partner"}]


def test_money_for_data_centres_and_chip_deals_without_roles():
    google = DealFacts(parties=(Party("Google"),), deal_type="data_center", host="IN", money_value=15e9,
                       money_currency="USD", money_usd=15e9)
    assert deal_title(google) == "Google plans a $15 billion investment in AI data centres in India"
    building = DealFacts(**{**google.__dict__, "status": "under_construction"})
    assert deal_title(building) == "Google builds AI data centres worth $15 billion in India"
    # who sells and who buys is not known: nobody is said to buy
    chips = DealFacts(parties=(Party("OpenAI"),), deal_type="chip_supply", host="GB", chip_count=31000)
    assert deal_title(chips) == "OpenAI announces a deal for 31,000 chips in the United Kingdom"
