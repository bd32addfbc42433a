"""`tracker extract` imports only what extraction needs (start-up time counts in the speed benchmark)."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FORBIDDEN = ("prefect", "scrapy", "duckdb", "trafilatura", "feedparser", "currency_converter", "pyarrow")


def test_extract_imports_no_other_layer(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": "x", "text": "G42 will build a 1GW campus in the UAE."}\n', encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "tracker", "extract", str(source)],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )
    assert json.loads(run.stdout)["commitments"][0]["mw"] == 1000
    modules = {line.rsplit("|", 1)[-1].strip() for line in run.stderr.splitlines() if line.startswith("import time:")}
    top_level = {name.split(".")[0] for name in modules}
    assert not top_level & set(FORBIDDEN), sorted(top_level & set(FORBIDDEN))
    assert not {name for name in top_level if name in {"flows", "spiders", "warehouse", "newsletter_templates"}}
