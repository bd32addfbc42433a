"""The resolver's speed-ups give the results of the plain computation they replace: the merge
constraints checked on per-cluster summaries, pair scoring spread over worker processes, and where
figures and mentions sit in their text counted in Python instead of SQL (checked against the SQL
expressions it replaced, on a real DuckDB)."""

from __future__ import annotations

import random
from datetime import date

import duckdb
import pytest

from warehouse.resolution import workers
from warehouse.resolution.clustering import MergeRule, cluster_average
from warehouse.resolution.frames import Figure, Frame, Party
from warehouse.resolution.store import place_rows

HOSTS = ["India", "Norway", "Saudi Arabia", None]
COMPANIES = ["Nscale", "Aker", "Humain", "Microsoft", "Nvidia"]


def random_frames(rng: random.Random, count: int) -> list[Frame]:
    """Frames of a few documents, each with one to three figures, a host (or none) and parties."""
    frames = []
    for number in range(count):
        doc = f"doc-{number // 3}"
        figures = [Figure(f"c{number}-{k}", doc, date(2025, 1, 1), "money", 1.0) for k in range(rng.randint(1, 3))]
        parties = [Party(name, rng.choice(["investor", "partner", "supplier"]), 1.0)
                   for name in rng.sample(COMPANIES, rng.randint(0, 2))]
        frames.append(Frame(doc, number % 3, date(2025, 1, 1), figures, host=rng.choice(HOSTS), parties=parties))
    return frames


@pytest.mark.parametrize("same_document", ["apart", "guarded"])
def test_merge_rule_on_summaries_answers_as_on_the_members(same_document):
    rng = random.Random(7)
    frames = random_frames(rng, 60)
    apart = {(i, i + 1) for i in range(0, 59, 3)} if same_document == "guarded" else set()
    rule = MergeRule(frames, same_document, apart)
    for _ in range(400):
        a = set(rng.sample(range(60), rng.randint(1, 8)))
        b = set(rng.sample(sorted(set(range(60)) - a), rng.randint(1, 8)))
        summary_a, summary_b = rule.summary(min(a)), rule.summary(min(b))
        for i in sorted(a - {min(a)}):
            summary_a = rule.join(summary_a, rule.summary(i))
        for i in sorted(b - {min(b)}):
            summary_b = rule.join(summary_b, rule.summary(i))
        assert rule.allows(summary_a, summary_b, a, b) == rule(a, b)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_clustering_with_summaries_merges_as_with_the_plain_check(seed):
    rng = random.Random(seed)
    frames = random_frames(rng, 90)
    scores = {}
    for _ in range(900):
        i, j = sorted(rng.sample(range(90), 2))
        scores[(i, j)] = rng.random() * len(frames[i].figures) * len(frames[j].figures)
    rule = MergeRule(frames, "guarded")
    sizes = [len(f.figures) for f in frames]
    groups = [f.doc_id for f in frames]
    fast = cluster_average(90, scores, 0.3, sizes=sizes, may_merge=rule, groups=groups)
    plain = cluster_average(90, scores, 0.3, sizes=sizes, may_merge=lambda a, b: rule(a, b), groups=groups)
    assert sorted(map(sorted, fast)) == sorted(map(sorted, plain))
    assert len(fast) < 90  # something merged


def squares(scale: float, start: int, stop: int) -> list[float]:
    return [scale * n * n for n in range(start, stop)]


def test_worker_processes_give_the_values_of_one_process_in_order(monkeypatch):
    monkeypatch.setattr(workers, "PARALLEL_MIN", 0)
    monkeypatch.setenv(workers.WORKERS_ENV, "2")
    assert workers.map_ranges(squares, 1001, 0.5) == squares(0.5, 0, 1001)
    monkeypatch.setenv(workers.WORKERS_ENV, "1")
    assert workers.map_ranges(squares, 10, 2.0) == squares(2.0, 0, 10)


def test_paragraphs_and_sentences_are_found_as_the_sql_found_them():
    title = "Nscale and Aker plan €1bn — a 230 MW campus"
    text = (f"{title}\n\nNARVIK – Nscale and Aker said on Monday they would invest €1bn.\n"
            "The first phase — 100 MW — opens in 2026 ✓. The campus hosts 100,000 Nvidia GPUs.\n\n"
            "Aker said the first phase opens in 2026 ✓.")
    sentence = "The first phase — 100 MW — opens in 2026 ✓."
    starts = [0, 5, len(title), len(title) + 2, text.index("€1bn."), text.index("100 MW"), text.rindex("2026"),
              len(text), len(text) + 5, None]
    documents = [{"doc_id": "d", "title": title, "analysed": text}]
    figures = [{"doc_id": "d", "start_char": s, "sentence": sentence} for s in starts]
    figures.append({"doc_id": "d", "start_char": 3, "sentence": "Not in the text."})
    mentions = [{"doc_id": "d", "start_char": figure["start_char"]} for figure in figures]
    place_rows(figures, mentions, documents)

    con = duckdb.connect()
    for figure, mention in zip(figures, mentions, strict=True):
        expected = con.execute(
            """
            select
                case
                    when $start is null or $sentence is null then null
                    when strpos(substr($text, greatest($start - length($sentence), 0) + 1), $sentence) = 0 then null
                    else greatest($start - length($sentence), 0)
                        + strpos(substr($text, greatest($start - length($sentence), 0) + 1), $sentence) - 1
                end,
                $start is not null and $start < length($title),
                length(substr($text, 1, $start)) - length(replace(substr($text, 1, $start), chr(10), ''))
            """,
            {"start": figure["start_char"], "sentence": figure["sentence"], "text": text, "title": title},
        ).fetchone()
        assert (figure["sentence_start"], figure["in_title"], figure["paragraph_no"]) == expected
        assert mention["paragraph_no"] == expected[2]


def report_rows(number: int) -> tuple[list[dict], list[dict], dict]:
    """A short report's figure, mention and document rows: a company's investment and campus
    capacity in a country."""
    company, country = COMPANIES[number % 4], HOSTS[number % 3]
    title = f"{company} to invest $ {number + 1} billion in {country}"
    first = f"{company} will invest ${number + 1} billion in {country} by 2027."
    second = f"The campus in {country} will reach {100 * (number % 2 + 1)} MW."
    text = f"{title}\n\n{first} {second}"
    doc_id, day = f"report-{number}", date(2025, 3, 1 + number)
    mentions = []
    for value, kind in ((company, "company"), (country, "country")):
        for found in (text.find(value), text.rfind(value)):
            sentence = title if found < len(title) else (first if found < text.index(second) else second)
            mentions.append({"doc_id": doc_id, "kind": kind, "value": value, "surface": value, "start_char": found,
                             "end_char": found + len(value), "sentence": sentence})
    figures = [
        {"commitment_id": f"{doc_id}-money", "doc_id": doc_id, "reported_on": day, "kind": "money",
         "value": (number + 1) * 1e9, "currency": "USD", "value_usd": (number + 1) * 1e9,
         "start_char": text.index("$", len(title)), "end_char": text.index(" by"), "sentence": first,
         "countries": [country], "companies": [company]},
        {"commitment_id": f"{doc_id}-power", "doc_id": doc_id, "reported_on": day, "kind": "power",
         "mw": 100.0 * (number % 2 + 1), "start_char": text.index(" MW") - 3, "end_char": text.index(" MW") + 3,
         "sentence": second, "countries": [country], "companies": []},
    ]
    document = {"doc_id": doc_id, "reported_on": day, "source_key": f"outlet-{number}", "title": title,
                "analysed": text}
    return figures, mentions, document


def test_frames_built_in_worker_processes_are_the_frames_of_one_process(monkeypatch):
    from warehouse.resolution import resolve
    from warehouse.resolution.frames import build_frames, read_documents, read_figures
    from warehouse.resolution.model import load_model

    figures, mentions, documents = [], [], []
    for number in range(12):
        rows, names, document = report_rows(number)
        figures += rows
        mentions += names
        documents.append(document)
    place_rows(figures, mentions, documents)
    monkeypatch.setattr(resolve, "FRAMES_PARALLEL_MIN", 0)
    monkeypatch.setenv(workers.WORKERS_ENV, "2")
    model = load_model()
    docs = read_documents(documents, mentions)
    in_workers = resolve.build_all_frames(read_figures(figures, docs), docs, model)
    here = build_frames(read_figures(figures, docs), docs, model)
    assert in_workers == here
    assert {frame.host for frame in here} >= {"India", "Norway"}
