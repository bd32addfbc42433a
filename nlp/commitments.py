"""Component ``tracker_commitments``: money, power and chip figures as spans in ``doc.spans["commitments"]``.

Each span has the label ``MONEY``, ``POWER`` or ``CHIPS`` and carries a dict in ``span._.figure``:
money ``{"kind": "money", "value", "currency"}``, power ``{"kind": "power", "mw"}``, chips
``{"kind": "chips", "count", "model"}``, plus ``qualifier`` ("up to", "more than"...) and
``range`` ([low, high], the value being the high end) when present.

How a figure is read (vocabulary in ``data/figures.json`` and ``data/currencies.jsonl``):
- a number is a ``like_num`` token ("18,000", "1.5", "three"), or groups of three digits set
  apart by spaces ("600 000"), followed by scale words ("bn", "bil", "million", "lakh crore"),
  the first one maybe after a hyphen ("10,372-crore", "$15-billion"); "a billion" reads as 1e9;
- it is money when a currency symbol or code stands right before it ("$", "US$", "€", "EUR")
  or a currency word or code right after it ("dollars", "riyals", "AED", "10-billion-dollar");
  "crore"/"lakh" without a currency are rupees. A bare "$" with a dollar code after it
  ("$2 billion CAD") is that dollar, and so are the document's other bare "$" amounts unless
  one amount is written as US dollars ("US$", "USD"): the writer's "$" is the local dollar; in a
  story about Australia, Canada or New Zealand (its country named most often) that writes no
  dollar of either kind ("A$", "US$"), a bare "$" is that country's dollar;
- it is power when a unit follows ("MW", "GW", "megawatts", "1-gigawatt"), or "a" or "half a"
  stands before a unit word with no noun of its own after it ("up to a gigawatt", "half a
  gigawatt of power"; not "a gigawatt-scale campus", "$10m a megawatt"); never energy
  ("megawatt-hours") nor a density ("100 kilowatts per rack", "1 MW a rack");
- it is a chip count when a chip noun or model follows within a few words (hyphens do not
  count), over fillers, company names and product numbers ("100,000 Nvidia chips", "18,000
  GB300", "500,000 of Nvidia's most advanced AI chips", "10,000 RTX 4090 GPUs", "18,000 Grace
  Blackwell systems"), and no counted noun such as "servers", "racks" or "wafers" comes first;
  or when it follows a chip count in the same sentence with the noun left out ("8,000 GPUs and
  could reach 31,000", "60,000 of them in Britain");
- ranges: "$30-50bn", "between €30bn and €50bn", "1 to 2 GW";
- never a figure: percentages, money after "revenue", "valuation", "shares"... or before
  "per share", "a share", "in revenue"..., years and product numbers ("RTX 4090") as chip
  counts, money below ``min_money``,
  chip counts below ``min_chips``; "from $600bn to $1tn" is two figures, not a range;
- never read at all (``data/bounds.json``): a number token of more than ``max_number_digits``
  digits, a run of more than ``max_number_words`` number words or ``max_scale_words`` scale
  words, or a value above ``max_number_value`` (a hostile "$" and 320 digits, "one one one ..."),
  so no figure overflows a float downstream and reading numbers stays linear in the text.

The component keeps every occurrence; ``nlp.extract`` merges repeats of the same figure.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

import numpy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from .resources import read_json, read_jsonl
from .tokens import FIGURES_KEY, LIKE_NUM_COLUMN, Lexicon, Tokens, entities, figures, shared_matcher, static_arrays

SPAN_KEY = "commitments"
DASHES = {"-", "–", "—"}
ARTICLES = {"a", "an", "half"}  # what may stand for the number before a unit: "a gigawatt", "half a gigawatt"
GROUP_SPACES = {"\u00a0", "\u202f", "\u2009"}  # no-break, narrow no-break and thin space: "600\u00a0000"
DOLLAR_MARK = "_dollar"  # how a money figure wrote its dollar: "bare" "$", "local" ("$2bn CAD"), "usd"
# the countries whose press writes its own dollar as a bare "$" (_settle_dollars)
LOCAL_DOLLAR_PRESS = {"AU": "AUD", "CA": "CAD", "NZ": "NZD"}
US_MARKS = ("US", "U.S.", "American")  # in a dollar figure's text: written as US dollars
CLAUSE_BREAKS = {",", ";", ":", "(", ")", "—", "–", "\n", "\n\n"}



def _figure_of(span: Span) -> dict | None:
    """``span._.figure``: the figure found at the span's position (see ``tokens.figures``)."""
    for start, end, figure in figures(span.doc):
        if start == span.start and end == span.end:
            return figure
    return None


if not Span.has_extension("figure"):
    Span.set_extension("figure", getter=_figure_of)


def as_number(value: Decimal) -> int | float:
    """An int when the value is whole, else a float rounded to 3 decimals."""
    if value == value.to_integral_value():
        return int(value)
    return float(round(value, 3))


class CommitmentFinder:
    """Token scan over number candidates, helped by PhraseMatchers for the vocabularies."""

    def __init__(self, nlp: Language, name: str, figures_path: str, currencies_path: str,
                 bounds_path: str = "bounds.json"):
        self.name = name
        figures = read_json(figures_path)
        self.lexicon = Lexicon(nlp.vocab)
        self.scales = {word: Decimal(str(value)) for word, value in figures["scales"].items()}
        self.implicit_inr = set(figures["implicit_inr_scales"])
        self.number_words = {word: Decimal(str(value)) for word, value in figures["number_words"].items()}
        self.power_units = {unit: Decimal(str(value)) for unit, value in figures["power_units"].items()}
        self.chip_fillers = set(figures["chip_fillers"])
        self.count_blockers = set(figures["count_blockers"])
        self.vague_markers = set(figures["vague_markers"])
        self.min_money = Decimal(str(figures["min_money"]))
        self.min_chips = Decimal(str(figures["min_chips"]))
        bounds = read_json(bounds_path)
        self.max_digits = int(bounds["max_number_digits"])
        self.max_value = Decimal(str(bounds["max_number_value"]))
        self.max_words = int(bounds["max_number_words"])
        self.max_scales = int(bounds["max_scale_words"])
        self.chip_window = int(figures["chip_window"])
        self.blocker_window = int(figures["blocker_window"])
        self.range_joiners = set(figures["range_joiners"])
        self.model_units = set(figures["model_units"])
        self.energy_markers = set(figures["energy_markers"])
        self.density_nouns = set(figures["density_nouns"])
        self.nounless_followers = set(figures["nounless_followers"])
        self.elided_window = int(figures["elided_count_window"])
        # power units written as words, which "a" or "half a" may stand before ("a gigawatt")
        self.article_units = {unit for unit in self.power_units if len(unit) > 3 and not unit.endswith("s")}
        # currencies written with a dollar sign of their own ("C$", "A$", "S$"): a bare "$" with
        # one of their codes after it names the document's dollar (see _settle_dollars)
        self.local_dollars: set[str] = set()
        self.org = nlp.vocab.strings.add("ORG")
        self.gpe = nlp.vocab.strings.add("GPE")
        # punctuation that ends every reading of a bare number (see the quick rejections)
        vocabulary = set(self.power_units) | self.chip_fillers | self.range_joiners | set(DASHES)
        self.stop_orths = {nlp.vocab.strings.add(mark) for mark in (".", ",", ";", ":", "%", "!", "?")
                           if mark not in vocabulary}

        # two matchers for all vocabularies: case-sensitive (symbols, codes, models), and not
        vocab = nlp.vocab
        self.exact = shared_matcher(nlp, "ORTH", name)
        self.loose = shared_matcher(nlp, "LOWER", name)
        self.roles: dict[int, tuple[str, str | None]] = {}

        def add(matcher: PhraseMatcher, key: str, role: str, value: str | None, phrases: list[str]) -> None:
            if phrases:
                matcher.add(key, [nlp.make_doc(phrase) for phrase in phrases])
                self.roles[vocab.strings[key]] = (role, value)

        for row in read_jsonl(currencies_path):
            code = row["code"]
            if code != "USD" and any("$" in symbol for symbol in row.get("symbols", [])):
                self.local_dollars.add(code)
            add(self.exact, f"CURRENCY_SYMBOL:{code}", "currency_symbol", code, row.get("symbols", []))
            add(self.loose, f"CURRENCY_WORD:{code}", "currency_word", code, row.get("words", []))
        for model in figures["chip_models"]:
            add(self.exact, f"MODEL:{model}", "model", model, sorted({model, model + "s", model.upper()}))
        add(self.loose, "QUALIFIER", "qualifier", None, figures["qualifiers"])
        add(self.loose, "CHIP_NOUN", "chip_noun", None, figures["chip_nouns"])
        add(self.loose, "PERCENT", "percent", None, figures["percent_markers"])
        add(self.loose, "BLOCK_AFTER", "block_after", None, figures["money_blockers_after"])
        add(self.loose, "BLOCK_BEFORE", "block_before", None, figures["money_blockers_before"])
        add(self.loose, "ARTICLE_UNIT", "article_unit", None,
            [f"{article} {unit}" for unit in sorted(self.article_units) for article in ("a", "an", "half a")])

    # -- numbers ------------------------------------------------------------------------------
    def _scale(self, text: str) -> Decimal | None:
        scale = self.scales.get(text)
        if scale is None and len(text) > 2:
            scale = self.scales.get(text.lower())
        return scale

    def read_number(self, doc: Doc, i: int, t: Tokens | None = None) -> tuple[int, int, Decimal, list[str]] | None:
        """Read the number starting at token ``i``: (start, end, value, scale words) or None."""
        t = t if t is not None else Tokens(doc, self.lexicon)
        n = t.n
        text = t.text(i)
        start, j = i, i + 1
        if text[0].isdigit():
            if len(text) > self.max_digits and sum(char.isdigit() for char in text) > self.max_digits:
                return None  # not a figure: more digits than any real amount (see bounds.json)
            try:
                base = Decimal(text.replace(",", ""))
            except InvalidOperation:
                return None
            if j < n and len(text) <= 3 and (len(t.text(j)) == 3 or t.text(j) in GROUP_SPACES) and text.isdigit():
                j = self._read_groups(t, j)  # "600 000": thousands set apart by spaces
                if j > i + 1:
                    base = Decimal("".join(char for char in t.span_text(i, j) if char.isdigit()))
        elif t.lower(i) in ("a", "an") and i + 1 < n and t.lower(i + 1) in self.article_units:
            if i > 0 and t.lower(i - 1) == "half":
                return i - 1, i + 1, Decimal("0.5"), []  # "half a gigawatt"
            return i, i + 1, Decimal(1), []  # "a gigawatt"
        elif t.lower(i) in self.number_words:
            if i > 0 and t.lower(i - 1) in self.vague_markers:
                return None  # "several hundred thousand"
            base, current = Decimal(0), Decimal(0)
            j = i
            while j < n:
                word = t.lower(j)
                if word not in self.number_words or word in {"a", "an"}:
                    break
                if j - i == self.max_words:
                    return None  # "one one one ...": no number is written with so many words
                if word == "hundred":
                    current = (current or 1) * 100
                else:
                    current += self.number_words[word]
                j += 1
            base = current
        elif self._scale(text) is not None and i > 0 and t.lower(i - 1) in {"a", "an", "one"}:
            base, start, j = Decimal(1), i - 1, i
            if i > 1 and t.lower(i - 2) == "half":
                base, start = Decimal("0.5"), i - 2  # "half a trillion"
        else:
            return None
        scales = []
        if (j + 1 < n and j > start and t.text(j) in DASHES and not t.space(j - 1) and not t.space(j)
                and self._scale(t.text(j + 1)) is not None):
            j += 1  # "10,372-crore", "$15-billion": the scale after a hyphen
        while j < n:
            scale = self._scale(t.text(j))
            if scale is None:
                break
            if len(scales) == self.max_scales:
                return None  # "billion billion billion billion": not a number
            base *= scale
            scales.append(t.lower(j))
            j += 1
        if j == i and start == i:
            return None
        if base > self.max_value:
            return None  # "trillion trillion trillion": beyond max_number_value, not a figure
        return start, j, base, scales

    @staticmethod
    def _read_groups(t: Tokens, j: int) -> int:
        """The end of a number written in groups of three digits set apart by one space (or a
        no-break or thin space, a token of its own), from token ``j`` on, the token before it being
        the first group: "600 000", "1 000 000"."""
        n = t.n
        while j < n:
            gap = t.start_char(j) - t.end_char(j - 1)
            k = j
            if gap == 0 and t.text(j) in GROUP_SPACES and j + 1 < n and t.start_char(j + 1) == t.end_char(j):
                k = j + 1
            elif gap != 1:
                break
            group = t.text(k)
            if len(group) != 3 or not group.isdigit():
                break
            j = k + 1
        return j

    # -- the scan ---------------------------------------------------------------------------
    def __call__(self, doc: Doc) -> Doc:
        found: list[tuple[int, int, str, dict]] = []
        static, _ = static_arrays(doc)
        candidates = numpy.flatnonzero(static[:, LIKE_NUM_COLUMN]).tolist()
        matches = self.exact(doc) + self.loose(doc)
        if not candidates and not matches:
            self._store(doc, found)
            return doc
        article_units = []
        before_currency: dict[int, tuple[str, int]] = {}
        after_currency: dict[int, tuple[str, int]] = {}
        qualifiers: dict[int, int] = {}
        chip_nouns: dict[int, int] = {}
        models: dict[int, tuple[int, str]] = {}
        percents, blocks_after, blocks_before = set(), set(), set()
        for match_id, start, end in matches:
            role, value = self.roles[match_id]
            if role == "currency_symbol":  # "$5bn", "EUR 109 bn", "10bn USD"
                before_currency.setdefault(end, (value, start))
                after_currency.setdefault(start, (value, end))
            elif role == "currency_word":  # only after the number: "5 billion riyals", not "won 5"
                after_currency.setdefault(start, (value, end))
            elif role == "model":
                if start not in models or end > models[start][0]:
                    models[start] = (end, value)
            elif role == "qualifier":
                qualifiers[end] = min(start, qualifiers.get(end, start))
            elif role == "chip_noun":
                chip_nouns[start] = max(end, chip_nouns.get(start, end))
            elif role == "percent":
                percents.add(start)
            elif role == "block_after":
                blocks_after.add(start)
            elif role == "article_unit":  # "a gigawatt", "half a gigawatt": read from the "a"
                article_units.append(end - 2)
            else:
                blocks_before.add(end - 1)
        t = Tokens(doc, self.lexicon)
        org = self.org
        orgs = {start: end for start, end, label, _ in entities(doc) if label == org}

        if article_units:
            candidates = sorted(set(candidates).union(article_units))
        consumed = -1
        n, orth, lexicon, stops, scales = t.n, t.orth, self.lexicon, self.stop_orths, self.scales
        for i in candidates:
            if i < consumed:
                continue
            # quick rejections, the same answers _read_figure would give: a digit followed by a
            # full stop, comma or percent sign ("in 2024.", "40%") with no currency before it,
            # and a scale word left over from a number that was not a figure ("7 billion users")
            text = lexicon[orth[i]][0]
            if text[0].isdigit():
                if (i + 1 < n and orth[i + 1] in stops and i not in before_currency
                        and not (found and found[-1][2] == "CHIPS" and i - found[-1][1] <= self.elided_window)):
                    continue
            elif (text in scales and i > 0 and lexicon[orth[i - 1]][1] not in ("a", "an", "one")
                    and lexicon[orth[i]][1] not in self.number_words):
                continue
            figure = self._read_figure(t, i, before_currency, after_currency, qualifiers,
                                       chip_nouns, percents, (blocks_before, blocks_after), models, orgs,
                                       found[-1] if found else None)
            if figure is not None:
                found.append(figure)
                consumed = figure[1]
        self._settle_dollars(found, doc)
        self._store(doc, found)
        return doc

    def _settle_dollars(self, found: list[tuple[int, int, str, dict]], doc: Doc) -> None:
        """Give the bare "$" amounts of a document the dollar it names, when it names one.

        "$2 billion CAD" says the writer's "$" is the Canadian dollar: the other bare "$" amounts of
        the document ("another $700 million") are Canadian dollars too, unless some amount is
        marked as US dollars ("US$", "USD", "$1.4 billion USD"), or two dollars are named.

        A document naming no dollar at all, marking no amount as US dollars and writing no local
        dollar with its own sign ("A$", "C$"), whose country named most often (strictly) is one of
        LOCAL_DOLLAR_PRESS, is written in that country's dollar: its press writes it as a bare "$"
        (on the development gold set, 33 of 35 such amounts; Singapore, Taiwan and Hong Kong are
        not among them: their bare "$" amounts were US dollars)."""
        marks = [figure.pop(DOLLAR_MARK, None) for _, _, _, figure in found]
        if "usd" in marks or "bare" not in marks:
            return
        if "local" not in marks:
            if any(figure.get("currency") in self.local_dollars for _, _, _, figure in found):
                return  # "A$5bn": the writer tells dollars apart, a bare "$" is the US one
            code = self._home_dollar(doc)
            if code is None:
                return
            named = {code}
        else:
            named = {figure["currency"] for (_, _, _, figure), mark in zip(found, marks, strict=True)
                     if mark == "local"}
        if len(named) != 1:
            return
        (code,) = named
        for (_, _, _, figure), mark in zip(found, marks, strict=True):
            if mark == "bare":
                figure["currency"] = code

    def _home_dollar(self, doc: Doc) -> str | None:
        """The dollar of the document's country (LOCAL_DOLLAR_PRESS) when it is named more often
        than any other country, else None."""
        counts: dict[int, int] = {}
        for _, _, label, kb_id in entities(doc):
            if label == self.gpe:
                counts[kb_id] = counts.get(kb_id, 0) + 1
        if not counts:
            return None
        ranked = sorted(counts.values(), reverse=True)
        if len(ranked) > 1 and ranked[0] == ranked[1]:
            return None
        top = max(counts, key=counts.__getitem__)
        return LOCAL_DOLLAR_PRESS.get(doc.vocab.strings[top])

    @staticmethod
    def _store(doc: Doc, found: list[tuple[int, int, str, dict]]) -> None:
        doc.user_data[FIGURES_KEY] = [(start, end, figure) for start, end, _, figure in found]
        doc.spans[SPAN_KEY] = [Span(doc, start, end, label=label) for start, end, label, _ in found]

    def _read_figure(self, t, i, before_currency, after_currency, qualifiers, chip_nouns,
                     percents, blocks, models, orgs, previous):
        doc = t.doc
        n = t.n
        number = self.read_number(doc, i, t)
        if number is None:
            return None
        start, end, value, scales = number
        if end in percents:
            return None
        # qualifier and currency before the figure
        first = start
        currency = None
        if start in before_currency:
            currency, first = before_currency[start]
        qualifier = None
        if first in qualifiers:
            qualifier = t.span_text(qualifiers[first], first).lower()
        low = None
        # a range: "30-50bn", "$5bn to $10bn", "between 1 and 2 GW"
        is_change = first > 0 and t.lower(first - 1) == "from"  # "from $600bn to $1tn": two figures
        if end < n - 1 and t.lower(end) in self.range_joiners and not is_change:
            k = end + 1
            if k + 1 in before_currency and before_currency[k + 1][1] == k:
                k += 1
            is_and = t.lower(end) == "and"
            if k < n and t.like_num(k) and (not is_and or qualifier == "between"):
                second = self.read_number(doc, k, t)
                if second is not None and second[1] not in percents:
                    _, end2, value2, scales2 = second
                    low = value
                    if not scales:  # "$30-50bn": the second number's scale applies to both
                        for word in scales2:
                            low = low * self._scale(word)
                    if value2 > low:
                        value, end, scales = value2, end2, scales or scales2
                    else:
                        low = None

        after = end
        if currency is None and end in after_currency:
            currency, after = after_currency[end]
        elif currency is None and end + 1 in after_currency and t.text(end) in DASHES and not t.space(end - 1):
            currency, after = after_currency[end + 1]  # "a 10-billion-dollar plan"
        if currency is None and scales and scales[-1] in self.implicit_inr:
            currency = "INR"
        if currency is not None:
            dollar = None
            if currency == "USD":
                bare = t.text(first) == "$"
                if bare and end in after_currency:  # "$2 billion CAD", "$1.4bn USD"
                    code, after_code = after_currency[end]
                    if code in self.local_dollars or code == "USD":
                        currency, after = code, after_code
                if currency != "USD":
                    dollar = "local"
                elif after > end:  # a word or code after it: "dollars", "US dollars", "USD"
                    written = t.span_text(end, after)
                    dollar = "usd" if any(mark in written for mark in US_MARKS) else "bare" if bare else None
                else:  # "US$", "USD", "U.S.$" before it; or a bare "$"
                    dollar = "bare" if bare else "usd" if first < start else None
            return self._money(t, first, after, value, low, currency, qualifier, blocks, dollar)

        # power: "1GW", "200 megawatts", "1-gigawatt"; not energy ("megawatt-hours")
        k = end + 1 if end < n - 1 and t.text(end) in DASHES else end
        if k < n:
            unit = self.power_units.get(t.lower(k))
            if unit is not None:
                if k + 2 < n and t.text(k + 1) in DASHES:
                    following = t.lower(k + 2)
                else:
                    following = t.lower(k + 1) if k + 1 < n else ""
                if following in self.energy_markers:
                    return None
                if (following in ("per", "a", "/") and k + 2 < n
                        and t.lower(k + 2) in self.density_nouns):
                    return None  # a density, not a capacity: "100 kilowatts per rack"
                if t.lower(start) in ARTICLES:  # "a gigawatt", "half a gigawatt"
                    rate = start > 0 and (t.like_num(start - 1) or self._scale(t.text(start - 1)) is not None)
                    if rate or (k + 1 < n and following not in self.nounless_followers):
                        return None  # "$10m a megawatt", "a gigawatt-scale campus", "a megawatt figure"
                figure = {"kind": "power", "mw": as_number(value * unit)}
                return self._span(doc, start, k + 1, "POWER", figure, low, qualifier, unit)
        if t.lower(i) in ARTICLES:
            return None

        # chips
        year_like = not scales and 1900 <= value <= 2100 and "," not in t.text(i)
        if year_like and end not in chip_nouns and end not in models:
            return None  # a year, unless a chip noun follows at once ("2048 GPUs")
        model = None
        last = None
        k = end
        limit = min(n, end + self.chip_window)  # hyphens do not count: "state-of-the-art AI chips"
        while k < limit:
            if k in chip_nouns:
                last = chip_nouns[k]
                break
            if k in models:
                k, name = models[k]
                model = model or name
                last = k
                continue
            if k in orgs:
                k = orgs[k]
                continue
            lower = t.lower(k)
            if model is not None and lower in self.model_units:
                last = k + 1  # "18,000 Grace Blackwell systems": the model says what is counted
                break
            if lower in self.count_blockers:
                return None
            if k > end and self._is_model_number(t, k):
                k += 1  # "10,000 RTX 4090 GPUs"
                continue
            if lower in self.chip_fillers or lower.endswith("-generation") or t.is_title(k) or t.is_upper(k):
                if lower in DASHES:
                    limit = min(n, limit + 1)
                k += 1  # fillers and product names: "Nvidia's most advanced", "GH200 Grace Hopper"
                continue
            break
        if last is None and not scales and self._continues_count(t, previous, start, end):
            last, model = end, previous[3]["model"]  # "8,000 GPUs at first and 31,000 later"
        if last is None:
            return None
        if not scales and self._is_model_number(t, i):
            return None  # "RTX 4090 GPUs": the number names the product, it does not count it
        if value < self.min_chips or (value != value.to_integral_value() and not scales):
            return None  # "one of the chips", "2.5 GPUs"
        figure = {"kind": "chips", "count": as_number(value), "model": model}
        return self._span(doc, start, last, "CHIPS", figure, low, qualifier, Decimal(1))

    @staticmethod
    def _is_model_number(t: Tokens, i: int) -> bool:
        """Whether the number at ``i`` is part of a product name: plain digits right after a word
        in capitals that is not a sentence start nor an entity ("RTX 4090", "GTX 1080"). Not after
        a title-case word: headlines capitalise verbs ("Humain Buys 18000 Chips")."""
        if i == 0 or not t.text(i).isdigit() or t.sent_start(i - 1) == 1:
            return False
        word = t.text(i - 1)
        if len(word) < 2 or not word.isalpha() or not t.is_upper(i - 1) or not t.space(i - 1):
            return False
        return not any(start <= i - 1 < end for start, end, _, _ in entities(t.doc))

    def _continues_count(self, t, previous, start, end) -> bool:
        """Whether a bare number counts the chips of the figure just before it, in the same
        sentence and a few words on, with the chip noun left out: "8,000 GPUs, and could reach
        31,000", "300,000 GPUs around the world, 60,000 of them in Britain", "50,000 per hall".
        Exact counts only (the caller passes no number with a scale word): a round "1 million"
        there is an ambition as often as a count (the extraction gold leaves "200,000 GPUs, and
        plans to reach 1 million" at one figure)."""
        if previous is None or previous[2] != "CHIPS" or start - previous[1] > self.elided_window:
            return False
        if end < t.n and t.lower(end) not in self.nounless_followers:
            return False  # a noun of its own follows: "8,000 GPUs in 12 countries"
        return not any(t.sent_start(k) == 1 for k in range(previous[1], start + 1))

    def _money(self, t, first, after, value, low, currency, qualifier, blocks, dollar=None):
        doc = t.doc
        blocks_before, blocks_after = blocks
        if value < self.min_money or after in blocks_after:
            return None
        for k in range(first - 1, max(-1, first - 1 - self.blocker_window), -1):
            if k in blocks_before:
                return None
            if t.text(k) in CLAUSE_BREAKS or t.sent_start(k) == 1:
                break
        figure = {"kind": "money", "value": int(value.to_integral_value()), "currency": currency}
        if dollar is not None:
            figure[DOLLAR_MARK] = dollar
        return self._span(doc, first, after, "MONEY", figure, low, qualifier, Decimal(1))

    def _span(self, doc, start, end, label, figure, low, qualifier, unit):
        if qualifier:
            figure["qualifier"] = qualifier
        if low is not None:
            high = figure.get("value", figure.get("mw", figure.get("count")))
            figure["range"] = [as_number(low * unit), high]
        return start, end, label, figure


@Language.factory(
    "tracker_commitments",
    requires=["doc.ents", "token.is_sent_start"],
    assigns=["doc.spans"],
    default_config={"figures_path": "figures.json", "currencies_path": "currencies.jsonl",
                    "bounds_path": "bounds.json"},
)
def create_commitment_finder(nlp: Language, name: str, figures_path: str, currencies_path: str,
                             bounds_path: str):
    """Registered factory: see the module docstring for the rules."""
    return CommitmentFinder(nlp, name, figures_path, currencies_path, bounds_path)
