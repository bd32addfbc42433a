"""Deal frames of one document: which of its figures report one deal, with whom, where, when.

Pure: the input is the rows store.py reads (figures, mentions, documents), the output plain
objects. Three steps:

1. ``read_documents`` gathers what each document names: its countries and companies (how often,
   where first, in the title, per paragraph), the projects it names, its title words, and the
   states, regions and cities that stand for a country (``read_places``).
2. ``read_figures`` gives each figure its links: the companies of its own clause (a company goes
   with the figures after it until the next company; companies after a clause's last figure go
   with that figure), the companies named inside it ("23,000 Nvidia GPUs": a supplier), the
   countries of its sentence, a time cue (its sentence names an earlier year or says "earlier").
   A figure the extractor marks as context (``role = 'context'``: revenue, GDP, a valuation, a
   fund size, another deal cited) is read too but never becomes a deal figure.
3. ``build_frames`` groups a document's commitment figures into frames with the within-document
   pair model (features.py ``within_features``; average link over the pair probabilities, the
   threshold learned with the weights) and describes each frame: its host country (the learned
   host ranking over the countries the figures' sentences, paragraphs and document name: where
   the infrastructure is or the money is spent, not the investor's home; a document naming no
   country at all: the home its owners share, ``home_of_owners``), its parties with roles
   (the learned party ranking: investor or buyer, supplier, partner), project, deal type, date.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

# words too common in deal news to tell two stories apart (title and text similarity)
STOPWORDS = frozenset(
    """a about after all also an and any are as at be been but by can could for from had has have
    he her his how if in into is it its more most new not of on or our over said says she so some
    than that the their them then there these they this those to under up was we were what when
    which while who will with would year years billion million bn mn per cent percent plan plans
    ai artificial intelligence data centre centres center centers""".split()
)
TOKEN = re.compile(r"[a-z0-9][a-z0-9\-]+")
YEAR = re.compile(r"\b(19[89]\d|20\d\d)\b")
# a figure the sentence places in the past ("said in May 2023", "announced last year", "earlier")
PAST_CUE = re.compile(
    r"\b(?:earlier|previously|last year|already (?:spent|invested|put)"
    r"|had (?:already )?(?:spent|invested|committed|pledged))\b",
    re.I,
)
# a figure the sentence reports as the whole another figure belongs to ("part of the $12.7bn")
PART_OF_BEFORE = re.compile(
    r"\b(?:part of|share of|portion of|out of|within|under)\s+"
    r"(?:an?|the|its|their|his|her|a wider|a broader)?\s*(?:\w+\s+){0,3}$",
    re.I,
)
# a sentence relating a part to a whole ("includes", "within it", "on top of", "another", "of which")
PART_WHOLE_CUE = re.compile(
    r"\b(?:includ\w*|within (?:it|this|that)|inside|part of|piece of|share of|broader|wider|on top of"
    r"|another|of which|among them|out of|leads? an?|sits? inside|as part)\b",
    re.I,
)
# a figure the sentence compares the deal with ("compares with", "similar to", "follows")
COMPARE_CUE = re.compile(
    r"\b(?:compar\w+|similar|follows|followed|rival\w*|dwarf\w*|bigger than|larger than|smaller than|versus)\b",
    re.I,
)
# words before a place naming it as where a site stands ("in Louisiana", "near Narvik", "at Abilene")
PLACE_CUE = re.compile(r"\b(?:in|to|into|at|near|across|outside)\s+$", re.I)
# "the kingdom", "the emirate": the document's own monarchy, named as a place ("a 500-megawatt data
# centre in the kingdom"); each word points at the country of its kind the document names most
STATE_WORD = re.compile(r"\b[Tt]he (kingdom|emirate|sultanate|city-state)\b(?! of\b)")
STATE_KINDS = {
    "kingdom": ("SA", "BH", "MA", "JO", "GB", "NO", "SE", "DK", "NL", "BE", "ES", "TH"),
    "emirate": ("AE", "QA", "KW"),
    "sultanate": ("OM", "BN"),
    "city-state": ("SG",),
}
DEMONYM_ENDINGS = ("an", "ish", "ese", "ian", "ch", "i")


@lru_cache(maxsize=1)
def company_registry() -> dict[str, dict]:
    """Canonical company name -> its registry row (home country and type), nlp/data/companies.jsonl."""
    from nlp.resources import read_jsonl

    return {row["name"]: row for row in read_jsonl("companies.jsonl") if isinstance(row.get("name"), str)}


NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][A-Za-z0-9\-]*[A-Za-z0-9]", re.M)


def names(text: str) -> list[str]:
    """Capitalised words not opening a sentence: names of places, sites, programmes, people."""
    return [w.casefold() for w in NAME.findall(text) if w.casefold() not in STOPWORDS]


def tokens(text: str) -> list[str]:
    """Content words of a text, lower case, stop words left out."""
    return [t for t in TOKEN.findall(text.casefold()) if t not in STOPWORDS and not t.isdigit()]


def is_demonym(surface: str | None) -> bool:
    """"Canadian", "British", "Emirati": an adjective naming a country (often an investor's home),
    not the country's name ("Canada", "the UAE")."""
    word = (surface or "").strip().split(" ")[-1].casefold()
    return len(word) > 3 and word.endswith(DEMONYM_ENDINGS) and not word.endswith(("stan", "land"))


def is_dateline(surface: str | None) -> bool:
    """A place written in capitals (PARIS, ABU DHABI): where the story was filed."""
    letters = [c for c in surface or "" if c.isalpha()]
    return len(letters) >= 4 and all(c.isupper() for c in letters)


@dataclass
class Document:
    """What one document names, for hosts, parties and similarity."""

    doc_id: str
    reported_on: date
    source: str = ""
    title: str = ""
    text: str = ""
    title_end: int = 0
    countries: Counter = field(default_factory=Counter)
    companies: Counter = field(default_factory=Counter)
    projects: Counter = field(default_factory=Counter)
    demonyms: Counter = field(default_factory=Counter)  # country mentions written as an adjective
    datelines: Counter = field(default_factory=Counter)
    host_cues: Counter = field(default_factory=Counter)  # "in India", "to the UAE": a place of spending
    first: dict = field(default_factory=dict)  # (kind, value) -> first offset
    in_title: set = field(default_factory=set)  # (kind, value) named in the title
    paragraph_countries: dict = field(default_factory=dict)  # paragraph -> Counter
    paragraph_companies: dict = field(default_factory=dict)
    sentence_mentions: dict = field(default_factory=dict)  # sentence -> [mention rows]
    entities: list = field(default_factory=list)  # (start, end, kind, value, paragraph, adjective), in text order
    words: Counter = field(default_factory=Counter)  # content words of the whole text
    names: Counter = field(default_factory=Counter)  # capitalised words of the whole text
    places: Counter = field(default_factory=Counter)  # countries named through a state, region or city
    place_cues: Counter = field(default_factory=Counter)  # ... after "in", "to", "at", "near": a site
    place_spans: list = field(default_factory=list)  # (start, country, paragraph), in text order
    figure_count: int = 0  # its commitment figures
    actors: Counter = field(default_factory=Counter)  # who its figures are about (not inherited)

    def paragraph_text(self, paragraph: int | None) -> str:
        lines = self.text.split("\n")
        return lines[paragraph] if paragraph is not None and 0 <= paragraph < len(lines) else ""

    def rank(self, kind: str, value: str) -> tuple:
        """Sort key: most mentioned, then named in the title, then named first."""
        counts = {"country": self.countries, "company": self.companies, "project": self.projects}[kind]
        key = (kind, value)
        return (-counts.get(value, 0), key not in self.in_title, self.first.get(key, 1 << 30), value)

    def ranked(self, kind: str) -> list[str]:
        counts = {"country": self.countries, "company": self.companies, "project": self.projects}[kind]
        return sorted(counts, key=lambda v: self.rank(kind, v))

    @property
    def title_words(self) -> set[str]:
        return set(tokens(self.title))


@dataclass
class Figure:
    """One extracted figure with the links the resolver reads (module docstring, step 2)."""

    commitment_id: str
    doc_id: str
    reported_on: date
    kind: str
    amount: float | None
    currency: str | None = None
    usd: float | None = None
    start: int = 1 << 30
    end: int = 1 << 30
    sentence: str = ""
    sentence_start: int | None = None
    paragraph: int | None = None
    in_title: bool = False
    deal_type: str | None = None
    role: str = "commitment"
    project: str | None = None
    extracted_countries: tuple[str, ...] = ()  # the extractor's lists (its link_scope says from where)
    extracted_companies: tuple[str, ...] = ()
    link_scope: str | None = None
    companies: tuple[str, ...] = ()  # of its own clause
    suppliers: tuple[str, ...] = ()  # named inside the figure
    sentence_companies: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()  # of its sentence
    shared_sentence: int = 1  # figures in its sentence
    clause: int = 0
    past: bool = False  # its sentence places it in the past
    part_of: bool = False  # "part of the $12.7bn": the whole another figure belongs to
    compared: bool = False  # its sentence compares
    part_whole: bool = False  # its sentence relates a part to a whole
    actor: str | None = None  # who the figure is about: see figure_actor
    actor_inherited: bool = False  # its clause names nobody: the paragraph's last named actor
    host: str | None = None  # set with its frame
    frame: int = -1  # index of its frame in its document

    @property
    def is_commitment(self) -> bool:
        return self.role != "context"

    @property
    def tier(self) -> str:
        """S: a body sentence with one figure naming a place or company; M: the title or a sentence
        with several figures naming one; W: a sentence naming none (deal_evidence.link_strength)."""
        named = bool(self.countries or self.sentence_companies)
        if self.in_title or (named and self.shared_sentence > 1):
            return "M"
        return "S" if named else "W"


@dataclass
class Party:
    name: str
    role: str  # investor, supplier, partner
    score: float


@dataclass
class Frame:
    """Figures of one document that report one deal, and what the document says of that deal."""

    doc_id: str
    index: int
    reported_on: date
    figures: list[Figure]
    host: str | None = None
    host_score: float = 0.0
    countries: tuple[str, ...] = ()  # host first, then the others its sentences name
    parties: list[Party] = field(default_factory=list)
    project: str | None = None
    deal_type: str | None = None
    site: str | None = None
    words: Counter = field(default_factory=Counter)  # content words of its sentences and title
    names: Counter = field(default_factory=Counter)  # capitalised words of its paragraphs and title

    @property
    def key(self) -> tuple:
        return (self.reported_on, self.doc_id, self.index)

    @property
    def principals(self) -> frozenset[str]:
        return frozenset(p.name for p in self.parties)

    @property
    def owners(self) -> frozenset[str]:
        """Its parties other than suppliers: whose deal it is."""
        return frozenset(p.name for p in self.parties if p.role != "supplier")


# ---------------------------------------------------------------------------------------------
# Step 1: documents
# ---------------------------------------------------------------------------------------------


def read_documents(document_rows: list[dict], mention_rows: list[dict]) -> dict[str, Document]:
    docs = {}
    for row in document_rows:
        title = row.get("title") or ""
        text = row.get("analysed") or ""
        docs[row["doc_id"]] = Document(
            doc_id=row["doc_id"], reported_on=row["reported_on"], source=row.get("source_key") or "",
            title=title, text=text, title_end=len(title), words=Counter(tokens(text)), names=Counter(names(text)),
        )
    for m in mention_rows:
        doc = docs.get(m["doc_id"])
        if doc is None:
            continue
        kind, value, start = m["kind"], m["value"], m["start_char"]
        key = (kind, value)
        doc.first[key] = min(doc.first.get(key, start), start)
        if start < doc.title_end:
            doc.in_title.add(key)
        doc.sentence_mentions.setdefault(m.get("sentence") or "", []).append(m)
        paragraph = m.get("paragraph_no")
        if kind in ("company", "country", "project"):
            doc.entities.append((start, m.get("end_char") or start, kind, value, paragraph,
                                 kind == "country" and is_demonym(m.get("surface"))))
        if kind == "country":
            doc.countries[value] += 1
            if is_dateline(m.get("surface")):
                doc.datelines[value] += 1
            if is_demonym(m.get("surface")):
                doc.demonyms[value] += 1
            before = doc.text[max(0, start - 12):start].casefold()
            if re.search(r"\b(?:in|to|into|across|for)\s+(?:the\s+)?$", before):
                doc.host_cues[value] += 1
            doc.paragraph_countries.setdefault(paragraph, Counter())[value] += 1
        elif kind == "company":
            doc.companies[value] += 1
            doc.paragraph_companies.setdefault(paragraph, Counter())[value] += 1
        elif kind == "project":
            doc.projects[value] += 1
    for doc in docs.values():
        doc.entities.sort()
        read_places(doc)
    return docs


def read_places(doc: Document) -> None:
    """The states, regions and cities the document names (nlp/places.py), each standing for its
    country, and "the kingdom" or "the emirate" for the monarchy of that kind it names most. A
    place inside a company's or country's own mention ("Beijing" in a company name the extractor
    found, "Western Australia" around "Australia") is theirs, not a place."""
    from nlp.places import find_places

    found = find_places(doc.text)
    for match in STATE_WORD.finditer(doc.text):
        named = [c for c in STATE_KINDS[match.group(1)] if doc.countries.get(c)]
        if named:
            country = min(named, key=lambda c: (-doc.countries[c], doc.first.get(("country", c), 1 << 30)))
            found.append((match.start(), match.end(), match.group(0), country))
    if not found:
        return
    found.sort()
    spans = [(start, end) for start, end, *_ in doc.entities]
    for start, end, _, country in found:
        if any(a < end and start < b for a, b in spans):
            continue
        doc.places[country] += 1
        if PLACE_CUE.search(doc.text[max(0, start - 8):start]):
            doc.place_cues[country] += 1
        # its paragraph counted as the mentions' paragraph_no: the line breaks before it
        doc.place_spans.append((start, country, doc.text.count("\n", 0, start)))


# ---------------------------------------------------------------------------------------------
# Step 2: figures and their links
# ---------------------------------------------------------------------------------------------


def figure_amount(row: dict) -> float | None:
    amount = {"money": row.get("value"), "power": row.get("mw"), "chips": row.get("chip_count")}.get(row["kind"])
    return float(amount) if amount is not None else None


def read_figures(figure_rows: list[dict], docs: dict[str, Document]) -> list[Figure]:
    """Figures in report order with their links (module docstring, step 2)."""
    figures = []
    for row in figure_rows:
        start = row.get("start_char")
        end = row.get("end_char")
        figures.append(Figure(
            commitment_id=row["commitment_id"], doc_id=row["doc_id"], reported_on=row["reported_on"],
            kind=row["kind"], amount=figure_amount(row), currency=row.get("currency"), usd=row.get("value_usd"),
            start=start if start is not None else 1 << 30,
            end=end if end is not None else (start if start is not None else 1 << 30),
            sentence=row.get("sentence") or "", sentence_start=row.get("sentence_start"),
            paragraph=row.get("paragraph_no"), in_title=bool(row.get("in_title")), deal_type=row.get("deal_type"),
            role=row.get("role") or "commitment", project=row.get("project") or None,
            extracted_countries=tuple(row.get("countries") or ()),
            extracted_companies=tuple(row.get("companies") or ()),
            link_scope=row.get("link_scope"),
        ))
    groups: dict[tuple, list[Figure]] = {}
    for figure in figures:
        groups.setdefault((figure.doc_id, figure.sentence, figure.sentence_start), []).append(figure)
    for (doc_id, sentence, start), group in groups.items():
        doc = docs.get(doc_id)
        link_sentence(group, sentence, start, doc)
    for figure in figures:
        doc = docs.get(figure.doc_id)
        if doc is not None and figure.is_commitment:
            doc.figure_count += 1
            if figure.actor and not figure.actor_inherited:
                doc.actors[figure.actor] += 1
    return figures


def link_sentence(group: list[Figure], sentence: str, start: int | None, doc: Document | None) -> None:
    """The links of the figures of one sentence."""
    group.sort(key=lambda f: (f.start, f.commitment_id))
    mentions = list(doc.sentence_mentions.get(sentence, ())) if doc is not None and sentence else []
    if start is not None:
        mentions = [m for m in mentions if start <= m["start_char"] < start + len(sentence)]
    semicolons = [start + i for i, char in enumerate(sentence) if char == ";"] if start is not None else []

    def clause_of(offset: int) -> int:
        return sum(1 for s in semicolons if s < offset)

    companies = sorted((m for m in mentions if m["kind"] == "company"), key=lambda m: m["start_char"])
    countries = tuple(sorted({m["value"] for m in mentions if m["kind"] == "country"}))
    projects = [m["value"] for m in mentions if m["kind"] == "project"]
    if not mentions and group[0].link_scope in (None, "sentence"):
        countries = tuple(sorted(set(group[0].extracted_countries)))
    year = group[0].reported_on.year if group[0].reported_on else None
    past = bool(PAST_CUE.search(sentence)) or any(int(y) < year for y in YEAR.findall(sentence)) if year else False
    compared = bool(COMPARE_CUE.search(sentence))
    part_whole = bool(PART_WHOLE_CUE.search(sentence))
    previous: set[str] = set()
    for index, figure in enumerate(group):
        figure.clause = clause_of(figure.start)
        figure.shared_sentence = len(group)
        figure.countries = countries
        figure.past = past
        figure.compared = compared
        figure.part_whole = part_whole
        if figure.project is None and projects:
            figure.project = projects[0]
        inside = {m["value"] for m in companies if figure.start <= m["start_char"] < max(figure.end, figure.start + 1)}
        free = [m for m in companies if not any(f.start <= m["start_char"] < max(f.end, f.start + 1) for f in group)]
        same_clause = index > 0 and group[index - 1].clause == figure.clause
        low = group[index - 1].end if same_clause else -1
        before = {m["value"] for m in free
                  if low <= m["start_char"] < figure.start and clause_of(m["start_char"]) == figure.clause}
        own = before or (set(previous) if same_clause else set())
        previous = own
        if index == len(group) - 1 or group[index + 1].clause != figure.clause:
            own |= {m["value"] for m in free
                    if m["start_char"] >= figure.end and clause_of(m["start_char"]) == figure.clause}
        if not mentions and group[0].link_scope in (None, "sentence"):
            own |= set(figure.extracted_companies)
        figure.companies = tuple(sorted(own))
        figure.suppliers = tuple(sorted(inside))
        figure.sentence_companies = tuple(sorted({m["value"] for m in companies} | own))
        if start is not None:
            before_text = sentence[max(0, figure.start - start - 40):max(0, figure.start - start)]
            figure.part_of = bool(PART_OF_BEFORE.search(before_text))
    if doc is not None and start is not None:
        for index, figure in enumerate(group):
            figure_actor(figure, group, index, doc, start, start + len(sentence), semicolons)


def pick_entity(entities: list[tuple], last: bool) -> str | None:
    """A company before a country; a country written as a name before one written as an adjective."""
    for wanted in (("company", False), ("project", False), ("country", False), ("country", True)):
        found = [e for e in entities if (e[2], e[5]) == wanted]
        if found:
            return (found[-1] if last else found[0])[3]
    return None


def figure_actor(figure: Figure, group: list[Figure], index: int, doc: Document, start: int, end: int,
                 semicolons: list[int]) -> None:
    """Who a figure is about, read from where entities stand around it: the entity nearest before
    it since the previous figure of its clause; else the first after it up to the next figure of
    its clause; else the last entity named before it in its paragraph (inherited)."""
    low = max([start] + [s for s in semicolons if s < figure.start])
    high = min([end] + [s for s in semicolons if s > figure.start])
    spans = [(f.start, f.end) for f in group]
    previous = group[index - 1].end if index and group[index - 1].clause == figure.clause else low
    following = group[index + 1].start if index + 1 < len(group) and group[index + 1].clause == figure.clause else high

    def free(entity) -> bool:
        return not any(a <= entity[0] < b for a, b in spans)

    before = [e for e in doc.entities if previous <= e[0] < figure.start and free(e)]
    after = [e for e in doc.entities if figure.end <= e[0] < following and free(e)]
    actor = pick_entity(before, last=True) or pick_entity(after, last=False)
    if actor is None and index and group[index - 1].clause == figure.clause:
        actor, figure.actor_inherited = group[index - 1].actor, group[index - 1].actor_inherited
    if actor is None:
        earlier = [e for e in doc.entities if e[0] < low and e[4] == figure.paragraph and free(e)]
        actor = pick_entity(earlier[-3:], last=True)
        figure.actor_inherited = actor is not None
    figure.actor = actor


# ---------------------------------------------------------------------------------------------
# Step 3: frames
# ---------------------------------------------------------------------------------------------


def build_frames(figures: list[Figure], docs: dict[str, Document], model) -> list[Frame]:
    """The frames of every document (module docstring, step 3), in report order."""
    from warehouse.resolution.clustering import cluster_average
    from warehouse.resolution.features import within_features

    by_doc: dict[str, list[Figure]] = {}
    for figure in figures:
        if figure.is_commitment and figure.amount is not None:
            by_doc.setdefault(figure.doc_id, []).append(figure)
    frames = []
    for doc_id, group in by_doc.items():
        doc = docs.get(doc_id) or Document(doc_id, group[0].reported_on)
        group.sort(key=lambda f: (f.start, f.commitment_id))
        scores = {}
        for i, a in enumerate(group):
            for j in range(i + 1, len(group)):
                scores[(i, j)] = model.probability("within", within_features(a, group[j], doc, group))
        parts = cluster_average(len(group), scores, model.threshold("within"))
        for index, members in enumerate(sorted(parts, key=lambda p: min(p))):
            frame = describe_frame(doc, [group[i] for i in sorted(members)], index, model)
            frames.append(frame)
    frames.sort(key=lambda f: f.key)
    return frames


def home_of_owners(frame: Frame) -> str | None:
    """A frame whose document names no country at all: the home of its owners, when they all
    share one (OpenAI's and AMD's chip deal, Crusoe's campus "in Abilene, Texas"). A story that
    names no place is told from where its companies are; one naming another place never gets here."""
    homes = {company_registry().get(name, {}).get("country") for name in frame.owners}
    return homes.pop() if len(homes) == 1 and None not in homes else None


def describe_frame(doc: Document, figures: list[Figure], index: int, model) -> Frame:
    """A frame's host, parties, project, deal type and words."""
    from warehouse.resolution.features import host_candidates, party_candidates

    frame = Frame(doc_id=doc.doc_id, index=index, reported_on=doc.reported_on, figures=figures)
    for figure in figures:
        figure.frame = index
    hosts = [(model.score("host", feats), country) for country, feats in host_candidates(doc, figures)]
    if hosts:
        hosts.sort(key=lambda item: (-item[0], item[1]))
        frame.host_score, frame.host = hosts[0]
    named = {c for f in figures for c in f.countries}
    frame.countries = tuple(([frame.host] if frame.host else []) + sorted(named - {frame.host}))
    for figure in figures:
        figure.host = frame.host
    parties = []
    threshold = model.threshold("party")
    for company, role, feats in party_candidates(doc, figures):
        score = model.probability("party", feats)
        if score >= threshold:
            parties.append(Party(company, role, score))
    parties.sort(key=lambda p: (-p.score, p.name))
    frame.parties = parties
    if frame.host is None:
        frame.host = home_of_owners(frame)
        frame.countries = tuple([frame.host] if frame.host else [])
        for figure in figures:
            figure.host = frame.host
    projects = Counter(f.project for f in figures if f.project)
    if projects:  # only a project its own sentences name: a document may name several
        frame.project = min(projects, key=lambda p: (-projects[p], p))
    types = Counter(f.deal_type for f in figures if f.deal_type)
    frame.deal_type = min(types, key=lambda t: (-types[t], t)) if types else None
    words: Counter = Counter(tokens(doc.title))
    for sentence in {f.sentence for f in figures}:
        words.update(tokens(sentence))
    frame.words = words
    frame.names = Counter(names(doc.title))
    for paragraph in {f.paragraph for f in figures}:
        frame.names.update(names(doc.paragraph_text(paragraph)))
    return frame
