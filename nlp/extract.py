"""Extraction: JSON Lines records in, JSON Lines records out (the contract in DESIGN.md).

``extract_records`` analyses, for each record, the title (if any), a blank line, then the text;
character offsets (``start``/``end``) refer to that analysed string.
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import IO, Any, Iterable, Iterator

import numpy
import orjson
import spacy
from spacy.language import Language
from spacy.tokens import Doc

# Importing the modules registers the tokenizer and the component factories.
from . import commitments, companies, countries, linking, sentences, tokenizer  # noqa: F401
from .currencies import is_stale, rate_for
from .tokens import IDX_COLUMN, entities, figures, sent_starts, static_arrays

CONFIG_PATH = Path(__file__).resolve().parent / "config.cfg"
DATE_PATTERN = re.compile(r"\d{4}-\d{2}-\d{2}")
VALUE_KEYS = {"money": "value", "power": "mw", "chips": "count"}


class InputError(ValueError):
    """A bad input line; the message names the line number and the problem."""


@lru_cache(maxsize=1)
def load_pipeline() -> Language:
    """Build the pipeline described by ``nlp/config.cfg`` (once per process)."""
    config = spacy.util.load_config(CONFIG_PATH)
    return spacy.util.load_model_from_config(config, auto_fill=True, validate=True)


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
    """The analysed text: the title (if any), a blank line, then the body."""
    title = (record.get("title") or "").strip()
    return f"{title}\n\n{record['text']}" if title else record["text"]


def extract_records(
    records: Iterable[dict[str, Any]],
    nlp: Language | None = None,
    *,
    with_mentions: bool = False,
    batch_size: int = 64,
) -> Iterator[dict[str, Any]]:
    """Yield one output line per input record, in the same order (see DESIGN.md)."""
    nlp = nlp or load_pipeline()
    pairs = ((make_doc(nlp, record), record) for record in records)
    for doc, record in nlp.pipe(pairs, as_tuples=True, batch_size=batch_size):
        yield build_output(doc, record, with_mentions=with_mentions)


def make_doc(nlp: Language, record: dict[str, Any]) -> Doc:
    """The tokenized analysed text of a record, with ``doc._.title_end`` set (0 without a title)."""
    doc = nlp.make_doc(compose_text(record))
    title = (record.get("title") or "").strip()
    doc._.title_end = len(title)
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


def build_output(doc: Doc, record: dict[str, Any], *, with_mentions: bool = False) -> dict[str, Any]:
    """The output line of one analysed document."""
    countries, companies = entity_values(doc)
    sentences = SentenceIndex(doc, compose_text(record))
    output: dict[str, Any] = {
        "id": record["id"],
        "countries": countries,
        "companies": companies,
        "commitments": list(collect_commitments(doc, record.get("published"), sentences)),
    }
    if with_mentions:
        output["mentions"] = list(collect_mentions(doc, sentences))
    return output


def collect_mentions(doc: Doc, sentences: SentenceIndex) -> Iterator[dict[str, Any]]:
    """Every country and company mention with its offsets and sentence, in text order."""
    strings = doc.vocab.strings
    static, orth = static_arrays(doc)
    kinds = {strings["GPE"]: "country", strings["ORG"]: "company"}
    for start, end, label, kb_id in entities(doc):
        kind = kinds.get(label)
        if kind is None:
            continue
        first = static.item(start, IDX_COLUMN)
        last = static.item(end - 1, IDX_COLUMN) + len(strings[orth[end - 1]])
        yield {
            "kind": kind,
            "value": strings[kb_id],
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


def collect_commitments(doc: Doc, published: str | None, sentences: SentenceIndex | None = None) -> Iterator[dict[str, Any]]:
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
        for optional in ("qualifier", "range"):
            if optional in figure:
                item[optional] = figure[optional]
        yield item
