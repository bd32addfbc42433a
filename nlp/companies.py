"""Component ``tracker_companies``: companies as ``ORG`` entities whose ``kb_id`` is the canonical name.

Two sources of names:
1. The registry ``data/companies.jsonl`` (canonical name, aliases, legal names, HQ country, type),
   matched case-sensitively with a PhraseMatcher (each phrase also in upper case: "NVIDIA").
   Another spelling of a name's capitals ("FluidStack", "DataVolt", "SK hynix", "Engie") is
   matched too, as long as the text starts the name with a capital letter: a lower-case word
   ("oracle") is a word, not the company.
   A legal suffix right after a match is absorbed ("Microsoft Corp."). Names flagged
   ``ambiguous_at_sentence_start`` (common words such as "Switch" or "Orange") are skipped
   when they open a sentence.
2. Companies missing from the registry, found from their form and context
   (``data/company_cues.json``):
   - a run of capitalised words closed by a legal suffix: "Acme Compute Ltd", "Nordic Grid AS";
   - a descriptor before the name: "the firm Nexacore", "Kenyan startup Savanna Compute";
   - an apposition: "Nexacore, a Riyadh-based startup".
   They are canonicalised to a short name without legal suffix, and resolved against the registry
   when the short name is a known alias. Governments, agencies, universities, programmes and
   products ("Stargate", "ChatGPT", "InvestAI") are never companies.

Run this component before ``tracker_countries``: a company name wins over a country inside it.
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from .countries import filter_matches
from .places import place_names
from .resources import read_json, read_jsonl
from .tokens import Lexicon, Tokens, entities, set_entities, shared_matcher

MAX_NAME_TOKENS = 5
MIN_CASE_VARIANT = 4  # names this long or longer also match with other capitals ("FluidStack")
APPOSITION_WINDOW = 7


def load_registry(path: str) -> list[dict]:
    """Return the company registry rows, checking the required keys."""
    rows = []
    for row in read_jsonl(path):
        missing = {"name", "aliases", "legal_names", "country", "type"} - row.keys()
        if missing:
            raise ValueError(f"{path}: company {row.get('name')!r} lacks {sorted(missing)}")
        rows.append(row)
    return rows


class CompanyRecognizer:
    """Registry matching plus detection of unregistered companies (see module docstring)."""

    def __init__(self, nlp: Language, name: str, registry_path: str, cues_path: str, detect_unregistered: bool):
        self.name = name
        self.detect_unregistered = detect_unregistered
        self.registry = load_registry(registry_path)
        self.lexicon = Lexicon(nlp.vocab)
        self.matcher = shared_matcher(nlp, "ORTH", name)
        self.case_matcher = shared_matcher(nlp, "LOWER", name)
        self.canonical: dict[str, str] = {}
        self.registry_names = {row["name"] for row in self.registry}
        self.org = nlp.vocab.strings.add("ORG")
        self.sentence_start_ambiguous: set[str] = set()
        for row in self.registry:
            names = {row["name"], *row["aliases"], *row["legal_names"]}
            phrases = names | {value.upper() for value in names if len(value) > 2}
            self.matcher.add(row["name"], [nlp.make_doc(value) for value in sorted(phrases)])
            spelled = sorted(value for value in names if len(value) >= MIN_CASE_VARIANT)
            if spelled:
                self.case_matcher.add(row["name"], [nlp.make_doc(value) for value in spelled])
            for value in names:
                self.canonical.setdefault(value.lower(), row["name"])
            if row.get("ambiguous_at_sentence_start"):
                self.sentence_start_ambiguous.add(row["name"])

        cues = read_json(cues_path)
        self.suffixes = set(cues["legal_suffixes"])
        self.descriptors = {value.lower() for value in cues["descriptor_nouns"]}
        self.not_companies = set(cues["not_companies"])
        self.inner_words = set(cues.get("inner_words", []))
        self.non_company_heads = set(cues["non_company_heads"])
        self.cue_matcher = shared_matcher(nlp, "LOWER", name)
        self.cue_matcher.add("DESCRIPTOR", [nlp.make_doc(value) for value in sorted(self.descriptors)])
        self.suffix_matcher = shared_matcher(nlp, "ORTH", name)
        self.suffix_matcher.add("SUFFIX", [nlp.make_doc(value) for value in sorted(self.suffixes)])

    # -- registry ---------------------------------------------------------------------------
    def _registry_spans(self, doc: Doc, t: Tokens) -> list[tuple[str, int, int]]:
        """Registry names found in the doc: ``(canonical name, start, end)``, without overlaps."""
        matches = []
        strings = doc.vocab.strings
        n = t.n
        exact = list(self.matcher(doc))
        spelled = [m for m in self.case_matcher(doc) if t.text(m[1])[:1].isupper()]
        for match_id, start, end in exact + spelled:
            canonical = strings[match_id]
            if (canonical in self.sentence_start_ambiguous and t.sent_start(start) == 1
                    and (end >= n or not (t.is_punct(end) or t.text(end) in {"'s", "’s"}))):
                continue  # "Switch to...", but "Switch, Equinix and..." or "Orange's" stay
            while end < n and t.text(end) in self.suffixes and end - start < MAX_NAME_TOKENS + 2:
                end += 1
            matches.append((canonical, start, end))
        return filter_matches(matches)

    # -- unregistered -----------------------------------------------------------------------
    def _is_name_token(self, t: Tokens, i: int) -> bool:
        text = t.text(i)
        if text in self.inner_words:
            return True  # "Imena AI"; a name made of such words only is rejected by canonicalise
        if text in self.not_companies or not text[:1].isalnum() or t.is_stop(i):
            return False
        return text[0].isupper()  # "Acme", "NVIDIA", "VinBrain", "G42"

    def _name_before(self, t: Tokens, end: int, floor: int) -> int | None:
        """Start of the run of name tokens ending at ``end`` (exclusive), or None."""
        start = end
        while start > floor and end - start < MAX_NAME_TOKENS:
            i = start - 1
            if t.text(i) in {"&", "-"} and start - 1 > floor and start < end:
                start -= 1
                continue
            if not self._is_name_token(t, i):
                break
            start -= 1
            if t.sent_start(i) == 1:
                break
        while start < end and t.text(start) in {"&", "-"}:
            start += 1  # "RABAT (Wire) - Sahara Grid Group": the dash is not part of the name
        return start if start < end else None

    def _name_after(self, t: Tokens, start: int) -> int | None:
        """End of the run of name tokens starting at ``start``, or None."""
        end = start
        n = t.n
        while end < n and end - start < MAX_NAME_TOKENS and self._is_name_token(t, end):
            if end > start and t.sent_start(end) == 1:
                break
            end += 1
            joined = end + 1 < n and t.text(end) in {"-", "&"} and not t.space(end)
            if joined and self._is_name_token(t, end + 1):
                end += 1  # "High-Flyer", "AT&T"
        while end < n and t.text(end) in self.suffixes and end - start < MAX_NAME_TOKENS + 2:
            end += 1
        return end if end > start else None

    def canonicalise(self, tokens: list[str]) -> str | None:
        """Short name of an unregistered company, or None when the words do not name a firm."""
        while tokens and tokens[-1] in self.suffixes:
            tokens = tokens[:-1]
        while tokens and tokens[0] in {"The", "the"}:
            tokens = tokens[1:]
        if not tokens or any(word in self.non_company_heads for word in tokens):
            return None
        if all(word in self.not_companies for word in tokens):
            return None
        name = " ".join(tokens).replace(" - ", "-").replace(" & ", " & ")
        if name in self.not_companies or name in place_names():
            return None  # "a data centre in Munich, a project that...": a city, not a firm
        return self.canonical.get(name.lower(), name)

    def _unregistered_spans(self, doc: Doc, taken: bytearray, t: Tokens) -> list[tuple[str, int, int]]:
        """Companies found from their form and context: ``(short name, start, end)``; they may overlap."""
        candidates: list[tuple[int, int]] = []
        for _, start, end in self.suffix_matcher(doc):
            first = self._name_before(t, start, 0)
            if first is not None:
                candidates.append((first, end))
        for _, start, end in self.cue_matcher(doc):
            if t.is_title(start) or t.is_upper(start):
                continue  # "Group", "Company" as part of a name, handled by the suffix rule
            last = self._name_after(t, end)
            if last is not None:
                candidates.append((end, last))
            floor = max(0, start - APPOSITION_WINDOW)
            for i in range(start - 1, floor, -1):
                if t.lower(i) in {"a", "an"} and i >= 2 and t.text(i - 1) == ",":
                    first = self._name_before(t, i - 1, 0)
                    if first is not None:
                        candidates.append((first, i - 1))
                    break
                if t.text(i) in {",", ".", ";"}:
                    break
        spans = []
        n = t.n
        for start, end in candidates:
            if any(taken[start:end]):
                continue
            if end < n and t.text(end) == "-" and not t.space(end - 1):
                continue  # "Spanish-language", "Kenyan-built": an adjective compound, not a name
            canonical = self.canonicalise([t.text(i) for i in range(start, end)])
            if canonical:
                spans.append((canonical, start, end))
        return spans

    def __call__(self, doc: Doc) -> Doc:
        t = Tokens(doc, self.lexicon)
        found = self._registry_spans(doc, t)
        existing = entities(doc)
        if self.detect_unregistered:
            taken = bytearray(len(doc))
            for start, end in [(start, end) for start, end, _, _ in existing] + [(s, e) for _, s, e in found]:
                taken[start:end] = b"\x01" * (end - start)
            found = filter_matches(found + self._unregistered_spans(doc, taken, t))
        if found:
            found = merge_short_names(found, self.registry_names)
            strings = doc.vocab.strings
            keep = [ent for ent in existing if not any(ent[0] < e and s < ent[1] for _, s, e in found)]
            set_entities(doc, keep + [(start, end, self.org, strings.add(name)) for name, start, end in found])
        return doc


def merge_short_names(found: list[tuple[str, int, int]], registry_names: set[str]) -> list[tuple[str, int, int]]:
    """Give an unregistered short form the full name found in the same document.

    News names a firm in full once and shortly after: "Orisun Compute, a Lagos-based startup ...
    The firm Orisun". An unregistered name whose words open another company name of the document
    takes that name. ``found`` holds ``(name, start, end)``; the result too.
    """
    names = {name for name, _, _ in found}
    merged = []
    for short, start, end in found:
        if short not in registry_names:
            longer = sorted(name for name in names if name != short and name.startswith(short + " "))
            if longer:
                short = longer[0]
        merged.append((short, start, end))
    return merged


@Language.factory(
    "tracker_companies",
    requires=["token.is_sent_start"],
    assigns=["doc.ents"],
    default_config={
        "registry_path": "companies.jsonl",
        "cues_path": "company_cues.json",
        "detect_unregistered": True,
    },
)
def create_company_recognizer(nlp: Language, name: str, registry_path: str, cues_path: str, detect_unregistered: bool):
    """Registered factory: see the module docstring for the rules."""
    return CompanyRecognizer(nlp, name, registry_path, cues_path, detect_unregistered)
