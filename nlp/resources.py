"""Reading the data files under ``nlp/data`` (gazetteers, registries, vocabularies, rates)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"


def resolve_path(name: str | Path) -> Path:
    """Return ``name`` as is when absolute, else relative to ``nlp/data``."""
    path = Path(name)
    return path if path.is_absolute() else DATA_DIR / path


def read_jsonl(name: str | Path) -> Iterator[dict[str, Any]]:
    """Yield the JSON objects of a JSON Lines data file, skipping blank lines."""
    path = resolve_path(name)
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as error:
                raise ValueError(f"{path}:{number}: invalid JSON ({error.msg})") from None
            if not isinstance(row, dict):
                raise ValueError(f"{path}:{number}: expected a JSON object")
            yield row


def read_json(name: str | Path) -> dict[str, Any]:
    """Load a JSON data file (keys starting with ``_`` are comments)."""
    path = resolve_path(name)
    with path.open(encoding="utf-8") as handle:
        data = json.load(handle)
    return {key: value for key, value in data.items() if not key.startswith("_")}
