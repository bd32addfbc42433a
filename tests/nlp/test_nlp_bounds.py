"""What one document may cost the extractor, and which figures are believable (nlp/data/bounds.json):
long texts are cut, absurd numbers are not figures or are marked implausible, and a document whose
extraction raises gets an error line in its place while the others are extracted as usual."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from nlp.extract import compose_text, extract_records, load_bounds
from nlp.resources import DATA_DIR
from tests.nlp.hostile_documents import (
    ABSURD,
    BIG_HEAD,
    BIG_TEXT,
    FAULT_MARKER,
    HUGE_DIGITS,
    fault_in_pipeline,
)

REPO = Path(__file__).resolve().parents[2]
CALM = {"id": "calm", "title": "Nvidia and Humain sign chip deal", "published": "2025-05-13",
        "text": "Nvidia will supply 18,000 GB300 chips to Humain in Saudi Arabia."}


def test_spacy_max_length_is_the_text_bound(nlp):
    assert nlp.max_length == load_bounds()["max_text_chars"] == 200_000


def test_a_long_page_is_cut_at_a_line_break_and_the_line_says_so(nlp):
    record = {"id": "big", "title": "Microsoft in Kenya", "text": BIG_TEXT}
    assert len(BIG_TEXT) > 1_270_000 and len(BIG_TEXT.encode()) > 1_250_000

    started = time.perf_counter()
    (line,) = extract_records([record], nlp, with_mentions=True)
    assert time.perf_counter() - started < 20  # the cut bounds the cost (about 0.2 s here)

    assert "error" not in line
    (warning,) = line["warnings"]
    assert warning.startswith("text cut at ") and f"of {len(compose_text(record)):,} characters" in warning
    kept = int(warning.split()[3].replace(",", ""))
    assert 180_000 <= kept <= 200_000
    whole = compose_text(record)
    assert whole[kept] == "\n"  # cut at a line break
    # the deal at the top is read; the figure beyond the cut is not
    assert [(c["kind"], c.get("value_usd")) for c in line["commitments"]] == [("money", 1_000_000_000)]
    assert line["countries"] == ["KE"] and "Microsoft" in line["companies"]
    money = line["commitments"][0]
    assert whole[money["start"]:money["end"]] == "$1bn"  # offsets are into the whole text
    assert max(m["end"] for m in line["mentions"]) <= kept


def test_a_title_longer_than_the_bound_is_cut_too(nlp):
    (line,) = extract_records([{"id": "t", "title": "G42 " * 60_000, "text": BIG_HEAD}], nlp)
    assert "error" not in line and line["warnings"][0].startswith("text cut at ")


def test_a_number_of_320_digits_is_not_a_figure(extract):
    line = extract(HUGE_DIGITS + " Microsoft will invest $15.2 billion in the UAE.")
    assert "error" not in line
    assert [(c["kind"], c["value"]) for c in line["commitments"]] == [("money", 15_200_000_000)]
    assert line["countries"] == ["AE"]


@pytest.mark.parametrize("text", [
    "one " * 20_000,
    "$ one " + "hundred " * 20_000,
    "$5 " + "billion " * 20_000,
])
def test_runs_of_number_words_take_linear_time(extract, text):
    started = time.perf_counter()
    line = extract(text)
    assert time.perf_counter() - started < 10  # "one " * 20,000 took over a minute (quadratic)
    assert line["commitments"] == []


def test_an_absurd_figure_is_extracted_and_marked_implausible(extract):
    line = extract(ABSURD)
    (figure,) = line["commitments"]
    assert figure["kind"] == "money" and figure["currency"] == "USD"
    assert figure["value"] == 99_999_999_999_999_999_999 * 10**9
    assert figure["text"] == "$99999999999999999999 billion"
    assert figure["plausible"] is False
    assert line["warnings"] == ["implausible money figure kept out of deals: $99999999999999999999 billion"]


@pytest.mark.parametrize("text, plausible", [
    ("OpenAI pledged $10 trillion for data centres.", True),
    ("OpenAI pledged $11 trillion for data centres.", False),
    ("Argentina will get ARS 100,000 trillion from OpenAI.", True),  # no rate: its own currency
    ("Argentina will get ARS 200,000 trillion from OpenAI.", False),
    ("G42 will build a 1,000 GW campus.", True),
    ("G42 will build a 2,000 GW campus.", False),
    ("Nvidia will ship 100 million GPUs to Humain.", True),
    ("Nvidia will ship 150 million GPUs to Humain.", False),
])
def test_plausible_bounds_per_kind(extract, text, plausible):
    line = extract(text)
    (figure,) = line["commitments"]
    assert ("plausible" not in figure) is plausible  # the key appears only on implausible figures
    assert ("warnings" not in line) is plausible


def test_a_failing_document_gets_an_error_line_and_the_others_are_unchanged(nlp):
    records = [
        CALM,
        {"id": "broken", "text": f"Microsoft will invest $1bn in Kenya. {FAULT_MARKER}"},
        {"id": "absurd", "text": ABSURD},
        {"id": "digits", "text": HUGE_DIGITS},
    ]
    alone = [next(extract_records([record], nlp, with_mentions=True)) for record in records if record["id"] != "broken"]
    with fault_in_pipeline(nlp):
        for batch_size in (1, 64):
            lines = list(extract_records(records, nlp, with_mentions=True, batch_size=batch_size))
            assert [line["id"] for line in lines] == ["calm", "broken", "absurd", "digits"]
            broken = lines[1]
            assert broken == {
                "id": "broken", "countries": [], "companies": [], "commitments": [], "projects": [],
                "mentions": [],
                "error": "extraction failed: InjectedExtractionFault: a component failed on this document",
            }
            assert [line for line in lines if line["id"] != "broken"] == alone
    assert next(extract_records([records[1]], nlp))["commitments"]  # the fault is gone again


def test_the_bounds_file_explains_every_bound():
    data = json.loads((DATA_DIR / "bounds.json").read_text(encoding="utf-8"))
    for section in (data, data["plausible"]):
        for key in section:
            if not key.startswith("_"):
                assert f"_{key}" in section, f"bounds.json: {key} has no comment"


def tracker_extract(path: Path, *, fault: bool = False) -> subprocess.CompletedProcess:
    """`tracker extract FILE` in a new process (with the fault component installed first)."""
    code = ("import sys\nfrom tests.nlp.hostile_documents import install_fault\ninstall_fault()\n"
            "from tracker.cli import main\nsys.exit(main(sys.argv[1:]))")
    command = [sys.executable, "-c", code] if fault else [sys.executable, "-m", "tracker"]
    return subprocess.run([*command, "extract", str(path)], capture_output=True, text=True, cwd=REPO, timeout=300)


def test_tracker_extract_keeps_one_line_per_input_line_on_hostile_input(tmp_path):
    records = [CALM, {"id": "big", "text": BIG_TEXT}, {"id": "digits", "text": HUGE_DIGITS},
               {"id": "absurd", "text": ABSURD}]
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")

    result = tracker_extract(source)

    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["id"] for line in lines] == ["calm", "big", "digits", "absurd"]
    assert not any("error" in line for line in lines)
    assert [c["count"] for c in lines[0]["commitments"]] == [18_000] and "warnings" not in lines[0]
    assert lines[1]["warnings"][0].startswith("text cut at ")
    assert lines[2]["commitments"] == [] and "warnings" not in lines[2]
    assert lines[3]["commitments"][0]["plausible"] is False
    notices = result.stderr.splitlines()
    assert len(notices) == 2
    assert notices[0].startswith("tracker extract: warning: big: text cut at ")
    assert notices[1] == ("tracker extract: warning: absurd: implausible money figure kept out of deals: "
                          "$99999999999999999999 billion")


def test_tracker_extract_gives_a_failing_document_an_error_line_and_exits_0(tmp_path):
    records = [CALM, {"id": "broken", "text": f"Nvidia will ship 5,000 GPUs. {FAULT_MARKER}"}, CALM | {"id": "calm2"}]
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(record) + "\n" for record in records), encoding="utf-8")

    result = tracker_extract(source, fault=True)

    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["id"] for line in lines] == ["calm", "broken", "calm2"]
    assert lines[1] == {"id": "broken", "countries": [], "companies": [], "commitments": [], "projects": [],
                        "error": "extraction failed: InjectedExtractionFault: a component failed on this document"}
    assert lines[0]["commitments"] and lines[2]["commitments"] == lines[0]["commitments"]
    assert result.stderr.splitlines() == [
        "tracker extract: warning: broken: extraction failed: InjectedExtractionFault: a component failed "
        "on this document"]
