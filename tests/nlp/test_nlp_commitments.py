"""Commitments: money with currency, power in MW, chip counts; never percentages, years or prices."""

import pytest

B = 10**9


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("It will invest $500 billion.", [("money", 500 * B, "USD")]),
        ("It pledged US$10bn.", [("money", 10 * B, "USD")]),
        ("The plan is worth €109bn.", [("money", 109 * B, "EUR")]),
        ("The plan is worth EUR 109 bn.", [("money", 109 * B, "EUR")]),
        ("Britain will spend £2.5bn.", [("money", 2_500_000_000, "GBP")]),
        ("SoftBank will invest ¥1 trillion.", [("money", 10**12, "JPY")]),
        ("India set aside ₹10,000 crore.", [("money", 10**11, "INR")]),
        ("Reliance pledged Rs 1.5 lakh crore.", [("money", 1_500_000_000_000, "INR")]),
        ("The state set aside 10,000 crore for chips.", [("money", 10**11, "INR")]),
        ("G42 pledged AED 10bn and Dh5bn.", [("money", 10 * B, "AED"), ("money", 5 * B, "AED")]),
        ("Humain will spend SAR 37.5 billion.", [("money", 37_500_000_000, "SAR")]),
        ("It will cost 5 billion riyals.", [("money", 5 * B, "SAR")]),
        ("It will cost 20 billion dirhams.", [("money", 20 * B, "AED")]),
        ("Subsidies of 1.2 trillion won were approved.", [("money", 1_200_000_000_000, "KRW")]),
        ("The fund holds 800 billion yen.", [("money", 800 * B, "JPY")]),
        ("The budget is 4,000 crore rupees.", [("money", 4 * 10**10, "INR")]),
        ("It raised 3 billion euros and 2 billion pounds.", [("money", 3 * B, "EUR"), ("money", 2 * B, "GBP")]),
        ("The deal is worth three billion dollars.", [("money", 3 * B, "USD")]),
        ("The round raised $400m.", [("money", 400_000_000, "USD")]),
        ("The round raised $400 mn.", [("money", 400_000_000, "USD")]),
        ("A grant of $500k was awarded.", [("money", 500_000, "USD")]),
        ("It could reach $1.5tn.", [("money", 1_500_000_000_000, "USD")]),
        ("Brazil set aside R$23 billion.", [("money", 23 * B, "BRL")]),
        ("Canada put in C$2 billion and Australia A$1bn.", [("money", 2 * B, "CAD"), ("money", B, "AUD")]),
        ("The grid upgrade costs NOK 2 billion.", [("money", 2 * B, "NOK")]),
        ("It will cost a billion dollars.", [("money", B, "USD")]),
    ],
)
def test_money(figures, text, expected):
    assert figures(text) == expected


def test_conversion_in_brackets_gives_two(figures):
    assert figures("France announced €109bn ($112.5bn) of investment.") == [
        ("money", 109 * B, "EUR"),
        ("money", 112_500_000_000, "USD"),
    ]


@pytest.mark.parametrize(
    ("text", "value", "low", "qualifier"),
    [
        ("It will cost $30-50bn.", 50 * B, 30 * B, None),
        ("It will cost between €30bn and €50bn.", 50 * B, 30 * B, "between"),
        ("It will cost $30bn to $50bn.", 50 * B, 30 * B, None),
    ],
)
def test_money_ranges(extract, text, value, low, qualifier):
    (item,) = extract(text)["commitments"]
    assert item["value"] == value
    assert item["range"] == [low, value]
    assert item.get("qualifier") == qualifier


@pytest.mark.parametrize(
    ("text", "qualifier"),
    [
        ("The UAE will invest up to $500 billion.", "up to"),
        ("It will spend more than $100 billion.", "more than"),
        ("The fund has about €20bn.", "about"),
        ("They ordered nearly 10,000 GPUs.", "nearly"),
    ],
)
def test_qualifiers(extract, text, qualifier):
    (item,) = extract(text)["commitments"]
    assert item["qualifier"] == qualifier
    assert "range" not in item


@pytest.mark.parametrize(
    ("text", "mw"),
    [
        ("A 1GW campus.", 1000),
        ("A 1-gigawatt campus.", 1000),
        ("It draws 2.5GW.", 2500),
        ("It draws 200 megawatts.", 200),
        ("It draws 1.2 gigawatts.", 1200),
        ("It draws 230 MW.", 230),
        ("It draws 5 GW.", 5000),
    ],
)
def test_power(figures, text, mw):
    assert figures(text) == [("power", mw)]


def test_power_range(extract):
    (item,) = extract("The site will grow to 1-5 GW.")["commitments"]
    assert (item["mw"], item["range"]) == (5000, [1000, 5000])


@pytest.mark.parametrize(
    ("text", "count", "model"),
    [
        ("Humain will buy 18,000 GB300 chips.", 18000, "GB300"),
        ("Humain will buy 18,000 GB300 Grace Blackwell chips.", 18000, "GB300"),
        ("It will deploy 18,000 GB300.", 18000, "GB300"),
        ("G42 may import 100,000 Nvidia chips.", 100000, None),
        ("The cluster has 260,000 GPUs.", 260000, None),
        ("It ordered 5,000 H100s.", 5000, "H100"),
        ("It ordered 20,000 AMD MI450 GPUs.", 20000, "MI450"),
        ("G42 may import up to 500,000 of Nvidia's most advanced AI chips.", 500000, None),
        ("The site will host 1 million accelerators.", 1_000_000, None),
        ("The lab has 100k GPUs.", 100_000, None),
        ("It trained on 2048 GPUs.", 2048, None),
        ("It will deploy 72 Grace Blackwell superchips.", 72, "Grace Blackwell"),
    ],
)
def test_chips(figures, text, count, model):
    assert figures(text) == [("chips", count, model)]


@pytest.mark.parametrize(
    "text",
    [
        "Revenue rose 20% to $30bn.",
        "Shares closed at $180.50.",
        "The stock rose 5 percent.",
        "The company has 10,000 employees and will create 5,000 jobs by 2030.",
        "It will install 3,000 servers in 40 racks, made from 500 wafers.",
        "The model has 70 billion parameters and was trained on 15 trillion tokens.",
        "In 2025 Nvidia chips sold out.",
        "Nvidia reported quarterly revenue of $46.7 billion.",
        "The company has a market capitalisation of $4 trillion.",
        "The GPUs rent for $2 per hour.",
        "Its valuation reached $300 billion.",
        "The site stores 10 GWh of energy.",
        "The plan runs from 2025 to 2030.",
        "On 12 May 2025 the ministers met.",
    ],
)
def test_never_a_commitment(figures, text):
    assert figures(text) == []


def test_repeated_figure_counts_once(extract):
    out = extract("Stargate UAE will use 5GW. The 5GW campus will be in Abu Dhabi. It costs $20bn, or $20 billion.")
    assert [(c["kind"], c.get("mw", c.get("value"))) for c in out["commitments"]] == [
        ("power", 5000), ("money", 20 * B)
    ]


def test_same_value_different_currency_is_two(figures):
    assert figures("It costs $10bn and €10bn.") == [("money", 10 * B, "USD"), ("money", 10 * B, "EUR")]


def test_half_a_trillion(figures):
    assert figures("Few believed they could raise half a trillion dollars.") == [("money", 500 * B, "USD")]


@pytest.mark.parametrize(
    "text",
    [
        "Humain plans to deploy several hundred thousand Nvidia GPUs.",
        "The country's technology sector is worth more than £1 trillion.",
        "Nvidia became the first company to be valued at $5 trillion.",
    ],
)
def test_vague_counts_and_valuations(figures, text):
    assert figures(text) == []


def test_deal_worth_is_a_commitment(figures):
    assert figures("The deal is worth $10 billion.") == [("money", 10 * B, "USD")]
    assert figures("The project is valued at about RM 20 billion.") == [("money", 20 * B, "MYR")]


def test_product_names_between_count_and_chip_noun(figures):
    assert figures("The system uses 5,448 Nvidia GH200 Grace Hopper superchips.") == [("chips", 5448, "GH200")]


def test_rand_symbol(figures):
    assert figures("MTN pledged R1 billion for skills.") == [("money", B, "ZAR")]


def test_from_to_is_a_change_not_a_range(figures):
    assert figures("It raised its pledge from $600 billion to $1 trillion.") == [
        ("money", 600 * B, "USD"), ("money", 10**12, "USD")
    ]


def test_currency_words_only_after_the_number(figures):
    assert figures("Samsung won 5 contracts and 3 awards.") == []


def test_tiny_chip_counts_are_not_commitments(figures):
    assert figures("It is one of the fastest chips, and two GPUs failed.") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The grid will power 10,000 or more GPUs.", [("chips", 10000, None)]),
        ("Each site will house 100,000 last-generation AI chips.", [("chips", 100000, None)]),
        ("The startup raised KES 1.3 billion.", [("money", 1300000000, "KES")]),
        ("It will cost EGP 12 billion and MAD 15 billion.",
         [("money", 12000000000, "EGP"), ("money", 15000000000, "MAD")]),
        ("Revenue rose to $38 million, up from $11 million a year earlier.", []),
        ("Its cloud segment contributing $51.2 billion was the largest.", []),
    ],
)
def test_more_figures_and_non_figures(figures, text, expected):
    assert figures(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The Johor campus costs RM12.5bil, or US$2.8bil.",
         [("money", 12_500_000_000, "MYR"), ("money", 2_800_000_000, "USD")]),
        ("A grant of RM300mil was approved.", [("money", 300_000_000, "MYR")]),
        ("The state set aside Rs 750 Cr for GPUs.", [("money", 7_500_000_000, "INR")]),
        ("Telcos pledged $4Bn.", [("money", 4 * B, "USD")]),
        ("The county expects Kshs95 billion of investment.", [("money", 95 * B, "KES")]),
    ],
)
def test_scale_and_currency_spellings(figures, text, expected):
    """Malaysian "bil"/"mil", Indian "Cr", capitalised "Bn", Kenyan "Kshs"."""
    assert figures(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The operator will install 4 000 Nvidia GPUs.", [("chips", 4000, None)]),
        ("Each card sells for as much as R450 000.", [("money", 450_000, "ZAR")]),
        ("The fund holds 1 250 000 000 rand.", [("money", 1_250_000_000, "ZAR")]),
        ("The plan needs 25\u00a0000 accelerators.", [("chips", 25000, None)]),
        ("Call 021 555 0100 before 12 May.", []),
    ],
)
def test_thousands_set_apart_by_spaces(figures, text, expected):
    assert figures(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Bids are open under the ₹8,500-crore scheme.", [("money", 85_000_000_000, "INR")]),
        ("It is part of a $12-billion programme.", [("money", 12 * B, "USD")]),
        ("The telco will spend R3.2-billion and US$180-million.",
         [("money", 3_200_000_000, "ZAR"), ("money", 180_000_000, "USD")]),
        ("They signed a 20-billion-dollar pact and a 400-million-euro loan.",
         [("money", 20 * B, "USD"), ("money", 400_000_000, "EUR")]),
    ],
)
def test_scale_or_currency_after_a_hyphen(figures, text, expected):
    assert figures(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The campus will draw up to a gigawatt, the ministry said.", [("power", 1000)]),
        ("Norway set aside a gigawatt of hydropower for AI.", [("power", 1000)]),
        ("The first phase needs half a gigawatt.", [("power", 500)]),
        ("It plans a gigawatt-scale campus.", []),
        ("The firm did not give a megawatt figure.", []),
        ("Building it costs $12m a megawatt.", [("money", 12_000_000, "USD")]),
    ],
)
def test_a_gigawatt(figures, text, expected):
    assert figures(text) == expected


def test_energy_is_not_power(figures):
    assert figures("The wind farms yield 2.1 million megawatt-hours a year, or 40 megawatt hours a day.") == []


def test_a_density_is_not_a_capacity(figures):
    # racks of 10 kW, 100 kW or 1 MW say how dense a hall is, not how big the campus is
    text = ("Typical halls handle about 10 kilowatts per rack; the new designs reach 100 kilowatts a rack "
            "and aim for 1 megawatt per rack. The campus will draw 250 MW and add 1 GW a year.")
    assert figures(text) == [("power", 250), ("power", 1000)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Each hall will hold about fifty thousand state-of-the-art AI chips.", [("chips", 50000, None)]),
        ("Nvidia will ship more than 9,000 of its best GPUs.", [("chips", 9000, None)]),
        ("The contract covers 12,000 Nvidia Grace Blackwell systems.", [("chips", 12000, "Grace Blackwell")]),
        ("It will install 3,000 Nvidia GB200 servers.", []),
        ("It rents out 6,000 RTX 4090 GPUs.", [("chips", 6000, None)]),
        ("Gamers still buy RTX 5090 GPUs.", []),
        ("Humain Buys 18000 Nvidia Chips", [("chips", 18000, None)]),
    ],
)
def test_words_between_count_and_chip_noun(figures, text, expected):
    assert figures(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The lab starts with 4,000 GPUs and could grow to 16,000.",
         [("chips", 4000, None), ("chips", 16000, None)]),
        ("Partners will deploy 200,000 GPUs worldwide, 45,000 of them in Japan.",
         [("chips", 200000, None), ("chips", 45000, None)]),
        ("Each site takes 120,000 H200 chips, or up to 20,000 per hall.",
         [("chips", 120000, "H200"), ("chips", 20000, "H200")]),
        ("The cloud runs 8,000 GPUs in 12 countries.", [("chips", 8000, None)]),
        ("The cloud runs 8,000 GPUs. It has 300 of them idle.", [("chips", 8000, None)]),
        ("It has 100,000 GPUs and plans to reach 1 million.", [("chips", 100000, None)]),
    ],
)
def test_chip_count_with_the_noun_left_out(figures, text, expected):
    assert figures(text) == expected


def test_dollar_named_after_the_amount_holds_for_the_document(figures):
    text = ("Ottawa will spend $1.5 billion CAD on compute. Another $400 million goes to start-ups, "
            "and $250 million to universities.")
    assert figures(text) == [("money", 1_500_000_000, "CAD"), ("money", 400_000_000, "CAD"),
                             ("money", 250_000_000, "CAD")]


@pytest.mark.parametrize(
    ("text", "currency"),
    [
        # Australian, Canadian and New Zealand outlets write their own dollar as a bare "$"
        ("Firmus will spend $73.3 billion on AI factories in Tasmania, Australia's smallest state. "
         "Australian officials backed it.", "AUD"),
        ("Canada will spend $2 billion on sovereign compute; Canadian start-ups welcomed it.", "CAD"),
        ("New Zealand's first hyperscale campus will cost $5b, the New Zealand government said.", "NZD"),
        # not when the story is about another country, nor in a tie, nor in Singapore (US dollars)
        ("Nvidia will build $500 billion of AI servers in the United States, not in Australia. "
         "The United States welcomed it.", "USD"),
        ("Canada and Australia will each spend $1 billion.", "USD"),
        ("Singapore will add $5 billion of data centres; Singapore's grid is tight.", "USD"),
    ],
)
def test_a_bare_dollar_is_the_local_one_in_an_australian_canadian_or_new_zealand_story(figures, text, currency):
    assert [figure[2] for figure in figures(text) if figure[0] == "money"] == [currency]


def test_a_bare_dollar_stays_us_when_the_story_writes_its_own_dollar_or_us_dollars(figures):
    assert figures("Australia gets A$2 billion from Canberra; Microsoft adds $1 billion in Australia.") == [
        ("money", 2 * B, "AUD"), ("money", B, "USD")]
    assert figures("Australia gets US$2 billion from Microsoft and $1 billion from AWS in Australia.") == [
        ("money", 2 * B, "USD"), ("money", B, "USD")]


def test_dollar_named_after_the_amount_not_when_us_dollars_are_written(figures):
    text = "The $3 billion AUD ($2 billion USD) plan adds $900 million for cables."
    assert figures(text) == [("money", 3 * B, "AUD"), ("money", 2 * B, "USD"), ("money", 900_000_000, "USD")]
    assert figures("Canberra put in A$2 billion; the company adds $1 billion.") == [
        ("money", 2 * B, "AUD"), ("money", B, "USD")]
