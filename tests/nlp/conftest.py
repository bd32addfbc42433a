"""Fixtures of the nlp layer: the pipeline is built once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlp.extract import extract_records, load_pipeline

HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="session")
def nlp():
    return load_pipeline()


@pytest.fixture(scope="session")
def extract(nlp):
    """Run the extractor on one text and return its output line."""

    def run(text: str, title: str | None = None, published: str | None = None, with_mentions: bool = False):
        record = {"id": "t", "text": text}
        if title is not None:
            record["title"] = title
        if published is not None:
            record["published"] = published
        return next(extract_records([record], nlp, with_mentions=with_mentions))

    return run


@pytest.fixture(scope="session")
def figures(extract):
    """Run the extractor and return its commitments as compact tuples."""

    def run(text: str):
        found = []
        for item in extract(text)["commitments"]:
            if item["kind"] == "money":
                found.append(("money", item["value"], item["currency"]))
            elif item["kind"] == "power":
                found.append(("power", item["mw"]))
            else:
                found.append(("chips", item["count"], item["model"]))
        return found

    return run
