"""The extraction contract: output line shape, order, offsets, value_usd, input validation."""

import io
import json

import pytest

from nlp.extract import InputError, compose_text, extract_records, load_pipeline, read_records

RECORDS = [
    {"id": "a1", "title": "OpenAI and G42 launch Stargate UAE",
     "text": "OpenAI, G42 and Oracle will build a 1GW cluster in the UAE for $500 billion. "
             "Nvidia will ship 18,000 GB300 chips.",
     "published": "2025-05-22"},
    {"id": "a2", "text": "Nothing to see here."},
    {"id": "a3", "text": "France announced €109bn ($112.5bn).", "published": "2025-02-10"},
]


@pytest.fixture(scope="module")
def outputs(nlp):
    return list(extract_records(RECORDS, nlp))


def test_one_line_per_record_same_order(outputs):
    assert [out["id"] for out in outputs] == ["a1", "a2", "a3"]
    assert list(outputs[0]) == ["id", "countries", "companies", "commitments", "projects"]


def test_contract_shape(outputs):
    first = outputs[0]
    assert first["countries"] == ["AE"]
    assert first["companies"] == ["G42", "Nvidia", "OpenAI", "Oracle"]
    power, money, chips = first["commitments"]
    text = compose_text(RECORDS[0])
    assert power == {"kind": "power", "mw": 1000, "text": "1GW", "sentence": power["sentence"],
                     "start": power["start"], "end": power["end"],
                     "countries": ["AE"], "companies": ["G42", "OpenAI", "Oracle"],
                     "link_scope": "sentence", "deal_type": "data_center", "deal_type_cue": "cluster",
                     "role": "commitment", "role_cue": power["role_cue"], "project": None}
    assert text[power["start"]:power["end"]] == "1GW"
    assert money["kind"] == "money" and money["value"] == 500 * 10**9 and money["currency"] == "USD"
    assert money["value_usd"] == 500 * 10**9 and money["text"] == "$500 billion"
    assert (money["fx_rate"], money["fx_month"]) == (1.0, "2025-05")
    assert chips["kind"] == "chips" and chips["count"] == 18000 and chips["model"] == "GB300"
    assert chips["sentence"] == "Nvidia will ship 18,000 GB300 chips."
    assert (chips["companies"], chips["countries"], chips["link_scope"]) == (["Nvidia"], ["AE"], "paragraph")
    assert chips["deal_type"] == "chip_supply"
    assert all(isinstance(item["sentence"], str) and item["sentence"] for item in first["commitments"])
    assert outputs[1] == {"id": "a2", "countries": [], "companies": [], "commitments": [], "projects": []}
    assert first["projects"] == ["Stargate UAE"]  # named in the title; the figures' sentences name none
    json.dumps(outputs)  # JSON-able


def test_positions_are_in_text_order(outputs):
    starts = [item["start"] for item in outputs[0]["commitments"]]
    assert starts == sorted(starts)


def test_value_usd_uses_the_published_month(outputs):
    euro = outputs[2]["commitments"][0]
    assert euro["currency"] == "EUR"
    assert euro["value_usd"] == pytest.approx(109e9 * 1.041, rel=1e-3)  # ECB February 2025 average
    assert euro["fx_month"] == "2025-02" and euro["value_usd"] == round(109e9 * euro["fx_rate"])


def test_mentions_only_on_request(nlp, outputs):
    assert "mentions" not in outputs[0]
    (out,) = extract_records(RECORDS[:1], nlp, with_mentions=True)
    kinds = {(m["kind"], m["value"]) for m in out["mentions"]}
    assert ("company", "G42") in kinds and ("country", "AE") in kinds
    for mention in out["mentions"]:
        assert compose_text(RECORDS[0])[mention["start"]:mention["end"]] == mention["text"]


def test_deterministic(nlp):
    first = list(extract_records(RECORDS, nlp, batch_size=1))
    second = list(extract_records(RECORDS, nlp, batch_size=64))
    assert first == second


def test_pipeline_is_cached():
    assert load_pipeline() is load_pipeline()
    assert load_pipeline().pipe_names == [
        "tracker_sentences", "tracker_companies", "tracker_countries", "tracker_commitments", "tracker_linking",
        "tracker_projects", "tracker_roles",
    ]


def test_read_records_accepts_good_lines():
    stream = io.StringIO('{"id": "x", "text": "t"}\n\n{"id": "y", "text": "u", "title": null, "published": '
                         '"2025-01-31"}\n')
    assert [r["id"] for r in read_records(stream, "in.jsonl")] == ["x", "y"]


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("not json", "not valid JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"text": "t"}', "'id' must be a non-empty string"),
        ('{"id": "", "text": "t"}', "'id' must be a non-empty string"),
        ('{"id": 3, "text": "t"}', "'id' must be a non-empty string"),
        ('{"id": "x"}', "'text' must be a string"),
        ('{"id": "x", "text": 5}', "'text' must be a string"),
        ('{"id": "x", "text": "t", "title": 1}', "'title' must be a string"),
        ('{"id": "x", "text": "t", "published": "22/05/2025"}', "'published' must be a date YYYY-MM-DD"),
        ('{"id": "x", "text": "t", "published": "2025-02-30"}', "not a real date"),
    ],
)
def test_read_records_rejects_bad_lines(line, problem):
    stream = io.StringIO('{"id": "ok", "text": "fine"}\n' + line + "\n")
    with pytest.raises(InputError) as caught:
        list(read_records(stream, "in.jsonl"))
    message = str(caught.value)
    assert message.startswith("in.jsonl, line 2: ")
    assert problem in message
    assert "\n" not in message
    assert isinstance(caught.value, ValueError)
