"""A deterministic generator of news-like JSON Lines documents about AI infrastructure deals.

Used by the speed benchmarks (``benchmarks/extract_speed.py``). The documents are built from the
templates and vocabulary below (written for this benchmark, not copied from articles) so that
their shape resembles real deal coverage:

- 300 to 900 words each, a headline, a dateline, 6 to 14 paragraphs of 1 to 4 sentences;
- about one country or company mention every 15 words and one distinct figure (money, power,
  chips) every 80 to 100 words (the bundled sample articles: 15 and 110), in the formats the
  trade press uses ("$5bn", "EUR 3.2 billion", "1.5GW", "18,000 GB300 chips", "Rs 10,000 crore"),
  plus distractors that are not commitments
  (percentages, years, headcounts, revenues);
- quotes, background paragraphs and market context with no entity at all, as in real articles.

The same ``(n_docs, seed)`` always gives the same documents, and the first ``n`` documents of a
bigger corpus are the corpus of ``n`` (so the 1k and 10k scaling corpora are prefixes of the 100k
one). ``start`` and ``days`` set the span of publication dates (one ISO week: ``days=6`` from a
Monday) without changing anything else.

The same documents, as what the crawler would have written (``write_documents``: one
``documents.jsonl`` line each, for loading the warehouse directly) and as a small web site
(``write_site``: one HTML article page each, with navigation and boilerplate around the story,
and an RSS feed listing them all, for the crawl benchmark's loopback server).

    python -m benchmarks.corpus --docs 1500 --out /tmp/corpus.jsonl
    python -m benchmarks.corpus --docs 1000 --documents /tmp/documents.jsonl
"""

from __future__ import annotations

import argparse
import hashlib
import html
import json
import random
import sys
from collections.abc import Iterable, Iterator
from contextlib import nullcontext
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

# name, demonym, capital or major city
COUNTRIES = [
    ("the United Arab Emirates", "Emirati", "Abu Dhabi"), ("Saudi Arabia", "Saudi", "Riyadh"),
    ("Qatar", "Qatari", "Doha"), ("France", "French", "Paris"), ("Germany", "German", "Berlin"),
    ("the United Kingdom", "British", "London"), ("India", "Indian", "New Delhi"),
    ("Japan", "Japanese", "Tokyo"), ("South Korea", "South Korean", "Seoul"),
    ("Norway", "Norwegian", "Oslo"), ("Brazil", "Brazilian", "Brasilia"), ("Kenya", "Kenyan", "Nairobi"),
    ("Malaysia", "Malaysian", "Kuala Lumpur"), ("Indonesia", "Indonesian", "Jakarta"),
    ("Canada", "Canadian", "Ottawa"), ("Australia", "Australian", "Canberra"), ("Italy", "Italian", "Rome"),
    ("Spain", "Spanish", "Madrid"), ("Poland", "Polish", "Warsaw"), ("Sweden", "Swedish", "Stockholm"),
    ("Finland", "Finnish", "Helsinki"), ("the Netherlands", "Dutch", "Amsterdam"),
    ("Singapore", "Singaporean", "Singapore"), ("Vietnam", "Vietnamese", "Hanoi"),
    ("Thailand", "Thai", "Bangkok"), ("Mexico", "Mexican", "Mexico City"), ("Chile", "Chilean", "Santiago"),
    ("Nigeria", "Nigerian", "Lagos"), ("Egypt", "Egyptian", "Cairo"), ("Morocco", "Moroccan", "Rabat"),
    ("South Africa", "South African", "Johannesburg"), ("Turkey", "Turkish", "Ankara"),
    ("Kazakhstan", "Kazakh", "Astana"), ("Greece", "Greek", "Athens"), ("Portugal", "Portuguese", "Lisbon"),
    ("the United States", "American", "Washington"), ("Taiwan", "Taiwanese", "Taipei"),
    ("Denmark", "Danish", "Copenhagen"), ("Ireland", "Irish", "Dublin"), ("Bahrain", "Bahraini", "Manama"),
]

# companies named the way the press names them; some are fictional, unregistered firms
LABS = ["OpenAI", "Anthropic", "Mistral AI", "Cohere", "xAI", "Google DeepMind", "Meta", "Sarvam AI",
        "Aleph Alpha", "G42", "Humain", "Falcon Labs", "Kestrel Intelligence"]
CLOUDS = ["Microsoft", "Amazon Web Services", "Google Cloud", "Oracle", "CoreWeave", "Nscale", "Nebius",
          "Crusoe", "Lambda", "Fluidstack", "Scaleway", "Yotta", "Khazna", "Equinix", "Digital Realty",
          "Vantage Data Centers", "Brightmere Compute", "Tessaract Cloud Ltd"]
CHIPMAKERS = ["Nvidia", "AMD", "Intel", "Qualcomm", "Cerebras", "Groq", "Samsung Electronics", "SK hynix",
              "TSMC", "Broadcom"]
INVESTORS = ["MGX", "PIF", "Mubadala", "BlackRock", "SoftBank", "Brookfield", "KKR", "Temasek",
             "Qatar Investment Authority", "Silver Lake", "Northgate Capital Partners"]
UTILITIES = ["Aker", "Statkraft", "EDF", "Iberdrola", "ACWA Power", "Masdar", "Vattenfall", "Orsted",
             "Helion Grid AS"]
TELECOMS = ["Deutsche Telekom", "SK Telecom", "Reliance Jio", "Vodafone", "e&", "stc", "Orange", "Airtel"]
ALL_COMPANIES = LABS + CLOUDS + CHIPMAKERS + INVESTORS + UTILITIES + TELECOMS

CHIP_MODELS = ["GB300", "GB200", "H100", "H200", "B200", "MI300X", "MI355X", "Blackwell", "Trainium2", "TPU"]
FIRST_NAMES = ["Amira", "Jonas", "Priya", "Kenji", "Sofia", "Omar", "Lena", "Rahul", "Claire", "Tomasz",
               "Ngozi", "Marco", "Hana", "Diego", "Fatima", "Erik", "Mei", "Yusuf", "Ingrid", "Karim"]
LAST_NAMES = ["Haddad", "Lindqvist", "Raman", "Sato", "Moreau", "Al-Mansouri", "Fischer", "Iyer", "Novak",
              "Okafor", "Rossi", "Kim", "Alvarez", "Nielsen", "Chen", "Demir", "Berg", "Farouk", "Walsh"]
ROLES = ["chief executive", "minister of digital affairs", "head of infrastructure", "chief technology officer",
         "president", "managing director", "secretary of state for science", "chair", "analyst at a research firm",
         "partner at a consultancy", "director of policy"]
OUTLETS = ["a regulatory filing", "a statement", "a press conference", "an interview", "a briefing",
           "a blog post", "remarks to reporters"]
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]
PLACES = ["an industrial zone outside the city", "a former steel plant", "a coastal site", "a desert site",
          "a business park", "a decommissioned power station", "a port area", "a free zone"]


ROUND_BILLIONS = [1, 1.5, 2, 2.5, 3, 4, 5, 6, 7.5, 8, 10, 12, 15, 20, 25, 30, 40, 50, 100, 500]


def money(rng: random.Random, billions: float | None = None) -> str:
    """An amount of money as the trade press writes it; ``billions``: a story's own amount in US
    dollars (written as dollars, in one of the ways outlets write them)."""
    if billions is not None:
        style = rng.random()
        if style < 0.5:
            return f"${billions:g}bn"
        return f"${billions:g} billion" if style < 0.8 else f"US${billions:g} billion"
    amount = rng.choice(ROUND_BILLIONS)
    style = rng.random()
    if style < 0.35:
        return f"${amount}bn"
    if style < 0.55:
        return f"${amount} billion"
    if style < 0.65:
        return f"€{amount}bn"
    if style < 0.72:
        return f"£{rng.choice([100, 250, 500, 750])}m"
    if style < 0.78:
        return f"US${amount} billion"
    if style < 0.84:
        return f"{amount} billion riyals"
    if style < 0.89:
        return f"Rs {rng.choice([2, 5, 10, 15, 20]) * 1000:,} crore"
    if style < 0.94:
        return f"${rng.choice([200, 300, 400, 500, 750])} million"
    return f"AED {amount}bn"


def power(rng: random.Random, mw: int | None = None) -> str:
    """A capacity; ``mw``: a story's own, in one of the ways outlets write it."""
    if mw is not None:
        if mw >= 1000 and rng.random() < 0.7:
            return f"{mw / 1000:g}GW" if rng.random() < 0.6 else f"{mw / 1000:g} gigawatts"
        return f"{mw:,}MW" if rng.random() < 0.6 else f"{mw:,} megawatts"
    style = rng.random()
    if style < 0.4:
        return f"{rng.choice([1, 1.5, 2, 3, 5])}GW"
    if style < 0.7:
        return f"{rng.choice([50, 100, 150, 200, 250, 300, 500])}MW"
    if style < 0.85:
        return f"{rng.choice([100, 200, 500])} megawatts"
    return f"{rng.choice(['one', 'two', 'five'])} gigawatts"


def chips(rng: random.Random, count: int | None = None) -> str:
    """A number of chips; ``count``: a story's own."""
    count = count or rng.choice([2000, 5000, 10000, 18000, 20000, 25000, 50000, 100000, 500000])
    style = rng.random()
    if style < 0.4:
        return f"{count:,} {rng.choice(CHIP_MODELS)} chips"
    if style < 0.7:
        return f"{count:,} Nvidia GPUs"
    if style < 0.85:
        return f"{count:,} of its most advanced {rng.choice(CHIP_MODELS)} accelerators"
    return f"{count:,} AI chips"


HEADLINES = [
    "{company} and {company2} unveil {power} AI campus in {country}",
    "{country} signs {money} compute deal with {company}",
    "{company} to build {demonym} data centres worth {money}",
    "{company} commits {money} to {country}'s AI ambitions",
    "{demonym} fund backs {company} in {money} infrastructure push",
    "{company} wins licence to ship {chips} to {country}",
    "{country} launches {money} sovereign AI programme",
    "{company}, {company2} partner on {power} of new capacity in {capital}",
    "Inside {country}'s race to build national AI compute",
    "{company} picks {capital} for next AI factory",
]

DEAL_SENTENCES = [
    "{company} said on {weekday} it would invest {money} in {country} over the next {n} years, building data centres "
    "and training local engineers.",
    "The agreement, signed in {capital}, covers a {power} campus that {company} will operate with {company2}.",
    "Under the plan, {company} will deploy {chips} at the site by the end of {year}.",
    "{company2} will supply {chips}, according to people familiar with the matter.",
    "The first phase, with {power} of capacity, is due to come online in {month} {year}, with a further {power} "
    "planned later.",
    "The {demonym} government has pledged {money} to the project, alongside {money2} from {company2}.",
    "{company} and {company2} have formed a joint venture that will spend up to {money} on AI infrastructure in "
    "{country}.",
    "Officials in {capital} said the deal would make {country} one of the largest hosts of AI computing outside the "
    "US and China.",
    "The {demonym} sovereign wealth fund will take a minority stake, {company} said in {outlet}.",
    "{company} also agreed to train a {demonym}-language model on the new cluster.",
    "In total the programme is expected to mobilise more than {money} of public and private capital.",
    "The campus will draw about {power} from the grid, roughly the consumption of a mid-sized city.",
    "{company2}, which already runs two facilities near {capital}, will manage construction.",
    "The companies did not disclose how many {model} systems would be installed in the first phase.",
    "A separate {money} startup fund, backed by {company2}, will support {demonym} AI companies.",
    "{company} plans to buy {chips} from {company2} over three years, a purchase analysts valued at around {money}.",
    "The deal follows a memorandum of understanding that {country} and {company} signed in {month}.",
    "Energy for the site will come from a {power} solar farm built by {utility}.",
]

CONTEXT_SENTENCES = [
    "Governments have been racing to secure computing power as demand for generative AI soars.",
    "{company} has been expanding rapidly across the Middle East, Europe and Asia.",
    "{company2} declined to comment, while a spokesperson for {company} said talks with {demonym} officials were "
    "continuing.",
    "The project is one of several that {company} has announced with governments since the start of the year.",
    "Officials from {country} and {country2} met in {capital} last month to discuss closer cooperation on technology.",
    "{company} competes with {company2} and a handful of newer cloud providers for such contracts.",
    "The announcement comes weeks after a similar agreement in {country2}.",
    "Analysts say the economics of such projects depend heavily on cheap and reliable electricity.",
    "{country} has courted {company}, {company2} and other US technology groups for more than a year.",
    "In {country2}, {company2} is building a similar facility with local partners.",
    "The {demonym} minister travelled to {country2} in {month} to meet executives from {company}.",
    "The country has positioned itself as a regional hub for cloud services and subsea cables.",
    "Critics have questioned whether the projects will create as many local jobs as promised.",
    "Shares of {company} rose {pct}% in early trading after the news.",
    "{company} reported revenue of {money} for the quarter, up {pct}% from a year earlier.",
    "The company employs about {headcount} people in the region.",
    "Data centres already account for a growing share of electricity demand in many markets.",
    "Export rules for advanced chips have been a sticking point in several negotiations.",
    "Construction is expected to create around {headcount} jobs, officials said.",
    "The site sits on land set aside for industrial use in {year}.",
    "Water use for cooling has become a contentious issue for local residents.",
    "Similar projects have been announced in {country2} and {country3} this year.",
    "The government's digital strategy, published in {year}, set a goal of doubling domestic compute capacity.",
    "It was not immediately clear how the project would be financed beyond the first phase.",
    "Several investors said they were waiting for more detail on power purchase agreements.",
    "The region has seen a surge of interest from hyperscale cloud providers since {year}.",
    "Local universities will get access to part of the capacity for research.",
    "The plan still needs approval from the energy regulator and the environment ministry.",
    "Prices for high-end accelerators have fallen slightly as supply improved, according to brokers.",
    "The model has {params} billion parameters and was trained on public and licensed data.",
    "Some of the capacity will be reserved for public-sector workloads, including health and education.",
    "The talks had been under way since at least {month}, according to two people briefed on them.",
    "A spokesperson declined to comment on the financial terms.",
    "The {demonym} economy ministry said it expected the sector to grow by {pct}% a year until {year2}.",
]

QUOTES = [
    "\"This is a defining moment for {country},\" said {person}, {role}, in {outlet}.",
    "\"We are building the foundations of a national AI industry,\" {person}, {role}, told reporters in {capital}.",
    "\"Compute is the new oil, and we intend to have our own,\" said {person}.",
    "\"Partners like {company} bring the scale we need,\" {person}, {role}, said.",
    "\"The demand we see is extraordinary and it is not slowing down,\" said {person}, {role} at {company}.",
    "\"We will move quickly but responsibly,\" {person} added.",
]

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]


def story_figures(rng: random.Random) -> dict:
    """The figures every report of one deal states (outlets repeat a deal's money, capacity and
    chips, each in its own words): a round amount most often, else one with a decimal ("$15.2bn"),
    as deals are announced."""
    def billions() -> float:
        return rng.choice(ROUND_BILLIONS) if rng.random() < 0.6 else round(rng.uniform(1, 40), 1)
    return {
        "billions": billions(), "billions2": billions(),
        "mw": rng.choice([50, 100, 150, 200, 230, 250, 300, 500, 1000, 1500, 2000, 5000]),
        "chips": rng.choice([2000, 5000, 10000, 16000, 18000, 20000, 25000, 50000, 100000, 500000]),
    }


def fill(template: str, rng: random.Random, cast: dict, story: dict | None = None) -> str:
    """Fill a template: the story's cast first, fresh random values for the rest; with ``story``
    (``story_figures``), its money, capacity and chips instead of fresh ones."""
    values = dict(cast)
    values.update(
        money=money(rng), money2=money(rng), power=power(rng), chips=chips(rng),
        n=str(rng.choice([3, 5, 7, 10])), year=str(rng.choice([2025, 2026, 2027, 2028])),
        year2=str(rng.choice([2030, 2032, 2035])), month=rng.choice(MONTHS), weekday=rng.choice(WEEKDAYS),
        pct=str(rng.choice([2, 3.5, 4, 7, 12, 18, 25])), headcount=f"{rng.choice([300, 800, 1200, 2500, 5000]):,}",
        params=str(rng.choice([7, 13, 30, 70, 180])), model=rng.choice(CHIP_MODELS), outlet=rng.choice(OUTLETS),
        person=f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}", role=rng.choice(ROLES),
        utility=rng.choice(UTILITIES),
    )
    if story:
        values.update(money=money(rng, story["billions"]), money2=money(rng, story["billions2"]),
                      power=power(rng, story["mw"]), chips=chips(rng, story["chips"]))
    return template.format(**values)


class Deck:
    """Draws templates without repeats until every one was used (articles rarely repeat a line)."""

    def __init__(self, rng: random.Random, templates: list[str]):
        self.rng, self.templates, self.left = rng, templates, []

    def draw(self) -> str:
        if not self.left:
            self.left = list(self.templates)
            self.rng.shuffle(self.left)
        return self.left.pop()


def draw_cast(rng: random.Random) -> dict[str, str]:
    """A story's cast: its country (name, demonym, capital), two companies, two other countries."""
    country, demonym, capital = rng.choice(COUNTRIES)
    others = rng.sample([row for row in COUNTRIES if row[0] != country], 3)
    company, company2 = rng.sample(ALL_COMPANIES, 2)
    return {
        "country": country, "demonym": demonym, "capital": capital, "company": company,
        "company2": company2, "country2": others[0][0], "country3": others[1][0],
    }


def generate(n_docs: int, seed: int = 0, *, start: date = date(2025, 1, 6), days: int = 600,
             stories: int | None = None) -> Iterator[dict]:
    """Yield ``n_docs`` extraction input records ``{"id", "title", "text", "published"}``,
    published between ``start`` and ``start + days`` (inclusive).

    By default every document tells its own story (its own country and companies), so nearly each
    one becomes a deal of its own. With ``stories``, documents retell one of that many stories (the
    same country and companies, other sentences; the headline and the deal's sentences state the
    story's own money, capacity and chips, in each outlet's words), as outlets covering the same
    deals do: a busy week has many documents per deal.
    """
    rng = random.Random(seed)
    casts = None
    if stories:
        picker = random.Random(f"{seed}/stories")
        casts = [(draw_cast(picker), story_figures(picker)) for _ in range(stories)]
    for index in range(n_docs):
        cast, story = (draw_cast(rng), None) if casts is None else casts[rng.randrange(len(casts))]
        capital = cast["capital"]
        title = fill(rng.choice(HEADLINES), rng, cast, story)
        title = title[0].upper() + title[1:]
        target = rng.randint(300, 900)
        published = start + timedelta(days=rng.randint(0, days))
        paragraphs = [f"{capital.upper()}, {MONTHS[published.month - 1]} {published.day} - "
                      + fill(DEAL_SENTENCES[0], rng, cast, story)]
        words = len(title.split()) + len(paragraphs[0].split())
        decks = {id(pool): Deck(rng, pool) for pool in (DEAL_SENTENCES[1:], CONTEXT_SENTENCES, QUOTES)}
        deal, context, quotes = decks.values()
        while words < target:
            roll = rng.random()
            size = rng.randint(1, 4)
            if roll < 0.2:
                deck = deal
            elif roll < 0.85:
                deck = context
                size = rng.randint(2, 4)
            else:
                deck, size = quotes, 1
            sentences = [fill(deck.draw(), rng, cast, story if deck is deal else None) for _ in range(size)]
            if roll < 0.2 and rng.random() < 0.5:
                sentences.append(fill(context.draw(), rng, cast))
            paragraph = " ".join(sentence[0].upper() + sentence[1:] for sentence in sentences)
            paragraphs.append(paragraph)
            words += len(paragraph.split())
        yield {
            "id": f"bench-{seed}-{index:06d}",
            "title": title,
            "text": "\n\n".join(paragraphs),
            "published": published.isoformat(),
        }


def count_words(record: dict) -> int:
    """Whitespace-separated words of the analysed text (title and body)."""
    return len((record.get("title") or "").split()) + len(record["text"].split())


#: Where generated documents claim to come from (``.test`` is reserved for testing).
ORIGIN = "https://bench.tracker.test"
SOURCE_ID = "bench"


def article_path(record: dict) -> str:
    """The URL path of a record's article page on the generated site."""
    return f"/sites/bench/news/{record['published'].replace('-', '/')}/{record['id']}.html"


def crawl_document(record: dict, origin: str = ORIGIN, source_id: str = SOURCE_ID) -> dict:
    """The ``documents.jsonl`` line the crawler writes for a record's page (spiders/pipelines.py:
    doc_id = 16 hex of sha1(canonical URL), content_hash = sha256 of the whitespace-normalised
    text)."""
    url = origin + article_path(record)
    text = record["text"]
    return {
        "doc_id": hashlib.sha1(url.encode("utf-8")).hexdigest()[:16],
        "source_id": source_id, "url": url, "canonical_url": url, "title": record["title"],
        "published": record["published"], "published_source": "meta", "text": text,
        "content_hash": hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest(),
        "fetched_at": f"{record['published']}T18:00:00Z", "discovered_via": "feed", "language": "en",
        "alternate_urls": [],
    }


def write_documents(path: str | Path, records: Iterable[dict], origin: str = ORIGIN) -> int:
    """Write records as a crawler's ``documents.jsonl``; return the number of lines."""
    count = 0
    with open(path, "w", encoding="utf-8") as sink:
        for record in records:
            sink.write(json.dumps(crawl_document(record, origin), ensure_ascii=False, sort_keys=True) + "\n")
            count += 1
    return count


def registry(base: str, source_id: str = SOURCE_ID) -> str:
    """A sources registry (TOML) for the generated site served at ``base``."""
    host = base.split("://", 1)[1].split("/", 1)[0].split(":", 1)[0]
    return (
        "[[source]]\n"
        f'id = "{source_id}"\n'
        'name = "Benchmark Wire (generated)"\n'
        'kind = "media"\n'
        'country = "GB"\n'
        f'feeds = ["{base}/sites/bench/feed.xml"]\n'
        "start_urls = []\n"
        "article_pattern = '/sites/bench/news/\\d{4}/\\d{2}/\\d{2}/[a-z0-9-]+\\.html$'\n"
        f'allowed_domains = ["{host}"]\n'
        # one source is the whole benchmark crawl: lift the per-source budgets of a weekly run
        "max_requests = 100000\n"
        "max_articles = 100000\n"
        "max_seconds = 3600\n"
    )


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title} | Benchmark Wire</title>
<link rel="canonical" href="__BASE__{path}">
<meta property="og:title" content="{title}">
<meta property="article:published_time" content="{published}T09:00:00Z">
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="stylesheet" href="/sites/bench/static/site.css">
</head>
<body>
<header class="masthead"><a href="/sites/bench/">Benchmark Wire</a>
<nav><a href="/sites/bench/news/">News</a> <a href="/sites/bench/markets/">Markets</a>
<a href="/sites/bench/policy/">Policy</a> <a href="/sites/bench/about/">About</a>
<a href="/sites/bench/contact/">Contact</a></nav></header>
<div class="cookie-banner">We use cookies to measure readership. <button>Accept</button></div>
<main>
<article>
<p class="kicker">AI infrastructure</p>
<h1>{title}</h1>
<p class="byline">By {author} &middot; <time datetime="{published}">{published}</time></p>
<div class="share"><a href="#">Share</a> <a href="#">Post</a> <a href="#">Email</a></div>
{body}
<aside class="newsletter-signup">Get the AI infrastructure briefing every Monday. <a href="#">Sign up</a></aside>
</article>
<section class="related"><h2>Related</h2><ul>
<li><a href="/sites/bench/news/">More AI infrastructure news</a></li>
<li><a href="/sites/bench/markets/">Data centre markets</a></li></ul></section>
</main>
<footer><p>&copy; 2025 Benchmark Wire. All rights reserved.</p>
<p><a href="/sites/bench/terms/">Terms</a> <a href="/sites/bench/privacy/">Privacy</a></p></footer>
</body>
</html>
"""


def article_page(record: dict) -> str:
    """A news article page for a record: the story inside a site's navigation and boilerplate."""
    body = "\n".join(f"<p>{html.escape(paragraph)}</p>" for paragraph in record["text"].split("\n\n"))
    pick = int(hashlib.sha1(record["id"].encode("utf-8")).hexdigest()[:8], 16)
    author = f"{FIRST_NAMES[pick % len(FIRST_NAMES)]} {LAST_NAMES[pick // 7 % len(LAST_NAMES)]}"
    return _PAGE.format(title=html.escape(record["title"]), path=article_path(record), published=record["published"],
                        author=html.escape(author), body=body)


def write_site(folder: str | Path, records: Iterable[dict]) -> list[str]:
    """Write the generated site under ``folder/bench``: one page per record and ``feed.xml``
    (RSS 2.0, every record, newest first). Links use the ``__BASE__`` placeholder that
    ``spiders.loopback`` fills in. Returns the article URL paths, in record order."""
    root = Path(folder)
    items, paths = [], []
    for record in records:
        path = article_path(record)
        target = root / path.removeprefix("/sites/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(article_page(record), encoding="utf-8")
        paths.append(path)
        when = datetime.fromisoformat(record["published"]).replace(hour=9, tzinfo=UTC)
        items.append((record["published"], record["id"], (
            f"<item><title>{html.escape(record['title'])}</title><link>__BASE__{path}</link>"
            f"<guid isPermaLink=\"true\">__BASE__{path}</guid><pubDate>{format_datetime(when, usegmt=True)}</pubDate>"
            f"<description>{html.escape(record['text'][:200])}</description></item>")))
    items.sort(reverse=True)
    feed = root / "bench" / "feed.xml"
    feed.parent.mkdir(parents=True, exist_ok=True)
    feed.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>Benchmark Wire</title>'
        "<link>__BASE__/sites/bench/</link><description>Generated AI infrastructure news</description>\n"
        + "\n".join(item for _, _, item in items) + "\n</channel></rss>\n",
        encoding="utf-8",
    )
    return paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write a deterministic news-like JSON Lines corpus.")
    parser.add_argument("--docs", type=int, default=1500, help="number of documents (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default: %(default)s)")
    parser.add_argument("--out", default="-", help="output file (default: -, standard output)")
    parser.add_argument("--documents", metavar="FILE",
                        help="write the crawler's documents.jsonl for the corpus instead of extraction input")
    args = parser.parse_args(argv)
    if args.documents:
        count = write_documents(args.documents, generate(args.docs, args.seed))
        print(f"{count} documents", file=sys.stderr)
        return 0
    words = 0
    with nullcontext(sys.stdout) if args.out == "-" else open(args.out, "w", encoding="utf-8") as sink:
        for record in generate(args.docs, args.seed):
            words += count_words(record)
            sink.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"{args.docs} documents, {words} words", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
