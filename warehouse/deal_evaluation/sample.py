"""The sample corpus's deal key as a deal gold set, so ``tracker eval --deals`` scores the sample too.

The sample keeps its key in its own format (sample/README.md): the extraction key
``sample/gold.jsonl`` (each article's current title, text, date and figures), the ``deal`` and
``context`` of each figure in the article's front matter (``sample/articles/<publisher>/<slug>.md``,
same order), and ``sample/deals.toml`` (countries with the host first, principal companies).
``write_sample_gold(folder)`` writes them as ``articles.jsonl`` + ``deals.toml`` in the gold-set
format (gold.py). What the conversion cannot give: the figures' ``text`` (so figures are aligned by
value alone), the parties' roles (all ``partner``) and ``what`` of a context figure (the deal it
cites). A figure the sample marks ``context = true`` is context: the sample's key lets the
tracker leave it out of its deal, the gold-set definition wants it left out.

    .venv/bin/python -m warehouse.deal_evaluation.sample /tmp/sample-gold
    .venv/bin/tracker eval --deals /tmp/sample-gold
"""

from __future__ import annotations

import json
import sys
import tomllib
from pathlib import Path

import tomli_w

SAMPLE = Path(__file__).resolve().parents[2] / "sample"
BASE = "http://sample.invalid"  # stands for the loopback address the sample web is served at


def front_matter(path: Path) -> dict:
    """The TOML front matter of a sample article (between its first two ``+++`` lines)."""
    parts = path.read_text(encoding="utf-8").split("+++")
    if len(parts) < 3:
        raise ValueError(f"{path}: no +++ front matter")
    return tomllib.loads(parts[1])


def sample_articles(sample: Path = SAMPLE) -> list[dict]:
    """The sample's articles as gold-set lines (current versions; syndicated copies left out, as
    in sample/gold.jsonl)."""
    urls = {}
    for line in (sample / "gold_deals.jsonl").read_text(encoding="utf-8").splitlines():
        for report in json.loads(line)["reports"]:
            urls[report["doc"]] = report["url"].replace("__BASE__", BASE)
    articles = []
    for line in (sample / "gold.jsonl").read_text(encoding="utf-8").splitlines():
        gold = json.loads(line)
        source = sample / "articles" / f"{gold['id']}.md"
        annotated = front_matter(source)["gold"]["commitments"]
        if len(annotated) != len(gold["commitments"]):
            raise ValueError(f"{source}: its figures differ from sample/gold.jsonl's; rebuild the sample")
        figures = []
        for item in annotated:
            figure = {key: item[key] for key in ("kind", "value", "currency", "mw", "count") if key in item}
            if item.get("context"):
                figure.update(role="context", what=f"cites {item.get('deal')}")
            else:
                figure.update(role="commitment", deal=item["deal"])
            figures.append(figure)
        articles.append({
            "id": gold["id"], "outlet": gold["id"].split("/")[0],
            "url": urls.get(gold["id"], f"{BASE}/sites/{gold['id']}"), "published": gold["published"],
            "title": gold["title"], "text": gold["text"], "figures": figures,
        })
    return articles


def sample_deals(sample: Path = SAMPLE) -> list[dict]:
    """The sample's deals as gold-set ``[[deal]]`` tables: host = first country of a national deal."""
    deals = []
    for deal in tomllib.loads((sample / "deals.toml").read_text(encoding="utf-8"))["deal"]:
        countries = deal.get("countries") or []
        deals.append({
            "key": deal["key"], "title": deal["title"],
            "host": countries[0] if countries and deal.get("national", True) else "",
            "parties": [{"name": name, "role": "partner"} for name in deal.get("companies") or []],
        })
    return deals


def write_sample_gold(folder: str | Path, sample: Path = SAMPLE) -> Path:
    """Write the sample's key as ``folder/articles.jsonl`` and ``folder/deals.toml``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "articles.jsonl").open("w", encoding="utf-8") as sink:
        for article in sample_articles(sample):
            sink.write(json.dumps(article, ensure_ascii=False) + "\n")
    header = "# The sample's deal key (sample/deals.toml), converted by warehouse/deal_evaluation/sample.py.\n\n"
    (folder / "deals.toml").write_text(header + tomli_w.dumps({"deal": sample_deals(sample)}), encoding="utf-8")
    return folder


if __name__ == "__main__":  # pragma: no cover
    if len(sys.argv) != 2:
        sys.exit("usage: python -m warehouse.deal_evaluation.sample FOLDER")
    print(write_sample_gold(sys.argv[1]))
