"""Reading a deal gold set: articles with their figures, and the deal key.

A gold set is one or more pairs of files (format: tests/deals/gold/test/README.md and the gold-set
brief of issue 15): ``articles<S>.jsonl``, one article per line with its figures, each figure a
``commitment`` of a deal named by ``deal`` or ``context``; and ``deals<S>.toml``, one ``[[deal]]``
per deal with its ``key``, ``host`` country and ``parties``. ``<S>`` is the same suffix in both
names (``articles_a.jsonl`` goes with ``deals_a.toml``). All pairs of a folder are one set: ids and
deal keys are unique across it, and a figure may name a deal of any of its deal files.

Every problem is a ``GoldError`` whose message is one line naming the file (and line) and what is
wrong, so the command can print it and exit 2 instead of scoring a broken key.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

KINDS = ("money", "power", "chips")
AMOUNT_KEYS = {"money": "value", "power": "mw", "chips": "count"}  # the figure's number, by kind
ROLES = ("commitment", "context")
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_HOST = re.compile(r"^(?:[A-Z]{2})?$")  # ISO alpha-2, or "" for a programme no single country hosts
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class GoldError(ValueError):
    """A gold set that cannot be scored; the message is one line for the user."""


@dataclass(frozen=True)
class GoldFigure:
    """One figure an article states, as the key lists it (reading order, first mention)."""

    article: str
    index: int  # position in the article's figure list, from 0
    kind: str
    amount: float
    currency: str | None
    text: str
    role: str
    deal: str | None  # the deal key of a commitment; None for context
    what: str = ""

    @property
    def is_commitment(self) -> bool:
        return self.role == "commitment"

    def describe(self) -> str:
        """A figure in a few words: money 15200000000 USD ("$15.2 billion")."""
        number = f"{self.amount:_.0f}" if float(self.amount).is_integer() else f"{self.amount:_}"
        unit = {"money": f" {self.currency}", "power": " MW", "chips": " chips"}[self.kind]
        return f'{self.kind} {number}{unit}' + (f' ("{self.text}")' if self.text else "")


@dataclass(frozen=True)
class GoldArticle:
    id: str
    outlet: str
    url: str
    published: str
    title: str
    text: str
    figures: tuple[GoldFigure, ...]
    origin: str  # file and line, for messages


@dataclass(frozen=True)
class GoldParty:
    name: str
    role: str


@dataclass(frozen=True)
class GoldDeal:
    key: str
    title: str
    host: str
    parties: tuple[GoldParty, ...]
    part_of: str = ""
    origin: str = ""


@dataclass
class GoldSet:
    """The articles (in file order) and deals of one gold set, and the files they came from."""

    name: str
    articles: list[GoldArticle]
    deals: dict[str, GoldDeal]
    files: list[str]

    def commitments(self) -> list[GoldFigure]:
        return [f for article in self.articles for f in article.figures if f.is_commitment]


def gold_pairs(path: str | Path) -> list[tuple[Path, Path]]:
    """The (articles, deals) file pairs a gold path names: every pair of a folder, or one
    articles file with the deals file of the same suffix next to it (``deals.toml`` for an
    articles file not named ``articles*.jsonl``)."""
    path = Path(path)
    if path.is_dir():
        articles = sorted(path.glob("articles*.jsonl"))
        if not articles:
            raise GoldError(f"{path}: no articles*.jsonl file in this folder")
        pairs = [(a, _deals_file(a)) for a in articles]
        paired = {d.name for _, d in pairs}
        for orphan in sorted(path.glob("deals*.toml")):
            if orphan.name not in paired:
                raise GoldError(f"{orphan}: no articles file goes with it "
                                f"(expected {path / _articles_name(orphan)})")
        return pairs
    if path.is_file():
        return [(path, _deals_file(path))]
    raise GoldError(f"{path}: no such file or folder")


def _suffix(name: str, prefix: str, extension: str) -> str | None:
    if name.startswith(prefix) and name.endswith(extension):
        return name[len(prefix):len(name) - len(extension)]
    return None


def _deals_file(articles: Path) -> Path:
    suffix = _suffix(articles.name, "articles", ".jsonl")
    deals = articles.with_name(f"deals{suffix}.toml" if suffix is not None else "deals.toml")
    if not deals.is_file():
        raise GoldError(f"{articles}: its deal key {deals.name} is missing (expected {deals})")
    return deals


def _articles_name(deals: Path) -> str:
    return f"articles{_suffix(deals.name, 'deals', '.toml')}.jsonl"


def read_gold(path: str | Path) -> GoldSet:
    """Read and check a gold set (a folder of pairs, or one articles file); GoldError if broken."""
    pairs = gold_pairs(path)
    deals: dict[str, GoldDeal] = {}
    for _, deals_file in pairs:
        for deal in read_deals(deals_file):
            if deal.key in deals:
                raise GoldError(f"{deal.origin}: deal key {deal.key!r} is already used in {deals[deal.key].origin}")
            deals[deal.key] = deal
    articles: list[GoldArticle] = []
    seen: dict[str, str] = {}
    for articles_file, _ in pairs:
        for article in read_articles(articles_file):
            if article.id in seen:
                raise GoldError(f"{article.origin}: article id {article.id!r} is already used in {seen[article.id]}")
            seen[article.id] = article.origin
            for figure in article.figures:
                if figure.is_commitment and figure.deal not in deals:
                    raise GoldError(f"{article.origin}: figure {figure.index + 1} ({figure.text!r}) names "
                                    f"unknown deal {figure.deal!r} (not in {', '.join(d.name for _, d in pairs)})")
            articles.append(article)
    for deal in deals.values():
        if deal.part_of and deal.part_of not in deals:
            raise GoldError(f"{deal.origin}: part_of names unknown deal {deal.part_of!r}")
    return GoldSet(str(path), articles, deals, [str(f) for pair in pairs for f in pair])


def read_deals(path: Path) -> list[GoldDeal]:
    """The ``[[deal]]`` tables of one deals file, checked."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise GoldError(f"{path}: cannot read it ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise GoldError(f"{path}: invalid TOML ({str(exc).splitlines()[0]})") from None
    entries = data.get("deal")
    if not isinstance(entries, list) or not entries:
        raise GoldError(f"{path}: no [[deal]] tables")
    deals = []
    for number, entry in enumerate(entries, start=1):
        origin = f"{path}, deal {number}"
        if not isinstance(entry, dict):
            raise GoldError(f"{origin}: not a table")
        key = entry.get("key")
        if not isinstance(key, str) or not key.strip():
            raise GoldError(f"{origin}: 'key' must be a non-empty string")
        origin = f"{path}, deal {key!r}"
        host = entry.get("host", "")
        if not isinstance(host, str) or not _HOST.match(host):
            raise GoldError(f"{origin}: 'host' must be an ISO alpha-2 code or \"\" (got {host!r})")
        parties = entry.get("parties", [])
        if not isinstance(parties, list) or not all(
            isinstance(p, dict) and isinstance(p.get("name"), str) and p["name"].strip() for p in parties
        ):
            raise GoldError(f"{origin}: 'parties' must be a list of tables with a 'name'")
        part_of = entry.get("part_of", "") or ""
        if not isinstance(part_of, str):
            raise GoldError(f"{origin}: 'part_of' must be a string")
        deals.append(GoldDeal(
            key=key,
            title=str(entry.get("title", "")),
            host=host,
            parties=tuple(GoldParty(p["name"].strip(), str(p.get("role", ""))) for p in parties),
            part_of=part_of,
            origin=origin,
        ))
    return deals


def read_articles(path: Path) -> list[GoldArticle]:
    """The articles of one articles file, checked line by line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise GoldError(f"{path}: cannot read it ({exc})") from None
    articles = []
    for number, line in enumerate(lines, start=1):
        if line.strip():
            articles.append(_article(line, f"{path}, line {number}"))
    if not articles:
        raise GoldError(f"{path}: no articles")
    return articles


def _article(line: str, origin: str) -> GoldArticle:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise GoldError(f"{origin}: not valid JSON ({exc.msg}, column {exc.colno})") from None
    if not isinstance(record, dict):
        raise GoldError(f"{origin}: expected a JSON object")
    for name in ("id", "outlet", "url", "text"):
        if not isinstance(record.get(name), str) or not record[name].strip():
            raise GoldError(f"{origin}: {name!r} must be a non-empty string")
    if not record["url"].startswith(("http://", "https://")):
        raise GoldError(f"{origin}: 'url' must be an http(s) URL")
    title = record.get("title", "")
    if not isinstance(title, str):
        raise GoldError(f"{origin}: 'title' must be a string")
    published = record.get("published")
    if not isinstance(published, str) or not _DATE.match(published):
        raise GoldError(f"{origin}: 'published' must be a date YYYY-MM-DD")
    try:
        date.fromisoformat(published)
    except ValueError:
        raise GoldError(f"{origin}: 'published' is not a real date: {published}") from None
    figures = record.get("figures", [])
    if not isinstance(figures, list):
        raise GoldError(f"{origin}: 'figures' must be a list")
    article_id = record["id"].strip()
    parsed = tuple(
        _figure(item, article_id, index, f"{origin}, figure {index + 1}") for index, item in enumerate(figures)
    )
    return GoldArticle(article_id, record["outlet"].strip(), record["url"].strip(), published, title,
                       record["text"], parsed, origin)


def _figure(item: object, article: str, index: int, origin: str) -> GoldFigure:
    if not isinstance(item, dict):
        raise GoldError(f"{origin}: expected a JSON object")
    kind = item.get("kind")
    if kind not in KINDS:
        raise GoldError(f"{origin}: 'kind' must be one of {', '.join(KINDS)} (got {kind!r})")
    key = AMOUNT_KEYS[kind]
    amount = item.get(key)
    if isinstance(amount, bool) or not isinstance(amount, (int, float)) or amount <= 0:
        raise GoldError(f"{origin}: a {kind} figure needs '{key}', a positive number")
    currency = item.get("currency") if kind == "money" else None
    if kind == "money" and (not isinstance(currency, str) or not _CURRENCY.match(currency)):
        raise GoldError(f"{origin}: a money figure needs 'currency', an ISO 4217 code (got {currency!r})")
    role = item.get("role")
    if role not in ROLES:
        raise GoldError(f"{origin}: 'role' must be commitment or context (got {role!r})")
    deal = item.get("deal") if role == "commitment" else None
    if role == "commitment" and (not isinstance(deal, str) or not deal.strip()):
        raise GoldError(f"{origin}: a commitment needs 'deal', the key of its deal")
    text = item.get("text", "")
    if not isinstance(text, str):
        raise GoldError(f"{origin}: 'text' must be a string")
    return GoldFigure(article, index, kind, float(amount), currency, text, role, deal,
                      str(item.get("what", "") or ""))
