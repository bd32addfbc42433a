"""Component ``tracker_roles``: is each figure a commitment of a deal, or context around it?

After it runs, every ``span._.figure`` in ``doc.spans["commitments"]`` has ``role`` and
``role_cue``:

- ``"commitment"``: an investment or pledge, a capacity, a chip supply, a purchase or licence;
- ``"context"``: revenue, GDP, a valuation, a fund's size or assets under management, a market
  estimate, an economic-impact estimate, a price or share move, a figure of another deal cited for
  comparison ("after its $1.5bn stake in G42", "last year's $3bn");
- ``role_cue``: the cue, as written, that weighed most for the role given ("valued at", "GDP",
  "earlier", "will invest"); None when no cue did (the figure's place decided: the title, the
  lead, a country the title does not name...).

How (no parser: tokens, sentence starts, the entities and figures of the other components):
each figure is described by signals, and a logistic model adds up their weights.

- cue families of ``data/role_cues.json`` (revenue, valuation, share price, economy, fund size,
  funding round, estimate, a country's capacity, unit price, comparison, earlier deal, other deal,
  total; and the commitment side: commitment verbs, future, the project), each looked for in three
  scopes: before the figure in its clause (within ``window_before`` tokens), after it in its clause
  (within ``window_after``), elsewhere in its sentence. A clause ends at , ; : ( ) and dashes;
- the figure's place: in the title, in the lead paragraph, in the second half of the text,
  repeated, its value also in the title, in a crowded sentence (three figures or more);
- its sentence's parties: a company or country of the title, or one the title does not name;
- years: a year before the published year (an earlier deal), or after it (a forecast or a plan);
- the figure itself: its kind, a qualifier ("about", "up to"), a range, a very small or very
  large dollar amount.

The weights, bias, threshold and windows are in ``data/role_weights.json``, learned by
``data/build_roles.py`` on the labelled figures of the development gold set (never on the blind
test) and checked there by cross-validation over articles.

Two rules come after the scores: a figure in brackets right after another one is its conversion
("R20.4 billion ($1.12 billion)") and takes that figure's role; and the same figure stated twice
(same kind, value and currency: the one line ``nlp.extract`` writes for both) is a commitment when
one of its statements is.
"""

from __future__ import annotations

import math

import numpy
from spacy.language import Language
from spacy.tokens import Doc

from .currencies import rate_for
from .resources import read_json
from .tokens import IDX_COLUMN, Lexicon, Tokens, entities, figures, sent_starts, shared_matcher, static_arrays

COMMITMENT, CONTEXT = "commitment", "context"
SCOPES = ("before", "after", "sentence")
DECISIVE = "decisive"  # the signal of a cue that makes a figure context by itself (role_cues.json)
CLAUSE_BREAKS = {",", ";", ":", "(", ")", "—", "–", "\n", "\n\n"}
VALUE_KEYS = {"money": "value", "power": "mw", "chips": "count"}  # the figure's number, by kind
APPROXIMATE = {"about", "around", "nearly", "almost", "approximately", "roughly", "some",
               "close to", "an estimated", "estimated"}  # qualifiers of an estimate; others bound
CROWDED = 3  # figures in one sentence from which it reads as a list (totals, comparisons)
SMALL_USD, LARGE_USD = 1e8, 5e11  # dollar amounts below / above which money is seldom a deal's

if not Doc.has_extension("published"):
    Doc.set_extension("published", default=None)  # the record's date, YYYY-MM-DD (nlp.extract)
if not Doc.has_extension("title_end"):
    Doc.set_extension("title_end", default=0)


def figure_key(figure: dict) -> tuple:
    """What makes two statements one figure (the key ``nlp.extract`` merges repeats by)."""
    kind = figure["kind"]
    return kind, figure[VALUE_KEYS[kind]], figure.get("currency")


class RoleClassifier:
    """Cue matches grouped by sentence once per doc, then each figure described and scored."""

    def __init__(self, nlp: Language, name: str, cues_path: str, weights_path: str):
        self.name = name
        cues = read_json(cues_path)
        model = read_json(weights_path)
        self.matcher = shared_matcher(nlp, "LOWER", name)
        self.families: dict[int, str] = {}
        for family, spec in cues["families"].items():
            self.matcher.add(family, [nlp.make_doc(phrase) for phrase in spec["phrases"]])
            self.families[nlp.vocab.strings[family]] = family
        self.leans = {family: spec["leans"] for family, spec in cues["families"].items()}
        decisive = cues["decisive"]
        for side in ("before", "after"):
            key = f"{DECISIVE}_{side}"
            self.matcher.add(key, [nlp.make_doc(phrase) for phrase in decisive[side]])
            self.families[nlp.vocab.strings[key]] = key
        self.decisive_before = int(decisive["window_before"])
        self.decisive_after = int(decisive["window_after"])
        self.window_before = int(model["window_before"])
        self.window_after = int(model["window_after"])
        self.bias = float(model["bias"])
        self.threshold = float(model["threshold"])
        self.weights: dict[str, float] = {k: float(v) for k, v in model["weights"].items()}
        self.lexicon = Lexicon(nlp.vocab)
        self.gpe, self.org = nlp.vocab.strings.add("GPE"), nlp.vocab.strings.add("ORG")
        self.break_orths = {nlp.vocab.strings.add(mark) for mark in CLAUSE_BREAKS}

    # -- scoring --------------------------------------------------------------------------------
    def __call__(self, doc: Doc) -> Doc:
        described = self.describe(doc)
        if not described:
            return doc
        scores = [self.score(signals) for _, _, _, signals in described]
        orth = static_arrays(doc)[1]
        # a conversion in brackets right after a figure takes that figure's score
        for number in range(1, len(described)):
            start = described[number][0]
            previous_end = described[number - 1][1]
            if previous_end == start - 1 and self.lexicon[orth[start - 1]][0] == "(":
                scores[number] = scores[number - 1]
        # the same figure stated twice: a commitment when one statement is
        best: dict[tuple, int] = {}
        for number, (_, _, figure, _) in enumerate(described):
            key = figure_key(figure)
            if key not in best or scores[number][0] < scores[best[key]][0]:
                best[key] = number
        for _, _, figure, _ in described:
            probability, role, cue = scores[best[figure_key(figure)]]
            figure["role"], figure["role_cue"] = role, cue
        return doc

    def score(self, signals: dict[str, str | None]) -> tuple[float, str, str | None]:
        """(probability of context, role, deciding cue) of one figure's signals: a decisive cue
        makes it context; otherwise the model's weights decide. The cue given is the one of the
        figure's own sentence that pulled hardest towards the role (the title's cues also count
        in the sum, but they say what the story is about, not what this figure is)."""
        if DECISIVE in signals:
            return 1.0, CONTEXT, signals[DECISIVE]
        weights = self.weights
        total = self.bias + sum(weights.get(signal, 0.0) for signal in signals)
        probability = 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, total))))
        role = CONTEXT if probability >= self.threshold else COMMITMENT
        sign = 1.0 if role == CONTEXT else -1.0
        cue, strongest = None, 0.0
        for signal, text in signals.items():
            pull = sign * weights.get(signal, 0.0)
            if text is not None and pull > strongest and self.explains(signal, role):
                cue, strongest = text, pull
        return probability, role, cue

    def explains(self, signal: str, role: str) -> bool:
        """Whether a signal's cue may be given as the reason for ``role``: a cue of the figure's
        own sentence (not the title's: that says what the story is about) from a family written
        for that role (a commitment verb pulls a little towards context, since other deals cited
        have them too, but it is no reason to call a figure context), or a year."""
        if signal.startswith("title:"):
            return False
        family = signal.split("@", 1)[0]
        leans = self.leans.get(family)
        if leans is None:
            return role == CONTEXT and signal == "past_year"
        return leans == role

    # -- signals --------------------------------------------------------------------------------
    def describe(self, doc: Doc, window_before: int | None = None, window_after: int | None = None,
                 ) -> list[tuple[int, int, dict, dict[str, str | None]]]:
        """``(start, end, figure, signals)`` per figure statement, in text order. ``signals`` maps
        each signal present to the cue text behind it (None for a signal that is not a cue).
        The windows default to the model's (build_roles.py tries others)."""
        found = figures(doc)
        if not found:
            return []
        window_before = self.window_before if window_before is None else window_before
        window_after = self.window_after if window_after is None else window_after
        t = Tokens(doc, self.lexicon)
        n = t.n
        is_start = sent_starts(doc) == 1
        is_start[0] = True
        sentence_of = numpy.cumsum(is_start)  # sentence number (from 1) of every token
        sentence_bounds = numpy.flatnonzero(is_start).tolist()  # where sentence k + 1 starts
        breaks = numpy.fromiter((orth in self.break_orths for orth in t.orth), dtype=bool, count=n)
        clause_of = numpy.cumsum(breaks | is_start)  # a break token opens the next clause
        line_breaks = doc._.line_breaks if Doc.has_extension("line_breaks") else None
        title_end = doc._.title_end or 0
        title_tokens = 0
        if title_end:
            title_tokens = int(numpy.searchsorted(static_arrays(doc)[0][:, IDX_COLUMN], numpy.uint64(title_end)))
        lead_end = self.lead_end(title_tokens, line_breaks or [], n)

        cues_by_sentence: dict[int, list[tuple[int, int, str]]] = {}
        title_cues: dict[str, str] = {}  # what the title speaks of: a family and its first cue there
        for match_id, start, end in self.matcher(doc):
            family = self.families[match_id]
            cues_by_sentence.setdefault(int(sentence_of[start]), []).append((start, end, family))
            if end <= title_tokens:
                title_cues.setdefault(f"title:{family}", t.span_text(start, end))
        strings = doc.vocab.strings
        title_places, title_parties = set(), set()  # named in the title
        lead_places, lead_parties = set(), set()  # named in the title or the lead
        places_by_sentence: dict[int, set] = {}
        parties_by_sentence: dict[int, set] = {}
        for start, _, label, kb_id in entities(doc):
            if label == self.gpe:
                table, title, lead = places_by_sentence, title_places, lead_places
            elif label == self.org:
                table, title, lead = parties_by_sentence, title_parties, lead_parties
            else:
                continue
            table.setdefault(int(sentence_of[start]), set()).add(kb_id)
            if start < title_tokens:
                title.add(kb_id)
            if start < lead_end:
                lead.add(kb_id)
        published = doc._.published
        year = int(published[:4]) if published else None
        keys = [figure_key(figure) for _, _, figure in found]
        counts: dict[tuple, int] = {}
        title_keys = set()
        per_sentence: dict[int, int] = {}
        first_of_kind: dict[str, int] = {}  # the first statement of each kind after the title
        for (start, _, figure), key in zip(found, keys):
            counts[key] = counts.get(key, 0) + 1
            if start >= title_tokens:
                first_of_kind.setdefault(figure["kind"], start)
            if start < title_tokens:
                title_keys.add(key)
            sentence = int(sentence_of[start])
            per_sentence[sentence] = per_sentence.get(sentence, 0) + 1

        described = []
        for (start, end, figure), key in zip(found, keys):
            sentence = int(sentence_of[start])
            signals: dict[str, str | None] = {"kind:" + figure["kind"]: None, **title_cues}
            first = sentence_bounds[sentence - 1]
            for cue_start, cue_end, family in cues_by_sentence.get(sentence, ()):
                if family.startswith(DECISIVE):  # only right before or right after the figure
                    before = self.decisive_before if family.endswith("before") else 0
                    after = self.decisive_after if family.endswith("after") else 0
                    scope = self.scope_of(t, clause_of, first, cue_start, cue_end, start, end, before, after)
                    if scope in ("before", "after", "opener") and (scope != "opener" or before):
                        signals.setdefault(DECISIVE, t.span_text(cue_start, cue_end))
                    continue
                scope = self.scope_of(t, clause_of, first, cue_start, cue_end, start, end, window_before, window_after)
                if scope is None:
                    continue  # a cue inside the figure ("chips" in "18,000 chips") says nothing more
                signal = f"{family}@{scope}"
                if signal not in signals or scope != "sentence":
                    signals.setdefault(signal, t.span_text(cue_start, cue_end))
            self.add_place(signals, start, title_tokens, lead_end, n, counts[key], key in title_keys,
                           per_sentence[sentence])
            if first_of_kind.get(figure["kind"]) == start:
                signals["first_of_kind"] = None
            places, parties = places_by_sentence.get(sentence, set()), parties_by_sentence.get(sentence, set())
            self.add_parties(signals, places, parties, title_places, title_parties, "title")
            self.add_parties(signals, places, parties, lead_places, lead_parties, "story")
            if year is not None:
                self.add_years(signals, t, sentence_bounds, sentence, year)
            self.add_figure(signals, figure, published)
            described.append((start, end, figure, signals))
        return described

    def scope_of(self, t: Tokens, clause_of, first: int, cue_start: int, cue_end: int, start: int, end: int,
                 before: int, after: int) -> str | None:
        """Where a cue stands for the figure ``start:end``: ``opener`` (it opens the sentence and a
        comma or other break closes it: "Separately, ...", "For comparison, ..."; it speaks of the
        whole sentence), ``before`` / ``after`` (in the figure's clause, at most ``before`` tokens
        before it or ``after`` tokens after it), ``sentence`` (elsewhere in the sentence), or None
        (inside the figure)."""
        if cue_end <= start:
            if cue_start == first and cue_end < t.n and t.orth[cue_end] in self.break_orths:
                return "opener"
            return "before" if clause_of[cue_end - 1] == clause_of[start] and start - cue_end < before else "sentence"
        if cue_start >= end:
            return "after" if clause_of[cue_start] == clause_of[end - 1] and cue_start - end < after else "sentence"
        return None

    @staticmethod
    def lead_end(title_tokens: int, line_breaks: list[int], n: int) -> int:
        """The token after the lead: the first body paragraph (the one after the title)."""
        after_title = [b for b in line_breaks if b >= title_tokens] if title_tokens else list(line_breaks)
        if title_tokens and after_title:
            after_title = after_title[1:]  # the break that ends the title opens the lead
        return after_title[0] if after_title else n

    @staticmethod
    def add_place(signals, start, title_tokens, lead_end, n, count, value_in_title, in_sentence):
        if start < title_tokens:
            signals["in_title"] = None
        elif start < lead_end:
            signals["in_lead"] = None
        if start > n / 2:
            signals["second_half"] = None
        if count > 1:
            signals["repeated"] = None
        if value_in_title and start >= title_tokens:
            signals["value_in_title"] = None
        if in_sentence >= CROWDED:
            signals["crowded_sentence"] = None

    @staticmethod
    def add_parties(signals, places, parties, known_places, known_parties, scope):
        """Whether the sentence names a country or company of ``scope`` (the title; the story:
        title and lead), or one that ``scope`` does not name."""
        if places & known_places:
            signals[f"{scope}_country"] = None
        if known_places and places - known_places:
            signals[f"{scope}_other_country"] = None
        if parties & known_parties:
            signals[f"{scope}_company"] = None
        if known_parties and parties - known_parties:
            signals[f"{scope}_other_company"] = None

    def add_years(self, signals, t: Tokens, sentence_bounds: list[int], sentence: int, year: int):
        """A year in the sentence before (an earlier deal) or after (a plan, a forecast) the
        published year: four digits from 1990 to 2100, no comma."""
        first = sentence_bounds[sentence - 1] if 0 < sentence <= len(sentence_bounds) else 0
        last = sentence_bounds[sentence] if sentence < len(sentence_bounds) else t.n
        for k in range(first, last):
            text = t.text(k)
            if len(text) == 4 and text.isdigit():
                value = int(text)
                if 1990 <= value < year:
                    signals.setdefault("past_year", text)
                elif year < value <= 2100:
                    signals.setdefault("future_year", text)

    @staticmethod
    def add_figure(signals, figure, published):
        qualifier = figure.get("qualifier")
        if qualifier:
            signals["approximate" if qualifier in APPROXIMATE else "bounded"] = qualifier
        if "range" in figure:
            signals["range"] = None
        if figure["kind"] == "money":
            found = rate_for(figure["currency"], published)
            if found is not None:
                usd = figure["value"] * found[0]
                if usd < SMALL_USD:
                    signals["small_money"] = None
                elif usd >= LARGE_USD:
                    signals["large_money"] = None


@Language.factory(
    "tracker_roles",
    requires=["doc.ents", "doc.spans", "token.is_sent_start"],
    assigns=["doc.spans"],
    default_config={"cues_path": "role_cues.json", "weights_path": "role_weights.json"},
)
def create_role_classifier(nlp: Language, name: str, cues_path: str, weights_path: str):
    """Registered factory: see the module docstring."""
    return RoleClassifier(nlp, name, cues_path, weights_path)
