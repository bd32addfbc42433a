"""The latest figures next to their references, with ratios and targets (read from
``benchmarks/results/latest.json``; measures nothing).

    .venv/bin/python -m benchmarks.report               # the summary `make bench` ends with
    .venv/bin/python -m benchmarks.report --markdown    # the table of README.md's "Benchmarks"

Missed targets are listed, not failures: the exit status is 0 unless the results file is missing,
unreadable, or lacks one of the figures it must always carry (``measure.REQUIRED_KEYS``).
"""

from __future__ import annotations

import argparse
import json
import sys

from benchmarks.measure import RESULTS, missing_keys


def _num(value, digits: int = 0, unit: str = "") -> str:
    if value is None:
        return "-"
    text = f"{value:,.{digits}f}"
    return f"{text} {unit}".strip()


def rows(r: dict) -> list[tuple[str, str, str, str, str, bool | None]]:
    """(what, ours, reference, ratio, target, met) for every figure present."""
    out = []
    get = r.get
    crawl = get("crawl") or {}
    if get("crawl_pages_per_s"):
        out.append((f"crawl of {crawl.get('pages', 0):,} article pages + feed (loopback, Scrapy `articles` spider)",
                    _num(get("crawl_pages_per_s"), 0, "pages/s"),
                    f"plain fetch, {crawl.get('concurrency', 16)} threads: "
                    f"{_num(get('plain_fetch_pages_per_s'), 0, 'pages/s')}",
                    f"{get('crawl_vs_plain_fetch', 0):.1%}", "-", None))
    if get("extract_words_per_s"):
        ratio = get("extract_vs_tokenizer")
        words = (get("extract_speed") or {}).get("words", 0)
        out.append((f"`tracker extract` on {words / 1e6:.1f}M words of generated news (news-like vocabulary)",
                    _num(get("extract_words_per_s"), 0, "words/s"),
                    f"bare spaCy tokenizer: {_num(get('tokenizer_words_per_s'), 0, 'words/s')}",
                    f"{ratio:.1%}" if ratio is not None else "-", ">= 40 %", None if ratio is None else ratio >= 0.40))
        templates = (get("extract_speed_by_vocabulary") or {}).get("templates")
        if templates and (get("extract_speed") or {}).get("vocabulary") != "templates":
            ratio = templates["extract_vs_tokenizer"]
            out.append((f"`tracker extract`, worst case: {templates['words'] / 1e6:.1f}M words of template text only "
                        "(~1,500 distinct tokens, the tokenizer's cache answers almost every token)",
                        _num(templates["extract_words_per_s"], 0, "words/s"),
                        f"bare spaCy tokenizer: {_num(templates['tokenizer_words_per_s'], 0, 'words/s')}",
                        f"{ratio:.1%}", ">= 40 %", ratio >= 0.40))
    if get("load_rows_per_s"):
        ratio = get("load_vs_read_json")
        rows_ = (get("warehouse_load") or {}).get("mentions", 0)
        out.append((f"warehouse load of {rows_:,} mention rows", _num(get("load_rows_per_s"), 0, "rows/s"),
                    f"DuckDB `read_json` of the same rows: {_num(get('read_json_rows_per_s'), 0, 'rows/s')}",
                    f"{ratio:.2f}" if ratio is not None else "-", ">= 0.5", None if ratio is None else ratio >= 0.5))
    if get("flow_seconds_10k"):
        overhead = get("flow_seconds_10k") / get("inprocess_seconds_10k") - 1
        details = get("flow_overhead_details") or {}
        out.append((f"`weekly_tracker` flow, 10,000-document week ({details.get('deals_in_week', 0):,} deals)",
                    _num(get("flow_seconds_10k"), 1, "s"),
                    f"same stages in-process: {_num(get('inprocess_seconds_10k'), 1, 's')}",
                    f"{overhead:+.1%} overhead", "< 15 %", overhead < 0.15))
        if get("prefect_server_start_seconds"):
            out.append(("Prefect's temporary server start (`tracker run` without a server; not in the above)",
                        _num(get("prefect_server_start_seconds"), 1, "s"), "-", "-", "-", None))
    if get("render_seconds_1000_deals"):
        out.append(("`tracker newsletter` for a week with 1,000 deals", _num(get("render_seconds_1000_deals"), 2, "s"),
                    f"same command, week with 10 deals: {_num(get('render_seconds_10_deals'), 2, 's')}",
                    f"{_num(get('render_ms_per_deal'), 2, 'ms')} per deal", "-", None))
    scaling = (get("scaling") or {}).get("runs", {})
    for size in ("1k", "10k", "100k"):
        if get(f"peak_rss_mb_{size}"):
            run = scaling.get(size, {})
            target, met = "-", None
            if size == "100k" and get("peak_rss_mb_10k"):
                growth = get("peak_rss_mb_100k") / get("peak_rss_mb_10k")
                target = f"< 2,048 MB and <= 1.5x 10k (x{growth:.2f})"
                met = get("peak_rss_mb_100k") < 2048 and growth <= 1.5
            out.append((f"extract+load of {size} documents, 2 workers: peak RSS, time",
                        f"{_num(get(f'peak_rss_mb_{size}'), 0, 'MB')}, {_num(run.get('extract_load_seconds'), 1, 's')}",
                        f"storing them first (crawl loads): {_num(run.get('documents_peak_rss_mb'), 0, 'MB')}, "
                        f"{_num(run.get('documents_seconds'), 1, 's')}",
                        f"{_num(get(f'scaling_ms_per_doc_{size}'), 2, 'ms')}/document, both", target, met))
    if scaling.get("10k") and scaling.get("100k"):
        def growth(key: str) -> float:
            return (scaling["100k"][key] / 100_000) / (scaling["10k"][key] / 10_000)

        out.append(("extract+load time per document, 100k vs 10k", f"x{growth('extract_load_seconds'):.2f}",
                    f"storing the documents (crawl loads): x{growth('documents_seconds'):.2f}", "1.00 = linear",
                    "linear", growth("extract_load_seconds") <= 1.15))
    out.extend(deal_rows(r))
    for key, label in (("crawl_peak_rss_mb", "crawl of the pages above"),
                       ("flow_peak_rss_mb_10k", "`weekly_tracker` flow, 10k week (Prefect server included)"),
                       ("inprocess_peak_rss_mb_10k", "same stages in-process, 10k week"),
                       ("render_peak_rss_mb_1000_deals", "`tracker newsletter`, 1,000 deals")):
        if get(key):
            out.append((f"peak RSS: {label}", _num(get(key), 0, "MB"), "-", "-", "-", None))
    return out


def deal_seconds(run: dict | None) -> str:
    if not run:
        return "-"
    if run.get("skipped"):
        return "not attempted"
    if run.get("over_cap"):
        return f"> {run['seconds']:,.0f} s (stopped)"
    return f"{run['seconds']:,.1f} s"


def deal_rows(r: dict) -> list[tuple[str, str, str, str, str, bool | None]]:
    """Deal resolution (benchmarks/deal_resolution.py): the learned resolver next to the rules."""
    details = r.get("deal_resolution") or {}
    runs = details.get("runs") or {}
    out = []
    for size in details.get("sizes") or []:
        name = f"{size // 1000}k" if size % 1000 == 0 else str(size)
        model, rules = runs.get(f"{name}_model"), runs.get(f"{name}_rules")
        largest = size == max(details["sizes"])
        met = None
        if largest and model:  # not attempted or stopped: the target is not met
            met = (not model.get("skipped") and not model.get("over_cap") and not model.get("error")
                   and model["seconds"] < details["targets"]["rebuild_100k_seconds"])
        out.append((f"deal resolution, full rebuild of {size:,} documents (learned resolver)", deal_seconds(model),
                    f"rules (warehouse/deals.py): {deal_seconds(rules)}", "-",
                    "< 60 s" if largest else "-", met if largest else None))
    if runs.get("increment_model") or runs.get("increment_rules"):
        model = runs.get("increment_model")
        met = None
        if model:
            met = (not model.get("skipped") and not model.get("over_cap") and not model.get("error")
                   and model["seconds"] < details["targets"]["increment_seconds"])
        base = max(details.get("sizes") or [0])
        out.append((f"weekly increment of {details.get('increment', 0):,} documents into {base:,} (learned resolver)",
                    deal_seconds(model), f"rules, full rebuild: {deal_seconds(runs.get('increment_rules'))}", "-",
                    "< 10 s", met))
    return out


def markdown(results: dict) -> str:
    lines = ["| what | ours | reference | ratio | target |", "| --- | --- | --- | --- | --- |"]
    for what, ours, reference, ratio, target, met in rows(results):
        if met is False:
            target += " (not met)"
        lines.append(f"| {what} | {ours} | {reference} | {ratio} | {target} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--markdown", action="store_true", help="print the README table")
    parser.add_argument("--elapsed", type=float, help="seconds the whole run took (printed)")
    args = parser.parse_args(argv)
    try:
        results = json.loads(RESULTS.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        print(f"cannot read {RESULTS}: {exc}", file=sys.stderr)
        return 1
    if args.markdown:
        print(markdown(results))
        return 0
    print(f"\nLatest figures ({RESULTS.relative_to(RESULTS.parents[2])}):")
    missed = []
    for what, ours, reference, ratio, target, met in rows(results):
        flag = {True: "ok", False: "MISSED", None: ""}[met]
        print(f"- {what}: {ours}; {reference}; {ratio}; target {target} {flag}".rstrip())
        if met is False:
            missed.append(what)
    machine = results.get("machine") or {}
    print(f"machine: {machine.get('cpu')}, {machine.get('cpus')} CPUs, {machine.get('memory_gib')} GiB")
    if missed:
        print("targets missed (reported, not failed): " + "; ".join(missed))
    if args.elapsed is not None:
        print(f"make bench took {args.elapsed / 60:.1f} min")
    absent = missing_keys(results)
    if absent:
        print("figures missing from the results file: " + ", ".join(absent))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
