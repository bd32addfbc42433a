"""How a deal is told to a reader: its title and its one-sentence summary. Pure.

The input is a neutral description of the deal (``DealFacts``): its project, its principal
parties with their roles, its deal type, host country and site, its headline commitment figures,
when it was first reported and its status. Both resolvers fill one in (warehouse/deal_texts.py
from the ``deals`` row, describe.py from the frames) so that every deal reads the same way:

    Stargate Norway: Nscale and Aker plan a 230 MW AI data centre at Narvik, Norway
    Nscale and Aker plan a 230 MW AI data centre (Stargate Norway) at Narvik, Norway, with OpenAI
    as partner; first reported in July 2025.

Principles, so that titles say only what the record says:
- the project leads the title when one is named ("Stargate Norway: ...");
- at most three parties, joined as a person would ("Nscale and Aker", "Microsoft, G42 and
  OpenAI"); a chip supplier is the subject of a chip supply and its buyer the receiver;
- the verb follows the status and the deal type (opens, builds, signs a deal for, plans, to
  invest, to supply, launches); a record with no party is told as a noun phrase
  ("IndiaAI Mission: INR 103.7 billion AI programme in India");
- the figures are the record's headline commitment figures, never context ones: the caller hands
  over only those (deals.money_value, mw, chip_count are built from commitment-role figures);
  the title carries the one that says most for the deal type, the summary all of them;
- the place is the host country ("in the United States"), never the investor's home; it is left
  out when the title already names it (a project called "Stargate Norway");
- a missing piece (no party, no host, no date) is left out, never guessed; a record without any
  commitment figure (one the clustering made of context figures only) says so rather than what
  the deal would be: "Acme Capital in France, no commitment figure reported".
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from warehouse.countries import country_name

#: The most parties a title or summary names before it stops.
MAX_PARTIES = 3
#: A summary longer than this drops its least useful parts (conversions, other parties, project).
SUMMARY_LIMIT = 220
#: Currencies written with their sign; the others are written with their ISO code ("INR 10 billion").
CURRENCY_SIGNS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}
#: Letters whose spoken name starts with a vowel sound: "an INR", "an SAR", "an 800 MW".
VOWEL_LETTERS = frozenset("AEFHILMNORSX")
#: Roles a party can have; the subject of a title is taken from the first roles present.
INVESTOR_ROLES = ("investor", "buyer")
PARTNER_ROLES = ("builder", "partner", "host_government")
SUPPLIER_ROLES = ("supplier",)
# country names that take "the" ("the United States", "the Netherlands")
THE_COUNTRIES = re.compile(r"^(United |Czech Republic|Dominican Republic|Central African|Netherlands|Philippines"
                           r"|Bahamas|Gambia|Maldives|Comoros|Seychelles|Marshall Islands|Solomon Islands"
                           r"|Cayman Islands|Faroe Islands|Republic of |Democratic Republic)")


@dataclass(frozen=True)
class Party:
    """A principal party of a deal; role: investor, buyer, supplier, builder, partner,
    host_government, or None when the record does not say."""

    name: str
    role: str | None = None


@dataclass(frozen=True)
class DealFacts:
    """A neutral description of one deal: what its title and summary may say, nothing more."""

    project: str | None = None
    parties: tuple[Party, ...] = ()
    # data_center, chip_supply, energy, sovereign_model, fund, investment_programme, partnership
    deal_type: str | None = None
    host: str | None = None  # ISO alpha-2 code of the country where the money is spent
    site: str | None = None  # a named site, e.g. Narvik
    money_value: float | None = None
    money_currency: str | None = None
    money_usd: float | None = None
    mw: float | None = None
    chip_count: int | None = None
    chip_model: str | None = None
    first_reported: date | None = None
    status: str | None = None  # announced, signed, under_construction, operational


# ---------------------------------------------------------------------------------------------
# Words for numbers, places and people
# ---------------------------------------------------------------------------------------------


def format_amount(value: float) -> str:
    """1.52e10 -> '15.2 billion', 2.5e5 -> '250,000': at most one decimal, no trailing '.0'."""
    for size, word in ((1e12, "trillion"), (1e9, "billion"), (1e6, "million")):
        if abs(value) >= size:
            scaled = round(value / size, 1)
            return f"{scaled:g} {word}" if scaled < 1000 else f"{scaled:,.0f} {word}"
    return f"{value:,.0f}"


def format_money(value: float | None, currency: str | None) -> str | None:
    """'$15.2 billion', '€20 billion', 'INR 103.7 billion'; None without a value."""
    if value is None:
        return None
    code = (currency or "USD").upper()
    sign = CURRENCY_SIGNS.get(code)
    return f"{sign}{format_amount(value)}" if sign else f"{code} {format_amount(value)}"


def format_power(mw: float | None) -> str | None:
    """'230 MW', '1 GW', '1.5 GW' (a gigawatt and more is said in GW)."""
    if mw is None:
        return None
    if mw >= 1000:
        return f"{round(mw / 1000, 1):g} GW"
    return f"{round(mw, 1):g} MW" if mw < 10 else f"{mw:,.0f} MW"


def format_chips(count: int | None, model: str | None) -> str | None:
    """'18,000 GB300 chips', '10,000 chips'."""
    if count is None:
        return None
    return f"{count:,} {model} chips" if model else f"{count:,} chips"


def indefinite(phrase: str) -> str:
    """The phrase with 'a' or 'an' as it is spoken: 'an 800 MW ...', 'an INR ...', 'a $2 billion ...'."""
    first = phrase.split(" ", 1)[0]
    digits = re.match(r"[\d,]+", first)
    if digits:
        number = digits.group(0).replace(",", "")
        eleven = len(number) in (2, 5, 8, 11) and number[:2] in ("11", "18")
        return f"{'an' if number[0] == '8' or eleven else 'a'} {phrase}"
    if first.isupper() and first.isalpha():  # a code read letter by letter
        return f"{'an' if first[0] in VOWEL_LETTERS else 'a'} {phrase}"
    return f"{'an' if first[:1].lower() in 'aeiou' else 'a'} {phrase}"


def country_phrase(code: str | None) -> str | None:
    """'the United States', 'Norway', 'the Democratic Republic of the Congo'; None when unknown."""
    if not code:
        return None
    name = country_name(code) or code
    if ", " in name:  # "Congo, The Democratic Republic of the" -> "the Democratic Republic of the Congo"
        head, tail = name.split(", ", 1)
        name = f"{tail} {head}"
        name = name[0].lower() + name[1:] if name.startswith("The ") else name
    return f"the {name}" if THE_COUNTRIES.match(name) else name


def join_names(names: list[str]) -> str:
    """'A', 'A and B', 'A, B and C'."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"


def month_year(day: date | None) -> str | None:
    return f"{calendar.month_name[day.month]} {day.year}" if day else None


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


# ---------------------------------------------------------------------------------------------
# Who, what, where
# ---------------------------------------------------------------------------------------------


def cast(facts: DealFacts) -> tuple[list[str], list[str], list[str]]:
    """(subject, receivers, others): who the sentence is about, who receives a supply, who else.

    In a chip supply the suppliers speak and the buyers receive; otherwise investors and buyers
    speak first, then builders, partners and the host government, and suppliers are named last.
    Parties without a role keep their order (in a chip supply with a known supplier, they are its
    customers). At most MAX_PARTIES in the subject.
    """
    seen: list[Party] = []
    for party in facts.parties:
        if party.name and party.name not in {p.name for p in seen}:
            seen.append(party)
    suppliers = [p.name for p in seen if p.role in SUPPLIER_ROLES]
    buyers = [p.name for p in seen if p.role in INVESTOR_ROLES]
    if facts.deal_type == "chip_supply" and suppliers:
        if not buyers:  # a chip supply's other principal parties, roles unknown, are its customers
            buyers = [p.name for p in seen if p.role is None]
        others = [p.name for p in seen if p.name not in suppliers and p.name not in buyers]
        return suppliers[:MAX_PARTIES], buyers[:MAX_PARTIES], others
    rank = {role: n for n, role in enumerate((*INVESTOR_ROLES, None, *PARTNER_ROLES, *SUPPLIER_ROLES))}
    ordered = sorted(seen, key=lambda p: rank.get(p.role, len(rank)))  # stable: keeps the given order
    leading = [p for p in ordered if p.role not in SUPPLIER_ROLES] or ordered
    subject = [p.name for p in leading[:MAX_PARTIES]]
    return subject, [], [p.name for p in ordered if p.name not in subject]


def figures_of(facts: DealFacts, convert: bool = False) -> dict[str, str]:
    """The headline figures in words, by kind; ``convert`` adds the US dollars of money in another
    currency ('€20 billion (about $21.6 billion)')."""
    money = format_money(facts.money_value, facts.money_currency)
    if convert and money and (facts.money_currency or "USD").upper() != "USD" and facts.money_usd:
        money += f" (about {format_money(facts.money_usd, 'USD')})"
    words = {
        "money": money,
        "power": format_power(facts.mw),
        "chips": format_chips(facts.chip_count, facts.chip_model),
    }
    return {kind: text for kind, text in words.items() if text}


def primary_kind(facts: DealFacts, figures: dict[str, str]) -> str | None:
    """The figure that says most for the deal type: capacity for a data centre, chips for a chip
    supply, money for the rest; then whatever the deal has."""
    order = {
        "data_center": ("power", "money", "chips"),
        "energy": ("power", "money", "chips"),
        "chip_supply": ("chips", "money", "power"),
    }.get(facts.deal_type or "", ("money", "power", "chips"))
    return next((kind for kind in order if kind in figures), None)


def object_phrase(facts: DealFacts, figures: dict[str, str], kind: str | None) -> tuple[str, bool]:
    """What the deal is, with its primary figure: ('a 230 MW AI data centre', countable)."""
    figure = figures.get(kind) if kind else None
    deal_type = facts.deal_type or "partnership"
    if kind == "chips":
        if deal_type == "chip_supply":
            return figure, False
        if deal_type == "data_center":
            return f"AI data centre with {figure}", True
        return f"deal for {figure}", True
    if deal_type == "chip_supply":
        return (f"{figure} of AI chips", False) if figure else ("AI chips", False)
    nouns = {
        "data_center": "AI data centre", "energy": "power supply for AI", "fund": "AI fund",
        "sovereign_model": "sovereign AI programme", "investment_programme": "AI programme",
        "partnership": "AI partnership",
    }
    if kind == "power" and deal_type in ("partnership", "investment_programme", "fund", "sovereign_model"):
        return f"{figure} of AI data centre capacity", False
    if kind == "money" and deal_type == "data_center":  # money is rarely one building's price
        return f"{figure} investment in AI data centres", True
    noun = nouns.get(deal_type, "AI infrastructure deal")
    return (f"{figure} {noun}" if figure else noun), True


def extras_phrase(figures: dict[str, str], kind: str | None) -> str:
    """The other headline figures, said without guessing how they relate to the first:
    '$15.2 billion committed, 100,000 chips' ('' when there are none)."""
    words = {"money": "{} committed", "power": "{} of capacity", "chips": "{}"}
    parts = [words[other].format(figures[other]) for other in ("money", "power", "chips")
             if other != kind and other in figures]
    return ", ".join(parts)


def place_phrase(facts: DealFacts, said: str) -> str:
    """' at Narvik, Norway', ' in the United States', or '' when unknown or already said."""
    country = country_phrase(facts.host)
    bare = country[4:] if country and country.startswith("the ") else country
    named = bool(bare) and mentions(said, bare)
    if facts.site and not mentions(said, facts.site):
        return f" at {facts.site}" + (f", {bare}" if bare and not named else "")
    return f" in {country}" if country and not named else ""


def mentions(text: str, name: str) -> bool:
    """Whether ``text`` names ``name`` as a word of its own ("Stargate Norway" names Norway,
    "IndiaAI Mission" does not name India)."""
    return re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text, re.I) is not None


def predicate(facts: DealFacts, subject: list[str], receivers: list[str], thing: str,
              countable: bool, kind: str | None, money: str | None) -> str:
    """The verb phrase after the subject, agreeing with it: 'plan a 230 MW AI data centre'."""
    plural = len(subject) > 1
    thing_a = indefinite(thing) if countable else thing

    def verb(base: str) -> str:
        if plural:
            return base
        return base + ("es" if base.endswith(("ch", "sh", "s", "x")) else "s")

    if facts.deal_type == "chip_supply" and receivers:
        supply = f"to supply {thing} to {join_names(receivers)}"
        return f"{verb('sign')} a deal {supply}" if facts.status == "signed" else supply
    investing = kind == "money" and facts.deal_type == "data_center"
    if facts.status == "operational":
        if investing:
            return f"{verb('open')} AI data centres worth {money}"
        return f"{verb('open')} {thing_a}" if facts.deal_type == "data_center" else f"{verb('launch')} {thing_a}"
    if facts.status == "under_construction":
        return f"{verb('build')} AI data centres worth {money}" if investing else f"{verb('build')} {thing_a}"
    if facts.status == "signed":
        return f"{verb('sign')} a deal for {thing_a}" if countable else f"{verb('sign')} a deal for {thing}"
    roles = {p.role for p in facts.parties if p.name in subject}
    if kind == "money" and facts.deal_type in (None, "partnership", "investment_programme") and roles & set(
            INVESTOR_ROLES):
        return f"to invest {money}"
    if facts.deal_type == "fund":
        return f"{verb('launch')} {thing_a}"
    if facts.deal_type == "chip_supply":
        if roles & set(SUPPLIER_ROLES):
            return f"to supply {thing}"
        if roles & set(INVESTOR_ROLES):
            return f"to buy {thing}"
        return f"{verb('announce')} a deal for {thing}"  # who sells and who buys is not known
    if facts.deal_type in (None, "partnership") and kind in ("money", "chips"):
        return f"{verb('announce')} {thing_a}"
    return f"{verb('plan')} {thing_a}"


def status_phrase(status: str | None) -> str:
    return {"under_construction": "under construction", "operational": "now operational", "signed": "signed",
            "announced": "announced"}.get(status or "", "")


# ---------------------------------------------------------------------------------------------
# Title and summary
# ---------------------------------------------------------------------------------------------


def clause(facts: DealFacts, *, full: bool, convert: bool = True, with_project: bool = True) -> str:
    """The deal as one clause: 'Nscale and Aker plan a 230 MW AI data centre at Narvik, Norway'.

    ``full`` adds the other headline figures (the summary); the title carries only the primary.
    """
    figures = figures_of(facts, convert=full and convert)
    kind = primary_kind(facts, figures)
    subject, receivers, _others = cast(facts)
    if not figures:  # nothing committed to tell: say who and where, and that no figure backs it
        who = join_names(subject) or "AI infrastructure"
        return f"{who}{place_phrase(facts, facts.project or '' if not full else '')}, no commitment figure reported"
    thing, countable = object_phrase(facts, figures, kind)
    if subject:
        verb_phrase = predicate(facts, subject, receivers, thing, countable, kind, figures.get("money"))
        text = f"{join_names(subject)} {verb_phrase}"
    elif full and facts.project and with_project:
        text = f"{facts.project} is {indefinite(thing) if countable else thing}"
    else:
        text = indefinite(thing) if countable and full else thing
    said = text if full else f"{facts.project or ''} {text}"  # a summary names the country anyway
    if full and facts.project and with_project and subject:
        text += f" ({facts.project})"
    text += place_phrase(facts, said)
    if not subject and full and facts.status in ("under_construction", "operational", "signed"):
        text += f", {status_phrase(facts.status)}"
    return text


def deal_title(facts: DealFacts) -> str:
    """'Stargate Norway: Nscale and Aker plan a 230 MW AI data centre at Narvik'."""
    body = capitalise(clause(facts, full=False))
    return f"{facts.project}: {body}" if facts.project else body


def deal_summary(facts: DealFacts, limit: int = SUMMARY_LIMIT) -> str:
    """One sentence under ``limit`` characters: who, what, where, how much, with whom, when."""
    _subject, receivers, others = cast(facts)
    others = [name for name in others if name not in receivers]
    roles = {p.name: p.role for p in facts.parties}
    when = month_year(facts.first_reported)
    candidates = []
    for convert, show_others, with_project in ((True, True, True), (False, True, True), (False, False, True),
                                               (False, False, False)):
        text = clause(facts, full=True, convert=convert, with_project=with_project)
        if show_others and others:
            text += f", with {with_phrase(others[:MAX_PARTIES], roles)}"
        figures = figures_of(facts, convert=convert)
        extras = extras_phrase(figures, primary_kind(facts, figures))
        if extras:
            text += f"; {extras}"
        if when:
            text += f"; first reported in {when}"
        candidates.append(capitalise(text) + ".")
    fitting = next((c for c in candidates if len(c) <= limit), None)
    if fitting:
        return fitting
    shortest = candidates[-1]
    return shortest[: limit - 2].rsplit(" ", 1)[0].rstrip(",;") + "…"


def with_phrase(names: list[str], roles: dict[str, str | None]) -> str:
    """'OpenAI as partner', 'Nvidia and AMD as suppliers', 'X and Y' (roles unknown or mixed)."""
    named_roles = {roles.get(n) for n in names}
    if len(named_roles) == 1 and (role := named_roles.pop()):
        word = role.replace("_", " ")
        return f"{join_names(names)} as {word}s" if len(names) > 1 else f"{names[0]} as {word}"
    return join_names(names)
