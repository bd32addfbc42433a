"""The two answer keys: ``gold.jsonl`` (extraction, per article) and ``gold_deals.jsonl`` (per deal).

The deal key comes from the ``deal = "<key>"`` of every gold commitment and the deals of
``sample/deals.toml``.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pycountry

from .articles import bare
from .corpus import DEALS_FILE, SLUG_RE, Article, BuildError
from .dates import rfc3339

DEAL_KEYS_REQUIRED = {"key", "title", "countries", "companies"}
DEAL_KEYS_OPTIONAL = {"national", "money", "mw", "chips", "note"}


def gold_lines(articles: list[Article]) -> list[str]:
    lines = []
    for a in articles:
        if a.syndicated_from:
            continue
        record = {
            "id": a.id,
            "title": a.title,
            "text": a.text,
            "published": a.published.date().isoformat(),
            "countries": a.gold["countries"],
            "companies": a.gold["companies"],
            "commitments": [bare(c) for c in a.gold["commitments"]],
        }
        lines.append(json.dumps(record, ensure_ascii=False))
    return lines


def load_deals(path: Path = DEALS_FILE) -> dict[str, dict]:
    """``deals.toml``: the real-world deals, by key, in file order."""
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise BuildError(f"{path}: no such file") from None
    except tomllib.TOMLDecodeError as exc:
        raise BuildError(f"{path}: not valid TOML: {exc}") from None
    deals: dict[str, dict] = {}
    for number, deal in enumerate(data.get("deal", []), start=1):
        where = f"{path}: deal {deal.get('key', number)!r}" if isinstance(deal, dict) else f"{path}: deal {number}"
        if not isinstance(deal, dict):
            raise BuildError(f"{where} must be a table")
        missing = DEAL_KEYS_REQUIRED - deal.keys()
        unknown = deal.keys() - DEAL_KEYS_REQUIRED - DEAL_KEYS_OPTIONAL
        if missing or unknown:
            raise BuildError(f"{where}: missing {sorted(missing)}, unknown {sorted(unknown)}")
        if not isinstance(deal["key"], str) or not SLUG_RE.match(deal["key"]) or deal["key"] in deals:
            raise BuildError(f"{where}: key must be a slug, used once")
        national = deal.get("national", True)
        countries = deal["countries"]
        if not isinstance(countries, list) or (national and not countries) or (not national and countries):
            raise BuildError(f"{where}: countries must list the host country first ([] only with national = false)")
        for code in countries:
            if not isinstance(code, str) or pycountry.countries.get(alpha_2=code) is None or not code.isupper():
                raise BuildError(f"{where}: {code!r} is not an ISO 3166-1 alpha-2 code")
        if not isinstance(deal["companies"], list) or deal["companies"] != sorted(set(deal["companies"])):
            raise BuildError(f"{where}: companies must be a sorted list without duplicates")
        money = deal.get("money")
        if money is not None and not (
            isinstance(money, list) and len(money) == 2 and isinstance(money[0], (int, float))
            and pycountry.currencies.get(alpha_3=money[1]) is not None
        ):
            raise BuildError(f"{where}: money must be [value, \"ISO 4217 code\"]")
        for key in ("mw", "chips"):
            if key in deal and (isinstance(deal[key], bool) or not isinstance(deal[key], int) or deal[key] <= 0):
                raise BuildError(f"{where}: {key} must be a positive integer")
        deals[deal["key"]] = deal
    return deals


def figure_of(commitment: dict) -> dict:
    out = bare(commitment)
    if commitment.get("context"):
        out["context"] = True
    return out


def gold_deal_lines(articles: list[Article], deals: dict[str, dict], deals_path: Path) -> list[str]:
    """One line per deal of ``deals.toml``: what it is and every document version reporting it.

    ``documents``: the originals that report one of its figures (not only in passing) in their
    current text; ``context_documents``: those that only cite it; ``copies``: syndicated copies of
    those documents (stored once by the tracker); ``reports``: per document and version, its
    figures (``context`` marks a figure cited in passing).
    """
    reports: dict[str, list[dict]] = {key: [] for key in deals}
    copies: dict[str, list[str]] = {}
    for a in articles:
        if a.syndicated_from:
            copies.setdefault(a.syndicated_from, []).append(a.id)
            continue
        versions = [(f"until {rfc3339(r.until)}", r.commitments) for r in a.revisions]
        versions.append(("current", a.gold["commitments"]))
        for version, commitments in versions:
            per_deal: dict[str, list[dict]] = {}
            for c in commitments:
                if c["deal"] not in deals:
                    raise BuildError(f"{a.source}: deal {c['deal']!r} is not in {deals_path}")
                per_deal.setdefault(c["deal"], []).append(figure_of(c))
            for key, figures in per_deal.items():
                reports[key].append({
                    "doc": a.id, "url": a.canonical, "publisher": a.publisher,
                    "published": a.published.date().isoformat(), "version": version, "figures": figures,
                })
    lines = []
    for key, deal in deals.items():
        if not reports[key]:
            raise BuildError(f"{deals_path}: deal {key!r} has no figure in any article")
        current = [r for r in reports[key] if r["version"] == "current"]
        documents = sorted({r["doc"] for r in current if any(not f.get("context") for f in r["figures"])})
        context = sorted({r["doc"] for r in current} - set(documents))
        record = {
            "key": key,
            "title": deal["title"],
            "countries": deal["countries"],
            "companies": deal["companies"],
            "national": deal.get("national", True),
            "money": {"value": deal["money"][0], "currency": deal["money"][1]} if "money" in deal else None,
            "mw": deal.get("mw"),
            "chips": deal.get("chips"),
            "documents": documents,
            "context_documents": context,
            "copies": sorted(c for doc in documents + context for c in copies.get(doc, [])),
            "publishers": len({doc.split("/")[0] for doc in documents}),
            "reports": reports[key],
            "note": deal.get("note"),
        }
        lines.append(json.dumps(record, ensure_ascii=False))
    return lines


def write_lines(path: Path, lines: list[str]) -> None:
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8") if lines else b"")
