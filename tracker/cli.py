"""The `tracker` command line: parses arguments and calls into the layers.

The argument types and shared options live in tracker/arguments.py; the commands are here.

Every command has `--help`. A bad argument, a bad input file, a damaged or busy warehouse or a full
disk ends with a one-line error naming the problem and exit status 2, never a traceback; a bug
ends with one line saying where its traceback was written, exit status 1 (`--debug` prints it).
See tracker/failures.py.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from common import settings
from common.progress import progress
from nlp.evaluate import evaluate, format_errors, format_report
from tracker.arguments import (
    OneLineParser,
    UsageError,
    add_paths,
    add_source_args,
    describe_line_limit,
    make_count_parser,
    parse_correction,
    parse_existing_file,
    parse_port,
    parse_week_arg,
)
from tracker.failures import (
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    Terminated,
    install_sigterm_handler,
    report_failure,
    silence_stdout,
)
from tracker.files import (
    FileProblem,
    atomic_output,
    open_input,
    read_lines,
    refuse_same_file,
)
from tracker.files import check_warehouse_file as check_file
from tracker.prefect_server import quiet_console_tracebacks, start_temporary_server

# Modules that take long to import are imported by the commands that use them, so that every
# command starts fast, `tracker extract` and `--help` above all. Measured on the 2-core machine
# (`python -c "import X"`, best of two, Python alone 0.03 s): flows.weekly 3.4 s (Prefect; it must
# also come after settings.configure_environment(), which Prefect reads once, when imported),
# nlp.extract 1.2 s (spaCy), app.extraction 1.3 s, app.newsletter 0.4 s (DuckDB, Jinja2),
# tracker.desk and warehouse.decisions 0.27 s, duckdb and warehouse.export 0.12 s. The registry
# (spiders.registry) and the deal evaluation (app.deal_evaluation: DuckDB, the pipeline) are
# imported by their commands too: `tracker extract` loads no other layer
# (tests/nlp/test_nlp_imports.py).


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(
        prog="tracker",
        description="Track national AI infrastructure deals: crawl coverage, extract countries, "
        "companies and commitments, keep them in DuckDB, and draft the weekly newsletter.",
        epilog="Exit status: 0 done; 2 a problem with the arguments, an input file, the warehouse or the "
        "machine (one line on standard error, e.g. a full disk); 1 a bug (one line naming the log file "
        "that holds its traceback); 130 interrupted (Ctrl-C); 143 stopped (SIGTERM).",
    )
    parser.add_argument("--debug", action="store_true",
                        help="on failure, print the full traceback (by default: one line, and a log file for a bug)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=OneLineParser)
    sub.required = True

    run = sub.add_parser(
        "run",
        help="run the weekly pipeline (crawl, extract, load, deals, newsletter) as a Prefect flow",
        description="Run the weekly_tracker Prefect flow: crawl the sources, extract "
        "commitments, load the warehouse, cluster deals and render the week's newsletter.",
    )
    add_source_args(run)
    add_paths(run, out_help="output folder")
    run.add_argument("--week", type=parse_week_arg,
                     help="ISO week to render, YYYY-Www (default: the latest week with deals)")
    approval = run.add_mutually_exclusive_group()
    approval.add_argument(
        "--auto-approve",
        action="store_true",
        help="approve the draft without waiting for an editor (demo and tests)",
    )
    approval.add_argument(
        "--wait",
        action="store_true",
        help="pause the flow run until an editor decides through Prefect's input form "
        "(needs a Prefect server the editor can reach); by default the draft waits for 'tracker approve'",
    )
    run.add_argument("--dask", metavar="ADDRESS",
                     help="run extraction on a Dask cluster (scheduler address, or 'local')")
    run.set_defaults(handler=_cmd_run)

    crawl = sub.add_parser(
        "crawl",
        help="crawl the sources and load the documents into the warehouse",
        description="Crawl stage alone: fetch feeds and listing pages, store articles in --db.",
    )
    add_source_args(crawl)
    add_paths(crawl, out_help="folder for crawl files")
    crawl.set_defaults(handler=_cmd_crawl)

    extract = sub.add_parser(
        "extract",
        help="extract countries, companies and commitments from JSON Lines (no database)",
        description="Read JSON Lines ({id, text, title?, published?}) from FILE or standard input "
        "and write one extraction line per input line, in the same order, to standard output. "
        f"Input must be UTF-8; a line longer than {describe_line_limit()} is refused. With -o, the output file is "
        "replaced only once the whole input has been read and extracted (bad input or a full disk "
        "leaves an earlier output as it was), and never when it is the input file.",
    )
    extract.add_argument("input", nargs="?", default="-", metavar="FILE|-",
                         help="input JSON Lines (default: -, standard input)")
    extract.add_argument("-o", "--output", default="-",
                         help="output file, written whole or not at all (default: -, standard output)")
    extract.set_defaults(handler=_cmd_extract)

    reextract = sub.add_parser(
        "reextract",
        help="run extraction again over every stored document (after a pipeline change) and rebuild deals",
        description="Re-extract every document in the warehouse with the current pipeline, in parallel "
        "worker processes, replacing mentions, commitments and deals batch by batch. Works on a private "
        "copy published atomically at the end (analysts keep reading meanwhile; a crash changes nothing); "
        "editors' decisions are kept.",
    )
    reextract.add_argument("--db", default=settings.DEFAULT_DB, help="DuckDB file (default: %(default)s)")
    reextract.add_argument("--workers", type=make_count_parser(0), default=max(1, os.cpu_count() or 1),
                           help="extraction processes, 0 to extract in this process (default: %(default)s, the CPUs)")
    reextract.add_argument("--batch-size", type=make_count_parser(1), default=settings.EXTRACT_BATCH,
                           help="documents per batch and per load transaction (default: %(default)s)")
    reextract.set_defaults(handler=_cmd_reextract)

    evaluate = sub.add_parser(
        "eval",
        help="score extraction against a gold JSON Lines file, or deals against a deal gold set (--deals)",
        description="Run extraction on the gold file's texts and compare with its annotations (precision, "
        "recall and F1 per field), or with --deals score the deal records against a deal gold set. "
        f"The gold file is UTF-8 JSON Lines; a line longer than {describe_line_limit()} is refused.",
    )
    evaluate.add_argument("gold", type=parse_existing_file, nargs="?", metavar="GOLD.jsonl",
                          help="gold JSON Lines file")
    evaluate.add_argument("--deals", metavar="GOLD",
                          help="score the deal records instead: run the pipeline on a deal gold set (a folder of "
                          "articles*.jsonl + deals*.toml pairs, or one articles file) in a temporary warehouse")
    evaluate.add_argument("--json", action="store_true", help="print the metrics as JSON")
    evaluate.add_argument("--errors", action="store_true",
                          help="also list missing and spurious countries, companies and figures per document "
                          "(with --deals: each gold deal's figures and the deal records they went to)")
    evaluate.set_defaults(handler=_cmd_eval)

    newsletter = sub.add_parser(
        "newsletter",
        help="render one week's newsletter from the warehouse",
        description="Render the newsletter (HTML email, plain text, Markdown) for one ISO week.",
    )
    newsletter.add_argument("--week", type=parse_week_arg,
                            help="ISO week YYYY-Www (default: the latest week with deals)")
    add_paths(newsletter, out_help="output folder")
    newsletter.set_defaults(handler=_cmd_newsletter)

    approve = sub.add_parser(
        "approve",
        help="record an editor's decision on a week's draft and publish it when approved",
        description="Record an editor's decision (stored in the warehouse with who and when); an "
        "approved issue is re-rendered with the decisions applied and published to OUT/newsletter.",
    )
    approve.add_argument("--week", type=parse_week_arg, required=True, help="ISO week YYYY-Www of the draft")
    approve.add_argument("--editor", required=True, help="who decides (stored with the decision)")
    approve.add_argument("--reject", action="store_true", help="reject the draft instead of approving it")
    approve.add_argument("--drop", action="append", default=[], metavar="DEAL_ID",
                         help="leave a deal out of this issue (repeatable)")
    approve.add_argument("--keep", action="append", default=[], metavar="DEAL_ID",
                         help="publish a low-confidence deal, left out of readers' issue otherwise (repeatable)")
    approve.add_argument(
        "--correct",
        action="append",
        default=[],
        type=parse_correction,
        metavar="DEAL_ID:FIELD=VALUE",
        help="correct a deal's title, money_usd, mw or chips (repeatable)",
    )
    approve.add_argument("--note", default="", help="a note stored with the decision")
    add_paths(approve, out_help="output folder")
    approve.set_defaults(handler=_cmd_approve)

    desk = sub.add_parser(
        "desk",
        help="serve the review desk on 127.0.0.1: check a week's draft, keep, drop or correct deals, approve",
        description="Serve the review desk for one week's draft on 127.0.0.1: every deal with its source "
        "sentences marked up, its confidence and sources, and forms to drop or keep a deal, correct a "
        "figure and approve or reject the issue. Decisions are stored in the warehouse (editor_decisions, "
        "with who and when) and the draft in OUT/drafts is rendered again after each one.",
    )
    desk.add_argument("--week", type=parse_week_arg, help="ISO week YYYY-Www (default: the latest week with deals)")
    add_paths(desk, out_help="output folder (drafts in OUT/drafts, approved issues in OUT/newsletter)")
    desk.add_argument("--port", type=parse_port, default=8765,
                      help="port on 127.0.0.1 (default: %(default)s; 0 picks a free one)")
    desk.add_argument("--editor", help="who decides, stored with every decision "
                      "(default: $TRACKER_EDITOR, else your login name)")
    desk.set_defaults(handler=_cmd_desk)

    export = sub.add_parser(
        "export",
        help="write the warehouse tables and views as Parquet files with a README of their columns",
        description="Export every analyst table and view to DIR/<name>.parquet, plus DIR/README.md "
        "describing each column; reads the published warehouse read-only.",
    )
    export.add_argument("--parquet", required=True, metavar="DIR", help="output folder")
    add_paths(export, out_help=None)
    export.set_defaults(handler=_cmd_export)

    sources = sub.add_parser(
        "sources",
        help="work with a sources registry ('tracker sources check FILE' validates one)",
        description="Sources registry tools.",
    )
    sources_sub = sources.add_subparsers(dest="action", metavar="ACTION", parser_class=OneLineParser)
    sources_sub.required = True
    check = sources_sub.add_parser(
        "check",
        help="validate a registry file and report every problem at once",
        description="Validate a sources registry (TOML) and list every problem, one per line.",
    )
    check.add_argument("file", type=parse_existing_file, metavar="FILE", nargs="?", default=settings.DEFAULT_SOURCES,
                       help="registry to check (default: spiders/sources.toml)")
    check.set_defaults(handler=_cmd_sources_check)
    for command in [*sub.choices.values(), check]:  # --debug also after the command's name
        command.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    return parser


def _require_sources(args: argparse.Namespace) -> None:
    if not args.sample and args.sources is None:
        args.sources = settings.DEFAULT_SOURCES
    if args.sources is not None:
        from spiders.registry import RegistryError, load_sources

        try:
            load_sources(args.sources)
        except RegistryError as exc:
            raise UsageError(str(exc)) from None


def _require_db(path: str) -> Path:
    db = Path(path)
    if not db.is_file():
        raise UsageError(f"no warehouse at {db}: run 'tracker run' or 'tracker crawl' first, or pass --db")
    check_warehouse_file(db)
    return db


def check_warehouse_file(db: str | Path) -> None:
    """A --db that exists must be a DuckDB file (a stage would otherwise fail half-way)."""
    if Path(db).exists():
        check_file(db)


def _start_prefect(args: argparse.Namespace) -> None:
    """Prefect's temporary server as our child, gone with us even after kill -9 (tracker/prefect_server.py)."""
    if not args.debug:
        quiet_console_tracebacks()
    start_temporary_server()


def _cmd_run(args: argparse.Namespace) -> int:
    _require_sources(args)
    check_warehouse_file(args.db)
    from flows.weekly import weekly_tracker  # 3.4 s (Prefect): see the imports at the top

    _start_prefect(args)

    result = weekly_tracker(
        week=args.week,
        sources=str(args.sources) if args.sources else None,
        db=str(args.db),
        out=str(args.out),
        sample=args.sample,
        auto_approve=args.auto_approve,
        wait_for_approval=args.wait,
        dask_address=args.dask,
    )
    _print_outputs(result)
    if result.get("status") != "approved":
        print(f"Draft {result['week']} is {result.get('status')}: approve it with "
              f"'tracker approve --week {result['week']} --editor NAME --db {args.db} --out {args.out}'")
    return 0


def _cmd_crawl(args: argparse.Namespace) -> int:
    _require_sources(args)
    check_warehouse_file(args.db)
    from flows.weekly import crawl_only  # 3.4 s (Prefect): see the imports at the top

    _start_prefect(args)

    result = crawl_only(
        sources=str(args.sources) if args.sources else None,
        db=str(args.db),
        out=str(args.out),
        sample=args.sample,
    )
    print(json.dumps(result, sort_keys=True))
    print(f"Database: {Path(args.db).resolve()}")
    return 0


def _cmd_extract(args: argparse.Namespace) -> int:
    refuse_same_file(args.input, args.output)  # before loading spaCy: a refusal is instant
    source = open_input(args.input)
    from nlp.extract import dump_line, extract_records, line_problems, read_records  # 1.2 s (spaCy)

    name = "<stdin>" if args.input == "-" else args.input
    try:
        with atomic_output(args.output) as sink:
            records = read_records(read_lines(source, name), name)
            for line in progress(extract_records(records), desc="extract", unit="doc"):
                sink.write(dump_line(line))
                for problem in line_problems(line):  # a failed document ("error"), a cut text
                    print(f"tracker extract: warning: {problem}", file=sys.stderr)
    finally:
        if args.input != "-":
            source.close()
    args.quick_exit = True
    return 0


def _cmd_reextract(args: argparse.Namespace) -> int:
    db = _require_db(args.db)
    from app.extraction import reextract  # 1.3 s (spaCy)

    # A stop request (SIGTERM, main()) unwinds like Ctrl-C: workers stopped, working copy discarded,
    # nothing published; a WarehouseError is one line (main()).
    result = reextract(db, workers=args.workers, batch_size=args.batch_size)
    rate = result["documents"] / result["seconds"] if result["seconds"] else 0.0
    print(f"Re-extracted {result['documents']} documents in {result['batches']} batches with "
          f"{result['workers']} workers in {result['seconds']:.1f} s ({rate:.0f} documents/s): "
          f"{result['mentions']} mentions, {result['commitments']} commitments, {result['deals']} deals")
    print(f"Database: {Path(db).resolve()}")
    return 0


def _cmd_eval(args: argparse.Namespace) -> int:
    if args.deals is not None or args.gold is None:
        return _cmd_eval_deals(args)
    from nlp.extract import extract_records, read_records  # 1.2 s (spaCy)

    with open_input(str(args.gold)) as handle:
        gold = list(read_records(read_lines(handle, str(args.gold)), str(args.gold)))
    predicted = list(extract_records(gold))
    metrics = evaluate(gold, predicted)
    if args.json:
        print(json.dumps(metrics, indent=2, sort_keys=True))
    else:
        print(format_report(metrics))
        if args.errors:
            print()
            print(format_errors(gold, predicted, metrics))
    return 0


def _cmd_eval_deals(args: argparse.Namespace) -> int:
    if args.gold is not None or args.deals is None:
        raise UsageError("tracker eval: give GOLD.jsonl (extraction) or --deals GOLD (deals), one of them")
    from app.deal_evaluation import eval_output
    from warehouse.deal_evaluation import GoldError

    try:
        print(eval_output(args.deals, as_json=args.json, errors=args.errors))
    except GoldError as exc:
        raise UsageError(f"tracker eval: {exc}") from None
    return 0


def _cmd_newsletter(args: argparse.Namespace) -> int:
    db = _require_db(args.db)
    from app.newsletter import render_draft  # 0.4 s (DuckDB, Jinja2)

    draft = render_draft(str(db), str(args.out), args.week)
    _print_outputs({"week": draft["week"], "newsletter": draft["files"], "review": draft["review"], "db": str(db)})
    return 0


def _cmd_approve(args: argparse.Namespace) -> int:
    db = _require_db(args.db)
    from app.newsletter import approve  # 0.4 s (DuckDB, Jinja2)
    from warehouse.decisions import decisions_from_review

    review = {"approve": not args.reject, "editor": args.editor, "drop": args.drop, "keep": args.keep,
              "corrections": args.correct, "note": args.note}
    try:
        decided = approve(str(db), str(args.out), args.week, decisions_from_review(args.week, review), via="cli")
    except ValueError as exc:
        raise UsageError(f"tracker approve: {exc}") from None
    if args.reject:
        print(f"Week {args.week} rejected by {args.editor}; the draft stays in {Path(args.out) / 'drafts'}")
        return 0
    _print_outputs({"week": args.week, "newsletter": decided["newsletter"], "db": str(db)})
    return 0


def _cmd_desk(args: argparse.Namespace) -> int:
    db = _require_db(args.db)
    from tracker.desk import DeskError, run_desk  # 0.27 s (DuckDB, Starlette)

    editor = args.editor or os.environ.get("TRACKER_EDITOR") or getpass.getuser()
    try:
        return run_desk(db, Path(args.out), args.week, args.port, editor)
    except DeskError as exc:
        raise UsageError(f"tracker desk: {exc.message}") from None
    except OSError as exc:
        raise UsageError(f"tracker desk: cannot listen on 127.0.0.1:{args.port}: {exc.strerror or exc}") from None


def _cmd_sources_check(args: argparse.Namespace) -> int:
    from spiders.registry import check_registry

    problems = check_registry(args.file)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        return EXIT_USAGE
    print(f"{args.file}: ok")
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    db = _require_db(args.db)
    import duckdb  # 0.12 s with warehouse.export: see the imports at the top

    from warehouse.export import export_parquet

    try:
        con = duckdb.connect(str(db), read_only=True)
    except duckdb.Error as exc:
        raise UsageError(f"tracker export: cannot open {db}: {str(exc).splitlines()[0]}") from None
    try:
        paths = export_parquet(con, args.parquet)
    finally:
        con.close()
    for path in paths:
        print(path)
    return 0


def _print_outputs(result: dict) -> None:
    week = result.get("week")
    files = result.get("newsletter") or {}
    if week:
        print(f"Week: {week}")
    for kind in ("html", "text", "markdown"):
        if kind in files:
            print(f"Newsletter ({kind}): {Path(files[kind]).resolve()}")
    for kind, label in (("archive", "Archive"), ("feed", "Atom feed")):
        if kind in files:
            print(f"{label}: {Path(files[kind]).resolve()}")
    if result.get("review"):
        print(f"Review page: {Path(result['review']).resolve()}")
    if result.get("db"):
        print(f"Database: {Path(result['db']).resolve()}")


def main(argv: Sequence[str] | None = None) -> int:
    settings.configure_environment()
    install_sigterm_handler()
    parser = build_parser()
    args = argparse.Namespace(command="", debug=False)
    try:
        args = parser.parse_args(argv)
        handler: Callable[[argparse.Namespace], int] = args.handler
        status = handler(args)
        if argv is None and status == 0 and getattr(args, "quick_exit", False):
            # The process is done and its output flushed: skip tearing down spaCy's vocabulary
            # and the pipeline object by object (a tenth of a second after a big extraction).
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(0)
        return status
    except UsageError as exc:
        return _fail(args, str(exc).splitlines()[0])
    except FileProblem as exc:
        return _fail(args, str(exc))
    except KeyboardInterrupt:
        return _stopped(args, "interrupted", EXIT_INTERRUPTED)
    except Terminated:
        return _stopped(args, "stopped by SIGTERM", Terminated().code)
    except BrokenPipeError:
        # The reader went away (e.g. `tracker extract | head`): not an error for us.
        silence_stdout()
        return 0
    except Exception as exc:  # every other failure is one line (tracker/failures.py)
        _silence_stdout_if_broken()
        return report_failure(exc, _command(args), args.debug, _log_folders(args))


def _command(args: argparse.Namespace) -> str:
    command = getattr(args, "command", "") or ""
    action = getattr(args, "action", None)
    return f"{command} {action}" if action else command


def _fail(args: argparse.Namespace, message: str) -> int:
    if not message.startswith("tracker"):
        command = _command(args)
        message = f"tracker {command}: {message}" if command else f"tracker: {message}"
    _silence_stdout_if_broken()
    print(message, file=sys.stderr)
    return EXIT_USAGE


def _stopped(args: argparse.Namespace, what: str, status: int) -> int:
    command = _command(args)
    print(f"tracker {command}: {what}" if command else f"tracker: {what}", file=sys.stderr)
    _silence_stdout_if_broken()
    return status


def _silence_stdout_if_broken() -> None:
    """Standard output that cannot take its buffered text (full disk) would fail again at exit."""
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        silence_stdout()


def _log_folders(args: argparse.Namespace) -> list[Path]:
    """Where a bug's traceback goes: OUT/logs when the command has an output folder, else $TMPDIR."""
    out = getattr(args, "out", None)
    return [Path(out) / "logs"] if out else []


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
