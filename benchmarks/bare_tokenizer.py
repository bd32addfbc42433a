"""The speed baseline: spaCy's bare English tokenizer over the texts of a JSON Lines file.

Reads the same input as ``tracker extract`` (``{"id", "text", "title"?}``), builds the same
analysed text (title, a blank line, body), runs ``spacy.blank("en")`` over it with ``nlp.pipe``
and prints the number of documents and tokens. Run as a separate process by
``benchmarks/extract_speed.py``, start-up included.

    python -m benchmarks.bare_tokenizer FILE
"""

from __future__ import annotations

import json
import sys
from contextlib import nullcontext


def main(argv: list[str] | None = None) -> int:
    import spacy

    args = sys.argv[1:] if argv is None else argv
    path = args[0] if args else "-"
    nlp = spacy.blank("en")
    with nullcontext(sys.stdin) if path == "-" else open(path, encoding="utf-8") as source:
        records = (json.loads(line) for line in source if line.strip())
        texts = (f"{r['title'].strip()}\n\n{r['text']}" if r.get("title") else r["text"] for r in records)
        docs = tokens = 0
        for doc in nlp.pipe(texts, batch_size=64):
            docs += 1
            tokens += len(doc)
    print(json.dumps({"documents": docs, "tokens": tokens}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
