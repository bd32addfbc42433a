"""How well ``tracker_projects`` finds the projects of a deal gold set (tests/deals/gold/...).

    .venv/bin/python -m nlp.project_scores tests/deals/gold/dev [--list]

A gold deal may carry ``project`` (its name) and ``aliases``. Scores:
- recall: over the pairs (gold deal with a project, article giving a commitment figure of it),
  the share whose extraction lists that project (the predicted name, or one of its aliases in
  ``data/projects.jsonl``, equals the gold name or one of the gold aliases once normalised:
  case, dashes, a leading "the");
- per-commitment recall: the same over the gold commitment figures the extractor found, with the
  figure's own ``project`` instead of the article's list;
- unmatched predictions (a precision proxy): predicted (article, project) pairs whose name is no
  gold deal's project or alias. Some are real projects the key does not name (a programme cited
  in passing), so read them with ``--list`` before judging; never list them for a blind set.
"""

from __future__ import annotations

import argparse
import json
import tomllib
from pathlib import Path

from .extract import extract_records
from .projects import load_projects, normalise_name

MATCH_TOLERANCE = 0.01  # a predicted figure matches a gold one within 1 % (as tracker eval)


def read_set(folder: Path) -> tuple[list[dict], dict[str, dict]]:
    """Articles and deals of every ``articles*.jsonl`` / ``deals*.toml`` pair of a gold folder."""
    articles, deals = [], {}
    for path in sorted(folder.glob("articles*.jsonl")):
        articles += [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    for path in sorted(folder.glob("deals*.toml")):
        for deal in tomllib.loads(path.read_text(encoding="utf-8")).get("deal", []):
            deals[deal["key"]] = deal
    return articles, deals


def gold_names(deal: dict) -> set[str]:
    names = [deal.get("project") or "", *deal.get("aliases", [])]
    return {normalise_name(name) for name in names if name}


def figure_matches(gold: dict, item: dict) -> bool:
    if gold["kind"] != item["kind"]:
        return False
    if gold["kind"] == "money":
        if gold.get("currency") != item.get("currency"):
            return False
        wanted, got = gold["value"], item["value"]
    else:
        key = "mw" if gold["kind"] == "power" else "count"
        wanted, got = gold[key], item[key]
    return abs(got - wanted) <= MATCH_TOLERANCE * abs(wanted)


def score(folder: Path, listing: bool = False) -> dict:
    articles, deals = read_set(folder)
    aliases: dict[str, set[str]] = {}
    for row in load_projects("projects.jsonl"):
        aliases[row["name"]] = {normalise_name(value) for value in [row["name"], *row["aliases"]]}
    every_gold = set().union(*(gold_names(deal) for deal in deals.values())) if deals else set()
    records = [{"id": a["id"], "title": a.get("title"), "text": a["text"], "published": a.get("published")}
               for a in articles]
    lines = {line["id"]: line for line in extract_records(records)}

    def names_of(predicted: str) -> set[str]:
        return aliases.get(predicted, set()) | {normalise_name(predicted)}

    pairs = hits = figure_pairs = figure_hits = predicted = unmatched = 0
    misses, extras = [], []
    for article in articles:
        line = lines[article["id"]]
        found = line.get("projects", [])
        reported = {}
        for figure in article["figures"]:
            if figure.get("role") == "commitment" and deals.get(figure.get("deal"), {}).get("project"):
                reported.setdefault(figure["deal"], []).append(figure)
        for key, gold_figures in reported.items():
            wanted = gold_names(deals[key])
            pairs += 1
            if any(names_of(name) & wanted for name in found):
                hits += 1
            else:
                misses.append(f"{article['id']}: {deals[key]['project']} (found {found})")
            for gold in gold_figures:
                item = next((c for c in line["commitments"] if figure_matches(gold, c)), None)
                if item is not None:
                    figure_pairs += 1
                    figure_hits += bool(item.get("project") and names_of(item["project"]) & wanted)
        for name in found:
            predicted += 1
            if not names_of(name) & every_gold:
                unmatched += 1
                extras.append(f"{article['id']}: {name}")
    report = {
        "articles": len(articles),
        "deals_with_project": sum(1 for deal in deals.values() if deal.get("project")),
        "pairs": pairs, "recall": round(hits / pairs, 3) if pairs else None, "hits": hits,
        "figures": figure_pairs, "figure_recall": round(figure_hits / figure_pairs, 3) if figure_pairs else None,
        "predicted": predicted, "unmatched": unmatched,
        "articles_with_projects": sum(1 for line in lines.values() if line.get("projects")),
    }
    if listing:
        report["misses"] = misses
        report["unmatched_names"] = extras
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="a deal gold folder (articles*.jsonl + deals*.toml)")
    parser.add_argument("--list", action="store_true", help="also list misses and unmatched names (dev sets only)")
    args = parser.parse_args(argv)
    report = score(args.folder, args.list)
    for key in ("articles", "deals_with_project", "pairs", "hits", "recall", "figures", "figure_recall",
                "predicted", "unmatched", "articles_with_projects"):
        print(f"{key:24} {report[key]}")
    for key in ("misses", "unmatched_names"):
        if key in report:
            print(f"\n{key}:")
            for entry in report[key]:
                print("  " + entry)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
