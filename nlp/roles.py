"""Component ``tracker_roles``: is each figure a commitment of a deal, or context around it?

After it runs, every ``span._.figure`` in ``doc.spans["commitments"]`` has ``role`` and
``role_cue``:

- ``"commitment"``: an investment or pledge, a capacity, a chip supply, a purchase or licence;
- ``"context"``: revenue, GDP, a valuation, a fund's size or assets under management, a market
  estimate, an economic-impact estimate, a price or share move, a figure of another deal cited for
  comparison ("after its $1.5bn stake in G42", "last year's $3bn");
- ``role_cue``: the cue, as written, that weighed most for the role given ("valued at", "GDP",
  "earlier", "will invest"); None when no cue did (the figure's place decided: the title, the
  lead, a company the story does not name...).

How (no parser: tokens, sentence starts, the entities and figures of the other components):
each figure is described by signals, and a logistic model adds up their weights.

- cue families of ``data/role_cues.json`` (revenue, valuation, share price, economy, fund size,
  funding round, estimate, a country's capacity, a level that grows, an aim, a company's yearly
  capital spending, unit price, comparison, earlier deal, other deal, total; and the commitment
  side: commitment verbs, future, the project), each looked for in three
  scopes: before the figure in its clause (within ``window_before`` tokens), after it in its clause
  (within ``window_after``), elsewhere in its sentence (not for the families of the commitment
  side: a commitment verb away from the figure is as often another deal's). A clause ends at
  , ; : ( ) and dashes;
- the figure's place: in the title, in the lead paragraph, in the second half of the text,
  repeated, its value also in the title, in a crowded sentence (three figures or more);
- its sentence's parties: a company of the title (or of the title and lead), or one they do not
  name; the company named last before the figure in its sentence, its subject or owner most
  often ("Amazon intends to put $12.7 billion", "Meta's $60 billion push"): one of the story's
  (``actor_story``) or another one (``actor_other``: a figure of another company, cited).
  Countries named in the sentence are not signals (a company's home, "Singapore's STT GDC", is
  named as often as a deal's place; learned on one part of the coverage, they misled on the next),
  nor are the title's cue words (the same for every figure of a story);
  a project of the story (named in the title or lead: ``tracker_projects`` runs first), or
  another one (a named project's figure is a deal's own more often than not, even when the deal
  is another one cited: the learned weight leans to commitment);
- years: a year before the published year (an earlier deal), or after it (a forecast or a plan);
- the figure itself: its kind, a qualifier ("about", "up to"), a range, a very small or very
  large dollar amount, far larger than the story's own figure of its kind (a fund, a market, a
  worldwide plan), a place's own figure ("Kenya's installed capacity").

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
from functools import lru_cache
from itertools import repeat

import numpy
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from .currencies import rate_for
from .projects import project_mentions
from .resources import read_json
from .tokens import IDX_COLUMN, LIKE_NUM_COLUMN, Lexicon, Tokens, entities, figures, sent_starts, static_arrays

COMMITMENT, CONTEXT = "commitment", "context"
SCOPES = ("before", "after", "sentence")
DECISIVE = "decisive"  # the signal of a cue that makes a figure context by itself (role_cues.json)
DECISIVE_BEFORE, DECISIVE_AFTER = "\x00decisive before", "\x00decisive after"  # their matcher keys
CLAUSE_BREAKS = {",", ";", ":", "(", ")", "—", "–", "\n", "\n\n"}
VALUE_KEYS = {"money": "value", "power": "mw", "chips": "count"}  # the figure's number, by kind
APPROXIMATE = {"about", "around", "nearly", "almost", "approximately", "roughly", "some",
               "close to", "an estimated", "estimated"}  # qualifiers of an estimate; others bound
CROWDED = 3  # figures in one sentence from which it reads as a list (totals, comparisons)
SMALL_USD, LARGE_USD = 1e8, 5e11  # dollar amounts below / above which money is seldom a deal's
SCALE = 3.0  # a figure this many times the story's own (same kind, title or lead) is of another size
POSSESSIVE = {"'s", "’s", "'"}  # the possessive marker, a token of its own
# tokens from a place's possessive to the figure it owns ("India's data centre capacity to reach 8GW")
OWNER_WINDOW = 10

if not Doc.has_extension("published"):
    Doc.set_extension("published", default=None)  # the record's date, YYYY-MM-DD (nlp.extract)
if not Doc.has_extension("title_end"):
    Doc.set_extension("title_end", default=0)


@lru_cache(maxsize=4096)
def usd_rate(currency: str, month: str | None) -> tuple[float, str] | None:
    """``rate_for`` remembered by currency and month: the small/large money signals only need the
    order of magnitude, so a table refreshed during the run changes nothing that matters here."""
    return rate_for(currency, f"{month}-01" if month else None)


KIND_SIGNALS = {kind: f"kind:{kind}" for kind in VALUE_KEYS}


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
        # a matcher of its own, run only on the sentences that hold a figure: its
        # cue words are common ("will", "was"), and matching them everywhere cost a fifth of the
        # extraction time
        self.matcher = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.families: dict[int, str] = {}
        for family, spec in cues["families"].items():
            self.matcher.add(family, [nlp.make_doc(phrase) for phrase in spec["phrases"]])
            self.families[nlp.vocab.strings[family]] = family
        self.leans = {family: spec["leans"] for family, spec in cues["families"].items()}
        # families that say what a figure is only next to it: the commitment side (its verbs, its
        # project, "part of") is as common in a sentence about another deal cited
        self.near_only = frozenset(family for family, leans in self.leans.items() if leans == COMMITMENT)
        # families that speak only of some kinds of figure ("per" and "cost" make a price of money,
        # not of megawatts): their cues are not looked for around the others
        self.kinds = {family: frozenset(spec["kinds"]) for family, spec in cues["families"].items() if "kinds" in spec}
        decisive = cues["decisive"]
        for side, key in (("before", DECISIVE_BEFORE), ("after", DECISIVE_AFTER)):
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
        self.explanations: dict[tuple[str, str], bool] = {}  # (signal, role) -> may it explain the role
        self.signal_names = {(family, scope): f"{family}@{scope}" for family in cues["families"]
                             for scope in (*SCOPES, "opener")}  # the signal of a cue, by family and scope

    # -- scoring --------------------------------------------------------------------------------
    def __call__(self, doc: Doc) -> Doc:
        described = self.describe(doc)
        if not described:
            return doc
        scores = [self.probability(signals) for _, _, _, signals in described]
        orth = static_arrays(doc)[1]
        # a conversion in brackets right after a figure takes that figure's score
        for number in range(1, len(described)):
            start = described[number][0]
            if described[number - 1][1] == start - 1 and self.lexicon[orth[start - 1]][0] == "(":
                scores[number] = scores[number - 1]
                described[number] = described[number][:3] + (described[number - 1][3],)
        # the same figure stated twice: a commitment when one statement is
        best: dict[tuple, int] = {}
        for number, (_, _, figure, _) in enumerate(described):
            key = figure_key(figure)
            if key not in best or scores[number] < scores[best[key]]:
                best[key] = number
        t = Tokens(doc, self.lexicon)
        decided: dict[int, tuple[str, str | None]] = {}
        for number in best.values():
            role = CONTEXT if scores[number] >= self.threshold else COMMITMENT
            cue = self.reason(described[number][3], role)
            decided[number] = role, None if cue is None else t.span_text(*cue)
        for _, _, figure, _ in described:
            figure["role"], figure["role_cue"] = decided[best[figure_key(figure)]]
        return doc

    def probability(self, signals: dict[str, tuple[int, int] | None]) -> float:
        """The probability that a figure with these signals is context: 1 with a decisive cue,
        else the logistic of the bias plus the weights of its signals."""
        if DECISIVE in signals:
            return 1.0
        total = self.bias + sum(map(self.weights.get, signals, repeat(0.0, len(signals))))
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, total))))

    def reason(self, signals: dict[str, tuple[int, int] | None], role: str) -> tuple[int, int] | None:
        """The tokens of the cue given for ``role``: the decisive cue, else the cue of the
        figure's own sentence that pulled hardest towards the role."""
        if DECISIVE in signals:
            return signals[DECISIVE]
        weights = self.weights
        sign = 1.0 if role == CONTEXT else -1.0
        cue, strongest = None, 0.0
        for signal, where in signals.items():
            if where is not None:
                pull = sign * weights.get(signal, 0.0)
                if pull > strongest and self.explains(signal, role):
                    cue, strongest = where, pull
        return cue

    def explains(self, signal: str, role: str) -> bool:
        """Whether a signal's cue may be given as the reason for ``role``: a cue from a family
        written for that role (a commitment verb pulls a little towards context, since other deals cited
        have them too, but it is no reason to call a figure context), or a year."""
        key = (signal, role)
        if key not in self.explanations:
            family = signal.split("@", 1)[0]
            leans = self.leans.get(family)
            if leans is None:
                self.explanations[key] = role == CONTEXT and signal == "past_year"
            else:
                self.explanations[key] = leans == role
        return self.explanations[key]

    # -- signals --------------------------------------------------------------------------------
    def describe(self, doc: Doc, window_before: int | None = None, window_after: int | None = None,
                 ) -> list[tuple[int, int, dict, dict[str, tuple[int, int] | None]]]:
        """``(start, end, figure, signals)`` per figure statement, in text order (what
        build_roles.py learns from). ``signals`` maps each signal present to the tokens of the cue
        behind it, ``(start, end)`` (None for a signal that is not a cue). The windows default to
        the model's (build_roles.py tries others). Only the sentences holding a figure are read.

        The title's cues are not signals: they are the same for every figure of a story, and
        learned on one part of the coverage they said more about how its outlets write titles
        than about any figure (dropping them raised the score on the next part)."""
        found = figures(doc)
        if not found:
            return []
        window_before = self.window_before if window_before is None else window_before
        window_after = self.window_after if window_after is None else window_after
        t = Tokens(doc, self.lexicon)
        n = t.n
        is_start = sent_starts(doc) == 1
        is_start[0] = True
        bounds = numpy.flatnonzero(is_start)  # sentence k (from 1) starts at bounds[k - 1]
        starts = [start for start, _, _ in found]
        sentences = numpy.searchsorted(bounds, starts, side="right").tolist()
        sentence_bounds = bounds.tolist() + [n]
        title_end = doc._.title_end or 0
        title_tokens = 0
        if title_end:
            title_tokens = int(numpy.searchsorted(static_arrays(doc)[0][:, IDX_COLUMN], numpy.uint64(title_end)))
        line_breaks = doc._.line_breaks if Doc.has_extension("line_breaks") else None
        lead_end = self.lead_end(title_tokens, line_breaks or [], n)
        wanted = set(sentences)

        cues_by_sentence: dict[int, list[tuple[int, int, str]]] = {}
        matches = self.cue_matches(doc, sorted(wanted), sentence_bounds)
        if matches:
            where = numpy.searchsorted(bounds, [start for _, start, _ in matches], side="right").tolist()
            for (match_id, start, end), sentence in zip(matches, where, strict=True):
                family = self.families[match_id]
                if sentence in wanted:
                    cues_by_sentence.setdefault(sentence, []).append((start, end, family))
        title_parties: set = set()  # companies named in the title
        lead_parties: set = set()  # in the title or the lead
        parties_by_sentence: dict[int, set] = {}
        named = [entity for entity in entities(doc) if entity[2] == self.gpe or entity[2] == self.org]
        if named:
            where = numpy.searchsorted(bounds, [entity[0] for entity in named], side="right").tolist()
            for (start, _, label, kb_id), sentence in zip(named, where, strict=True):
                if label != self.org:
                    continue
                if sentence in wanted:
                    parties_by_sentence.setdefault(sentence, set()).add(kb_id)
                if start < title_tokens:
                    title_parties.add(kb_id)
                if start < lead_end:
                    lead_parties.add(kb_id)
        story_projects, projects_by_sentence = self.find_projects(doc, bounds, wanted, lead_end)
        published = doc._.published
        years = self.find_years(t, bounds, wanted, int(published[:4]) if published else None)
        keys = [figure_key(figure) for _, _, figure in found]
        counts: dict[tuple, int] = {}
        title_keys = set()
        per_sentence: dict[int, int] = {}
        first_of_kind: dict[str, int] = {}  # the first statement of each kind after the title
        story_size: dict[str, float] = {}  # the size of the story's first figure of each kind (title, lead)
        for (start, _, figure), key, sentence in zip(found, keys, sentences, strict=True):
            counts[key] = counts.get(key, 0) + 1
            if start >= title_tokens:
                first_of_kind.setdefault(figure["kind"], start)
            else:
                title_keys.add(key)
            per_sentence[sentence] = per_sentence.get(sentence, 0) + 1
            if start < lead_end and figure["kind"] not in story_size:
                size = self.size_of(figure, published)
                if size:
                    story_size[figure["kind"]] = size

        empty: set = set()
        names, near_only, kinds = self.signal_names, self.near_only, self.kinds
        party_signals: dict[int, dict[str, None]] = {}
        described = []
        for (start, end, figure), key, sentence in zip(found, keys, sentences, strict=True):
            signals: dict[str, tuple[int, int] | None] = {KIND_SIGNALS[figure["kind"]]: None}
            first = sentence_bounds[sentence - 1]
            for cue_start, cue_end, family in cues_by_sentence.get(sentence, ()):
                if family in kinds and figure["kind"] not in kinds[family]:
                    continue
                if family[0] == "\x00":  # a decisive cue: only right before or right after the figure
                    if family == DECISIVE_BEFORE:
                        scope = self.scope_of(t, first, cue_start, cue_end, start, end, self.decisive_before, 0)
                    else:
                        scope = self.scope_of(t, first, cue_start, cue_end, start, end, 0, self.decisive_after)
                    if scope == "before" or scope == "after" or (scope == "opener" and family == DECISIVE_BEFORE):
                        signals.setdefault(DECISIVE, (cue_start, cue_end))
                    continue
                scope = self.scope_of(t, first, cue_start, cue_end, start, end, window_before, window_after)
                if scope is None:
                    continue  # a cue inside the figure ("chips" in "18,000 chips") says nothing more
                if scope == "sentence" and family in near_only:
                    continue  # a commitment cue elsewhere in the sentence is as often another deal's
                signals.setdefault(names[family, scope], (cue_start, cue_end))
            self.add_place(signals, start, title_tokens, lead_end, n, counts[key], key in title_keys,
                           per_sentence[sentence])
            if first_of_kind.get(figure["kind"]) == start:
                signals["first_of_kind"] = None
            if sentence not in party_signals:  # the same for every figure of the sentence
                parties = parties_by_sentence.get(sentence, empty)
                found_here: dict[str, None] = {}
                self.add_parties(found_here, parties, title_parties, "title")
                self.add_parties(found_here, parties, lead_parties, "story")
                party_signals[sentence] = found_here
            signals.update(party_signals[sentence])
            self.add_owner(signals, t, named, sentence_bounds[sentence - 1], start)
            self.add_actor(signals, named, sentence_bounds[sentence - 1], start, lead_parties)
            here = projects_by_sentence.get(sentence)
            if here:
                if here & story_projects:
                    signals["story_project"] = None
                if start >= lead_end and here - story_projects:
                    signals["other_project"] = None
            if start >= lead_end and figure["kind"] in story_size:
                self.add_scale(signals, self.size_of(figure, published), story_size[figure["kind"]])
            if sentence in years:
                for signal, cue in years[sentence].items():
                    signals.setdefault(signal, cue)
            self.add_figure(signals, figure, published)
            described.append((start, end, figure, signals))
        return described

    def scope_of(self, t: Tokens, first: int, cue_start: int, cue_end: int, start: int, end: int,
                 before: int, after: int) -> str | None:
        """Where a cue stands for the figure ``start:end`` of a sentence starting at ``first``:
        ``opener`` (it opens the sentence and a comma or other break closes it: "Separately, ...",
        "For comparison, ..."; it speaks of the whole sentence), ``before`` / ``after`` (in the
        figure's clause, no break between them, at most ``before`` tokens before it or ``after``
        tokens after it), ``sentence`` (elsewhere in the sentence), or None (inside the figure)."""
        orth, breaks = t.orth, self.break_orths
        if cue_end <= start:
            if cue_start == first and cue_end < t.n and orth[cue_end] in breaks:
                return "opener"
            if start - cue_end < before and not any(orth[k] in breaks for k in range(cue_end, start + 1)):
                return "before"
            return "sentence"
        if cue_start >= end:
            if cue_start - end < after and not any(orth[k] in breaks for k in range(end, cue_start + 1)):
                return "after"
            return "sentence"
        return None

    def cue_matches(self, doc: Doc, sentences: list[int], sentence_bounds: list[int]):
        """Cue matches (doc offsets) in ``sentences`` (numbers from 1, sorted)."""
        spans: list[tuple[int, int]] = []
        for sentence in sentences:
            first, last = sentence_bounds[sentence - 1], sentence_bounds[sentence]
            if spans and first <= spans[-1][1]:
                spans[-1] = (spans[-1][0], max(last, spans[-1][1]))
            else:
                spans.append((first, last))
        matches = []
        for first, last in spans:
            matches.extend(self.matcher(doc[first:last]))
        return self.drop_contained(matches)

    def drop_contained(self, matches: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
        """Family cues without those inside a longer cue of another family: the longer phrase
        says what the words mean together ("of the total" is a part of a total, not a total;
        "capital spending" a yearly budget, not a commitment verb). Decisive cues stay."""
        family = self.families
        longer = [(start, end) for match_id, start, end in matches if family[match_id][0] != "\x00"]
        return [(match_id, start, end) for match_id, start, end in matches
                if family[match_id][0] == "\x00"
                or not any(s <= start and end <= e and e - s > end - start for s, e in longer)]

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
    def add_parties(signals, parties, known_parties, scope):
        """Whether the sentence names a company of ``scope`` (the title; the story: title and
        lead), or one that ``scope`` does not name. Countries are left out: a sentence names a
        company's home ("Singapore's STT GDC") as often as the place of a deal, and the country
        signals learned on one part of the coverage pointed the wrong way on the next.
        """
        if parties & known_parties:
            signals[f"{scope}_company"] = None
        if known_parties and parties - known_parties:
            signals[f"{scope}_other_company"] = None

    @staticmethod
    def find_years(t: Tokens, bounds, sentences: set, year: int | None) -> dict[int, dict[str, tuple[int, int]]]:
        """By sentence (of ``sentences``), the first year before (``past_year``: an earlier deal)
        and after (``future_year``: a plan, a forecast) the published year: four digits, 1990 to
        2100."""
        found: dict[int, dict[str, tuple[int, int]]] = {}
        if year is None:
            return found
        numbers = numpy.flatnonzero(t.static[:, LIKE_NUM_COLUMN])
        if not len(numbers):
            return found
        where = numpy.searchsorted(bounds, numbers, side="right").tolist()
        for k, sentence in zip(numbers.tolist(), where, strict=True):
            if sentence not in sentences:
                continue
            text = t.text(k)
            if len(text) == 4 and text.isdigit() and 1990 <= int(text) <= 2100 and int(text) != year:
                signal = "past_year" if int(text) < year else "future_year"
                found.setdefault(sentence, {}).setdefault(signal, (k, k + 1))
        return found

    def add_owner(self, signals, t: Tokens, named, first: int, start: int) -> None:
        """A place named with a possessive in the figure's clause, before it ("Kenya's installed
        capacity", "Johor's data-centre capacity", "India's data centre capacity to reach 8GW"):
        a country's or a state's own figure, not a party's commitment (``place_owner``). Not a
        company's home ("Australia's NextDC has earmarked 13.7 billion baht"): the figure is the
        company's."""
        company_starts = {entity[0] for entity in named if entity[2] == self.org}
        for entity in named:
            if entity[0] >= start:
                break
            if entity[0] >= first and entity[2] == self.gpe and entity[1] < t.n and t.lower(entity[1]) in POSSESSIVE \
                    and start - entity[1] <= OWNER_WINDOW and entity[1] + 1 not in company_starts \
                    and not any(t.orth[k] in self.break_orths for k in range(entity[1], start)):
                signals["place_owner"] = (entity[0], entity[1] + 1)

    def add_actor(self, signals, named, first: int, start: int, story_parties: set) -> None:
        """The company the figure's sentence names last before it (its subject or owner, most
        often: "Amazon intends to put $12.7 billion", "Meta's $60 billion push"): one of the
        story's (named in the title or lead: ``actor_story``, the deal's own figure or its
        history) or another one (``actor_other``: a figure of another company, cited)."""
        actor = None
        for entity in named:
            if entity[0] >= start:
                break
            if entity[0] >= first and entity[2] == self.org:
                actor = entity[3]
        if actor is not None and story_parties:
            signals["actor_story" if actor in story_parties else "actor_other"] = None

    @staticmethod
    def find_projects(doc: Doc, bounds, sentences: set, lead_end: int) -> tuple[set[str], dict[int, set[str]]]:
        """The projects the title and lead name (the story's), and those each of ``sentences``
        names (``tracker_projects`` runs first): a figure's sentence naming the story's project
        is about the story's deal (``story_project``); one after the lead naming another project
        ("Meta's Hyperion", "Stargate's Texas campus") is about a named deal, the story's or
        another one cited (``other_project``)."""
        mentions = project_mentions(doc)
        story: set[str] = set()
        by_sentence: dict[int, set[str]] = {}
        if not mentions:
            return story, by_sentence
        where = numpy.searchsorted(bounds, [start for start, _, _ in mentions], side="right").tolist()
        for (start, _, name), sentence in zip(mentions, where, strict=True):
            if start < lead_end:
                story.add(name)
            if sentence in sentences:
                by_sentence.setdefault(sentence, set()).add(name)
        return story, by_sentence

    @staticmethod
    def size_of(figure: dict, published: str | None) -> float | None:
        """A figure's size comparable across statements of its kind: dollars, MW, chips."""
        if figure["kind"] != "money":
            return float(figure[VALUE_KEYS[figure["kind"]]]) or None
        found = usd_rate(figure["currency"], published[:7] if published else None)
        return figure["value"] * found[0] if found is not None and figure["value"] else None

    @staticmethod
    def add_scale(signals, size: float | None, story: float) -> None:
        """A figure far larger than the story's own: a fund, a market, a worldwide plan, a
        package of many deals (``larger_than_story``). Far smaller says little: parts and phases
        of the deal are smaller too."""
        if size is not None and size >= SCALE * story:
            signals["larger_than_story"] = None

    @staticmethod
    def add_figure(signals, figure, published):
        qualifier = figure.get("qualifier")
        if qualifier:
            signals["approximate" if qualifier in APPROXIMATE else "bounded"] = None
        if "range" in figure:
            signals["range"] = None
        if figure["kind"] == "money":
            found = usd_rate(figure["currency"], published[:7] if published else None)
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
