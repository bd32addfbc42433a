"""The `tracker` command line as a user meets it: help, errors, and `extract` on real input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
COMMANDS = ["run", "crawl", "extract", "eval", "newsletter", "approve", "export", "sources"]


def tracker(*args: str, stdin: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tracker", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=cwd or REPO,
        timeout=300,
    )


def test_top_level_help_lists_every_command():
    result = tracker("--help")
    assert result.returncode == 0
    for command in COMMANDS:
        assert command in result.stdout
    assert "--debug" in result.stdout  # tracebacks on request (tests/cli/test_cli_failures.py)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command):
    result = tracker(command, "--help")
    assert result.returncode == 0, result.stderr
    assert f"tracker {command}" in result.stdout


@pytest.mark.parametrize(
    "args, problem",
    [
        (["frobnicate"], "invalid choice"),
        (["run", "--week", "2025-21"], "invalid week"),
        (["run", "--week", "2025-W54"], "has no ISO week 54"),
        (["run", "--sources", "no/such/file.toml"], "no such file"),
        (["run", "--sample", "--sources", "sample/sources.toml"], "not allowed with argument"),
        (["approve", "--week", "2025-W21", "--editor", "A", "--correct", "d-1:mw", "--db", "x.duckdb"],
         "invalid correction"),
        (["export", "--parquet", "pq", "--db", "no/such.duckdb"], "no warehouse at no/such.duckdb"),
        (["sources", "check", "no/such.toml"], "no such file"),
        (["eval", "missing-gold.jsonl"], "no such file"),
        (["extract", "no/such/input.jsonl"], "cannot open no/such/input.jsonl"),
        (["newsletter", "--week", "2025-W21", "--db", "no/such.duckdb"], "no warehouse at no/such.duckdb"),
    ],
)
def test_bad_arguments_give_one_line_and_exit_2(args, problem):
    result = tracker(*args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert problem in lines[0]
    assert "Traceback" not in result.stderr


def test_bad_registry_gives_one_line_and_exit_2(tmp_path):
    registry = tmp_path / "sources.toml"
    registry.write_text('[[source]]\nid = "x"\nname = "X"\nkind = "blog"\ncountry = "US"\n'
                        'feeds = []\nstart_urls = []\narticle_pattern = ""\nallowed_domains = ["x.org"]\n')
    result = tracker("crawl", "--sources", str(registry), "--db", str(tmp_path / "t.duckdb"))
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1
    assert "kind" in result.stderr


def test_extract_follows_the_json_lines_contract(tmp_path):
    lines = [
        {"id": "a1", "title": "Stargate UAE",
         "text": "OpenAI, G42 and Oracle will build a 1GW cluster in Abu Dhabi, the UAE said. "
                 "The first phase of 200 megawatts is due in 2026.",
         "published": "2025-05-22"},
        {"id": "a2", "text": "Nvidia will ship 18,000 GB300 chips to Humain, the Saudi AI company."},
        {"id": "a3", "text": "Nothing to see here."},
    ]
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(line) + "\n" for line in lines))
    result = tracker("extract", str(source))
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["id"] for line in out] == ["a1", "a2", "a3"]
    for line in out:
        assert set(line) >= {"id", "countries", "companies", "commitments"}
        assert line["countries"] == sorted(line["countries"])
        assert line["companies"] == sorted(line["companies"])
    assert "AE" in out[0]["countries"]
    assert {"G42", "OpenAI", "Oracle"} <= set(out[0]["companies"])
    power = sorted(c["mw"] for c in out[0]["commitments"] if c["kind"] == "power")
    assert power == [200, 1000]
    chips = [c for c in out[1]["commitments"] if c["kind"] == "chips"]
    assert chips and chips[0]["count"] == 18000 and chips[0]["model"] == "GB300"
    assert "SA" in out[1]["countries"] and {"Humain", "Nvidia"} <= set(out[1]["companies"])
    assert out[2]["commitments"] == []
    for commitment in out[0]["commitments"] + out[1]["commitments"]:
        assert commitment["text"] and commitment["sentence"]


def test_extract_reads_standard_input():
    result = tracker("extract", "-", stdin=json.dumps({"id": "x", "text": "France pledged €109 billion."}) + "\n")
    assert result.returncode == 0, result.stderr
    line = json.loads(result.stdout)
    assert line["countries"] == ["FR"]
    money = [c for c in line["commitments"] if c["kind"] == "money"]
    assert money[0]["value"] == 109_000_000_000 and money[0]["currency"] == "EUR"


@pytest.mark.parametrize(
    "content, problem",
    [
        ("not json\n", "line 1"),
        ('{"id": "a", "text": "ok"}\n{"text": "no id"}\n', "line 2"),
        ('{"id": "a", "text": 5}\n', "line 1"),
    ],
)
def test_extract_rejects_bad_input_with_one_line(tmp_path, content, problem):
    source = tmp_path / "bad.jsonl"
    source.write_text(content)
    result = tracker("extract", str(source))
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and problem in lines[0], result.stderr


def test_eval_reports_every_field(tmp_path):
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({
        "id": "g1", "text": "Microsoft will invest $15.2 billion in the United Arab Emirates.",
        "countries": ["AE"], "companies": ["Microsoft"],
        "commitments": [{"kind": "money", "value": 15_200_000_000, "currency": "USD"}],
    }) + "\n")
    result = tracker("eval", str(gold), "--json")
    assert result.returncode == 0, result.stderr
    metrics = json.loads(result.stdout)
    for field in ("countries", "companies", "money", "power", "chips"):
        assert field in json.dumps(metrics)
    text = tracker("eval", str(gold))
    assert text.returncode == 0 and "money" in text.stdout


def test_sources_check_accepts_the_production_registry():
    result = tracker("sources", "check")
    assert result.returncode == 0, result.stderr
    assert "sources.toml: ok" in result.stdout


def test_sources_check_reports_every_problem(tmp_path):
    registry = tmp_path / "bad.toml"
    registry.write_text(
        '[[source]]\nid = "a"\nname = "A"\nkind = "blog"\ncountry = "XX"\nfeeds = ["ftp://a.org/f"]\n'
        'start_urls = []\narticle_pattern = "("\nallowed_domains = ["a.org"]\n'
    )
    result = tracker("sources", "check", str(registry))
    assert result.returncode == 2
    problems = result.stderr.strip().splitlines()
    assert len(problems) >= 4, problems  # kind, country, feed scheme and pattern, all at once
    joined = "\n".join(problems)
    for word in ("kind", "country", "ftp", "article_pattern"):
        assert word in joined
