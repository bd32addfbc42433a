"""Extraction: JSON Lines records in, JSON Lines records out (contract: docs/architecture.md).

``extract_records`` analyses, for each record, the title (if any), a blank line, then the text;
character offsets (``start``/``end``) refer to that analysed string.

One document never stops the others (``data/bounds.json``, nlp/README.md "Bounds"): the analysed
text is cut at ``max_text_chars`` before spaCy; a figure beyond the plausible bounds of its kind
is kept with ``"plausible": false``; a document whose extraction raises anyway gets an output line
with empty lists and an ``"error"`` key, in its place. What was cut or marked is listed in the
line's ``"warnings"``; the warehouse load records both in ``crawl_errors`` (stage ``extract``).
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import IO, Any

import numpy
import orjson
import spacy
from spacy.language import Language
from spacy.tokens import Doc

from . import commitments, companies, countries, linking, roles, sentences, tokenizer
from .currencies import is_stale, rate_for
from .projects import project_mentions, project_names
from .resources import read_json
from .tokens import IDX_COLUMN, entities, figures, sent_starts, static_arrays

CONFIG_PATH = Path(__file__).resolve().parent / "config.cfg"
DATE_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")
VALUE_KEYS = {"money": "value", "power": "mw", "chips": "count"}
REASON_CHARS = 300  # longest error or warning text on an output line (a crawl_errors reason)
# The modules whose import registers the tokenizer and the component factories that config.cfg names
REGISTERING_MODULES = (commitments, companies, countries, linking, roles, sentences, tokenizer)


class InputError(ValueError):
    """A bad input line; the message names the line number and the problem."""


@lru_cache(maxsize=1)
def load_pipeline() -> Language:
    """Build the pipeline described by ``nlp/config.cfg`` (once per process).

    ``max_length`` is the text bound of ``data/bounds.json``: texts are cut to it before spaCy
    sees them (``analysed_text``), so spaCy's own length error (E088) cannot stop a run."""
    config = spacy.util.load_config(CONFIG_PATH)
    nlp = spacy.util.load_model_from_config(config, auto_fill=True, validate=True)
    nlp.max_length = load_bounds()["max_text_chars"]
    return nlp


@lru_cache(maxsize=1)
def load_bounds() -> dict[str, Any]:
    """``data/bounds.json`` without its comments: the text bound and the plausible figures."""
    bounds = read_json("bounds.json")
    bounds["plausible"] = {kind: float(value) for kind, value in bounds["plausible"].items()
                           if not kind.startswith("_")}
    return bounds


def read_records(stream: IO[str] | Iterable[str], name: str) -> Iterator[dict[str, Any]]:
    """Yield the records of an input JSON Lines stream, validating each line.

    Blank lines are skipped. ``title`` and ``published`` may be absent or null. Raises
    :class:`InputError` with ``"{name}, line N: problem"`` on the first bad line.
    """
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        where = f"{name}, line {number}"
        try:
            record = orjson.loads(line)
        except orjson.JSONDecodeError as error:
            raise InputError(f"{where}: not valid JSON ({error.msg})") from None
        if not isinstance(record, dict):
            raise InputError(f"{where}: expected a JSON object")
        record_id = record.get("id")
        if not isinstance(record_id, str) or not record_id.strip():
            raise InputError(f"{where}: 'id' must be a non-empty string")
        if not isinstance(record.get("text"), str):
            raise InputError(f"{where}: 'text' must be a string")
        title = record.get("title")
        if title is not None and not isinstance(title, str):
            raise InputError(f"{where}: 'title' must be a string")
        published = record.get("published")
        if published is not None:
            if not isinstance(published, str) or not DATE_PATTERN.fullmatch(published):
                raise InputError(f"{where}: 'published' must be a date YYYY-MM-DD")
            try:
                date.fromisoformat(published)
            except ValueError:
                raise InputError(f"{where}: 'published' is not a real date: {published}") from None
        yield record


def dump_line(item: dict[str, Any]) -> str:
    """One JSON Lines line (with its newline), UTF-8 text kept as is.

    orjson writes it several times faster than the json module; a number beyond 64 bits (a
    hostile "$1e30 trillion") falls back to the json module."""
    try:
        return orjson.dumps(item, option=orjson.OPT_APPEND_NEWLINE).decode()
    except TypeError:
        return json.dumps(item, ensure_ascii=False, separators=(",", ":")) + "\n"


def compose_text(record: dict[str, Any]) -> str:
    """The analysed text: the title (if any), a blank line, then the body (before any cut)."""
    title = (record.get("title") or "").strip()
    return f"{title}\n\n{record['text']}" if title else record["text"]


def analysed_text(record: dict[str, Any]) -> tuple[str, int | None]:
    """The text spaCy analyses, and the length of the whole when it was cut (else None).

    Cut to ``max_text_chars`` (``data/bounds.json``) rather than chunked: the kept part is a prefix
    of the whole, so every offset stays valid for the warehouse, and the cost of a document is
    bounded whatever the crawler let through. The cut falls on the last line break in the last
    tenth before the limit, else the last sentence end, else the last space.
    """
    text = compose_text(record)
    limit = load_bounds()["max_text_chars"]
    if len(text) <= limit:
        return text, None
    floor = limit - limit // 10
    cut = text.rfind("\n", floor, limit)
    if cut < 0:
        cut = text.rfind(". ", floor, limit - 1)
        cut = cut + 1 if cut >= 0 else text.rfind(" ", floor, limit)
    if cut <= 0:
        cut = limit
    return text[:cut], len(text)


def extract_records(
    records: Iterable[dict[str, Any]],
    nlp: Language | None = None,
    *,
    with_mentions: bool = False,
    batch_size: int = 64,
) -> Iterator[dict[str, Any]]:
    """Yield one output line per input record, in the same order (docs/architecture.md).

    Records go through spaCy ``batch_size`` at a time. When anything in a batch raises (any
    exception, in spaCy or in building a line), the batch is run again document by document, so
    only the documents that fail get an error line (``error_line``); the others are unchanged.
    An error from ``records`` itself (a bad input line) is not caught.
    """
    nlp = nlp or load_pipeline()
    batch: list[dict[str, Any]] = []
    for record in records:
        batch.append(record)
        if len(batch) >= batch_size:
            yield from extract_chunk(nlp, batch, with_mentions)
            batch = []
    if batch:
        yield from extract_chunk(nlp, batch, with_mentions)


def extract_chunk(nlp: Language, records: list[dict[str, Any]], with_mentions: bool) -> list[dict[str, Any]]:
    """The output lines of a batch, in order; a failure is retried alone (see ``extract_records``)."""
    try:
        texts = [analysed_text(record) for record in records]
        docs = [make_doc(nlp, record, text) for record, (text, _) in zip(records, texts, strict=True)]
        return [
            build_output(doc, record, with_mentions=with_mentions, text=text, whole=whole)
            for doc, record, (text, whole) in zip(nlp.pipe(docs, batch_size=len(docs)), records, texts, strict=True)
        ]
    except Exception as exc:
        if len(records) == 1:
            return [error_line(records[0], exc, with_mentions)]
    return [line for record in records for line in extract_chunk(nlp, [record], with_mentions)]


def error_line(record: dict[str, Any], exc: BaseException, with_mentions: bool = False) -> dict[str, Any]:
    """The output line of a record whose extraction raised: empty lists and the reason."""
    message = (str(exc).strip().splitlines() or [""])[0]
    reason = f"extraction failed: {type(exc).__name__}" + (f": {message}" if message else "")
    line: dict[str, Any] = {"id": record.get("id"), "countries": [], "companies": [], "commitments": [],
                            "projects": []}
    if with_mentions:
        line["mentions"] = []
    line["error"] = shorten(reason)
    return line


def shorten(text: str, limit: int = REASON_CHARS) -> str:
    """``text`` on one line, cut to ``limit`` characters with an ellipsis."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def line_problems(line: dict[str, Any]) -> list[str]:
    """One message per problem of an output line, naming the document: its error, then its
    warnings (for a one-line notice on standard error)."""
    problems = ([line["error"]] if line.get("error") else []) + list(line.get("warnings") or ())
    return [f"{line.get('id')}: {problem}" for problem in problems]


def make_doc(nlp: Language, record: dict[str, Any], text: str | None = None) -> Doc:
    """The tokenized analysed text of a record, with ``doc._.title_end`` set (0 without a title).

    ``text``: the record's ``analysed_text`` when the caller has it."""
    text = analysed_text(record)[0] if text is None else text
    doc = nlp.make_doc(text)
    title = (record.get("title") or "").strip()
    doc._.title_end = min(len(title), len(text))
    doc._.published = record.get("published")  # years before or after it are role cues (roles.py)
    return doc


class SentenceIndex:
    """The sentences of a doc, looked up by token position.

    Built from the token arrays (``doc.sents`` and ``span.text`` walk Token objects); a sentence's
    text is cut from ``doc.text`` only when asked for, and kept.
    """

    def __init__(self, doc: Doc, text: str | None = None):
        """``text`` is ``doc.text`` when the caller has it (``doc.text`` joins every token)."""
        text = doc.text if text is None else text
        starts = numpy.flatnonzero(sent_starts(doc) == 1)
        if len(doc) and (not len(starts) or starts[0] != 0):
            starts = numpy.concatenate(([0], starts))
        self.text = text
        self.starts = starts.tolist()
        self.chars = static_arrays(doc)[0][starts, IDX_COLUMN].tolist() + [len(text)]
        self.texts: dict[int, str] = {}

    def text_at(self, token_index: int) -> str:
        index = bisect_right(self.starts, token_index) - 1
        text = self.texts.get(index)
        if text is None:
            text = self.texts[index] = self.text[self.chars[index] : self.chars[index + 1]].strip()
        return text


def build_output(
    doc: Doc, record: dict[str, Any], *, with_mentions: bool = False, text: str | None = None,
    whole: int | None = None,
) -> dict[str, Any]:
    """The output line of one analysed document.

    ``text``/``whole``: the record's ``analysed_text`` when the caller has it. ``warnings`` (only
    when there are some) says where the text was cut and which figures are implausible."""
    if text is None:
        text, whole = analysed_text(record)
    countries, companies = entity_values(doc)
    sentences = SentenceIndex(doc, text)
    commitments = list(collect_commitments(doc, record.get("published"), sentences))
    output: dict[str, Any] = {
        "id": record["id"],
        "countries": countries,
        "companies": companies,
        "commitments": commitments,
        "projects": project_names(doc),  # extra key: canonical names (nlp/projects.py)
    }
    if with_mentions:
        output["mentions"] = list(collect_mentions(doc, sentences))
    warnings = []
    if whole is not None:
        warnings.append(f"text cut at {len(text):,} of {whole:,} characters (max_text_chars in "
                        f"nlp/data/bounds.json): the rest was not extracted")
    for item in commitments:
        if item.get("plausible") is False:
            warnings.append(shorten(f"implausible {item['kind']} figure kept out of deals: {item['text']}"))
    if warnings:
        output["warnings"] = warnings
    return output


def collect_mentions(doc: Doc, sentences: SentenceIndex) -> Iterator[dict[str, Any]]:
    """Every country, company and project mention with its offsets and sentence, in text order
    (a project may hold a company or a country: "Stargate UAE" is a project and AE)."""
    strings = doc.vocab.strings
    static, orth = static_arrays(doc)
    kinds = {strings["GPE"]: "country", strings["ORG"]: "company"}
    found = [(start, end, kinds.get(label), strings[kb_id]) for start, end, label, kb_id in entities(doc)]
    projects = project_mentions(doc)
    if projects:
        found = sorted(found + [(start, end, "project", name) for start, end, name in projects],
                       key=lambda mention: mention[0])
    for start, end, kind, value in found:
        if kind is None:
            continue
        first = static.item(start, IDX_COLUMN)
        last = static.item(end - 1, IDX_COLUMN) + len(strings[orth[end - 1]])
        yield {
            "kind": kind,
            "value": value,
            "text": sentences.text[first:last],
            "start": first,
            "end": last,
            "sentence": sentences.text_at(start),
        }


def entity_values(doc: Doc) -> tuple[list[str], list[str]]:
    """Sorted distinct country codes and company names of the doc's entities.

    Read from ``tokens.entities``: ``doc.ents`` builds a Span object per entity on every access.
    """
    strings = doc.vocab.strings
    gpe, org = strings["GPE"], strings["ORG"]
    countries, companies = set(), set()
    for _, _, label, kb_id in entities(doc):
        if label == gpe:
            countries.add(strings[kb_id])
        elif label == org:
            companies.add(strings[kb_id])
    return sorted(countries), sorted(companies)


def collect_commitments(
    doc: Doc, published: str | None, sentences: SentenceIndex | None = None
) -> Iterator[dict[str, Any]]:
    """Commitments in text order, one per distinct (kind, value, currency)."""
    sentences = sentences or SentenceIndex(doc)
    seen = set()
    static, orth = static_arrays(doc)
    strings = doc.vocab.strings
    for first, last, figure in figures(doc):
        kind = figure["kind"]
        key = (kind, figure[VALUE_KEYS[kind]], figure.get("currency"))
        if key in seen:
            continue
        seen.add(key)
        item: dict[str, Any] = {"kind": kind}
        if kind == "money":
            item["value"] = figure["value"]
            item["currency"] = figure["currency"]
            found = rate_for(figure["currency"], published)
            rate, month = found if found is not None else (None, None)
            item["value_usd"] = None if rate is None else int(round(figure["value"] * rate))
            item["fx_rate"] = rate
            item["fx_month"] = month
            if is_stale(month, published):  # the table in use ends before the document's month
                item["fx_stale"] = True
        elif kind == "power":
            item["mw"] = figure["mw"]
        else:
            item["count"] = figure["count"]
            item["model"] = figure["model"]
        start = static.item(first, IDX_COLUMN)
        end = static.item(last - 1, IDX_COLUMN) + len(strings[orth[last - 1]])
        item["text"] = sentences.text[start:end]
        item["sentence"] = sentences.text_at(first)
        item["start"] = start
        item["end"] = end
        item["countries"] = figure.get("countries", [])
        item["companies"] = figure.get("companies", [])
        item["link_scope"] = figure.get("link_scope")
        item["deal_type"] = figure.get("deal_type")
        item["deal_type_cue"] = figure.get("deal_type_cue")
        item["project"] = figure.get("project")  # the project of its sentence, else paragraph (projects.py)
        if "role" in figure:  # commitment or context, and the cue that decided (nlp/roles.py)
            item["role"] = figure["role"]
            item["role_cue"] = figure.get("role_cue")
        for optional in ("qualifier", "range"):
            if optional in figure:
                item[optional] = figure[optional]
        if not is_plausible(item):
            item["plausible"] = False
        yield item


def is_plausible(item: dict[str, Any]) -> bool:
    """Whether a commitment is within the plausible bounds of its kind (``data/bounds.json``):
    money in US dollars (in its own currency when it has no rate), megawatts, chips."""
    bounds = load_bounds()["plausible"]
    kind = item["kind"]
    if kind == "money":
        if item.get("value_usd") is not None:
            return item["value_usd"] <= bounds["money_usd"]
        return item["value"] <= bounds["money_unconverted"]
    if kind == "power":
        return item["mw"] <= bounds["power_mw"]
    return item["count"] <= bounds["chips"]
