"""Learn the resolver's weights on the development gold set: ``python -m app.resolution_training``.

Only the DEVELOPMENT part (tests/deals/gold/dev) is scored; the blind test part is never read.
The sample's deal key (sample/deals.toml, our own articles) is learned from as well (``--also``:
more labelled sets, training only, never scored): with it, the folds' held-out pairwise F1 on dev
rose from 0.612 to 0.633 (precision 0.916 -> 0.940 at recall 0.437 -> 0.453, cross threshold 0.6),
so the resolver is short of labelled examples more than of features. Steps:

1. Run the real pipeline on the dev articles (app/deal_evaluation's pipeline: crawl output,
   load, extraction, in a temporary warehouse) and align every extracted figure with the key's
   figures (its alignment): each figure gets the key's role and deal.
2. Label examples. ``host``: for each document's figures of one gold deal (an oracle frame), each
   candidate country, positive when it is the deal's host. ``party``: each candidate company,
   positive when it is one of the deal's parties. ``within``: pairs of figures of one document,
   positive when they belong to one deal. ``cross``: pairs of frames of different documents that
   share a host, a party, a project or a figure (broader than the resolver's blocking),
   positive when most of their figures belong to one deal.
3. Fit one logistic regression per component (scikit-learn), with cross-validation by deal:
   articles are put in folds by the deal most of their figures belong to (their main deal), so a
   deal is never both learned and scored; each fold's models are fitted on the other folds, its
   documents resolved from scratch and scored (pairwise precision and recall over figures of
   different articles). The party threshold maximises the folds' F1; the same-document rule and
   the within and cross thresholds maximise pairwise F1 among the settings whose CV precision is at
   least PRECISION_FLOOR (0.90), since a wrong merge misleads readers more than a split (with no
   such setting: F0.5, precision weighed twice as much as recall).
4. Fit on all of dev with the chosen thresholds and write weights.json with the CV scores.

    .venv/bin/python -m app.resolution_training [--gold tests/deals/gold/dev] [--folds 5]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from warehouse.resolution.clustering import cluster_frames, figure_buckets, score_frames
from warehouse.resolution.features import Corpus, host_candidates, party_candidates, within_features
from warehouse.resolution.frames import Document, Figure, build_frames, read_documents, read_figures
from warehouse.resolution.model import WEIGHTS, Component, Model
from warehouse.resolution.pairs import frame_features

REPO = Path(__file__).resolve().parents[1]
DEV_GOLD = REPO / "tests" / "deals" / "gold" / "dev"
SAMPLE_KEY = Path("sample-key")  # --also default: the sample's deal key, converted when read
FOLDS = 5
REGULARISATION = 1.0  # scikit-learn's C: the default; the features are few and bounded
THRESHOLDS = [round(0.1 * i, 1) for i in range(1, 10)]  # candidate decision thresholds
CROSS_BETA = 0.5  # F-beta of the cross threshold when no setting reaches PRECISION_FLOOR
PRECISION_FLOOR = 0.90  # settings are chosen by F1 among those whose CV precision reaches this
WITHIN_GRID = [0.4, 0.5, 0.6, 0.7, 0.8]  # candidate within-document thresholds
# 0.9 was tried: its best CV point ("within", cross 0.6: P 0.853 R 0.473) sat on a spike (cross 0.5:
# P 0.693) and the model fitted on all of dev then recalled fewer pairs than the folds did (0.43)


@dataclass
class Labelled:
    """The dev set as the resolver sees it, with the key's answers."""

    figure_rows: list[dict]
    mention_rows: list[dict]
    document_rows: list[dict]
    deal_of: dict[str, str]  # commitment_id -> gold deal key (commitments only)
    role_of: dict[str, str]  # commitment_id -> gold role
    article_of: dict[str, str]  # doc_id -> gold article id
    hosts: dict[str, str]  # gold deal key -> host ("" for none)
    parties: dict[str, set[str]]  # gold deal key -> canonical party names (folded)
    names: dict[str, str] = field(default_factory=dict)  # folded alias -> canonical

    def canonical(self, name: str) -> str:
        folded = " ".join(name.casefold().split())
        return self.names.get(folded, folded).casefold()


def read_dev(gold_path: Path = DEV_GOLD, work_dir: Path | None = None) -> Labelled:
    """Step 1: the pipeline's figures of the dev articles, labelled by the key."""
    from app.deal_evaluation.pipeline import build_warehouse, company_names, read_prediction
    from warehouse.db import connect
    from warehouse.deal_evaluation.gold import read_gold
    from warehouse.deal_evaluation.scoring import align
    from warehouse.resolution.store import read_inputs

    gold = read_gold(gold_path)
    with tempfile.TemporaryDirectory(prefix="tracker-resolution-train-") as folder:
        work = Path(work_dir) if work_dir else Path(folder)
        db = work / "deals.duckdb"
        if db.exists():
            doc_ids = json.loads((work / "doc_ids.json").read_text(encoding="utf-8"))
        else:
            db, doc_ids = build_warehouse(gold, work)
            (work / "doc_ids.json").write_text(json.dumps(doc_ids), encoding="utf-8")
        prediction = read_prediction(db, doc_ids)
        con = connect(db, read_only=True)
        try:
            figure_rows, mention_rows, document_rows = read_inputs(con)
        finally:
            con.close()
    articles = {a.id: a for a in gold.articles}
    deal_of, role_of = {}, {}
    for (article, index), predicted in align(gold, prediction).items():
        figure = articles[article].figures[index]
        role_of[predicted.figure_id] = figure.role
        if figure.is_commitment:
            deal_of[predicted.figure_id] = figure.deal
    names = company_names()
    labelled = Labelled(
        figure_rows, mention_rows, document_rows, deal_of, role_of,
        {doc_id: article for article, doc_id in doc_ids.items()},
        {key: deal.host for key, deal in gold.deals.items()}, {}, names,
    )
    labelled.parties = {
        key: {labelled.canonical(p.name) for p in deal.parties if p.role != "host_government"}
        for key, deal in gold.deals.items()
    }
    return labelled


# ---------------------------------------------------------------------------------------------
# folds
# ---------------------------------------------------------------------------------------------


def main_deals(data: Labelled) -> dict[str, str]:
    """doc_id -> its main gold deal (most of its commitment figures), or its own id."""
    counts: dict[str, Counter] = defaultdict(Counter)
    for row in data.figure_rows:
        deal = data.deal_of.get(row["commitment_id"])
        if deal:
            counts[row["doc_id"]][deal] += 1
    return {
        row["doc_id"]: (min(counts[row["doc_id"]], key=lambda d: (-counts[row["doc_id"]][d], d))
                        if counts[row["doc_id"]] else row["doc_id"])
        for row in data.document_rows
    }


def assign_folds(data: Labelled, folds: int) -> dict[str, int]:
    """doc_id -> fold: a deal's articles in one fold, deals spread by size (largest first)."""
    main = main_deals(data)
    sizes = Counter(main.values())
    load = [0] * folds
    fold_of_deal = {}
    for deal in sorted(sizes, key=lambda d: (-sizes[d], hashlib.sha256(d.encode()).hexdigest())):
        fold = min(range(folds), key=lambda k: (load[k], k))
        fold_of_deal[deal] = fold
        load[fold] += sizes[deal]
    return {doc_id: fold_of_deal[deal] for doc_id, deal in main.items()}


def subset(data: Labelled, doc_ids: set[str]) -> tuple[list[dict], list[dict], list[dict]]:
    return (
        [r for r in data.figure_rows if r["doc_id"] in doc_ids],
        [r for r in data.mention_rows if r["doc_id"] in doc_ids],
        [r for r in data.document_rows if r["doc_id"] in doc_ids],
    )


# ---------------------------------------------------------------------------------------------
# examples
# ---------------------------------------------------------------------------------------------


def oracle_frames(figures: list[Figure], data: Labelled) -> list[tuple[str, list[Figure]]]:
    """Each document's labelled commitment figures grouped by their gold deal."""
    groups: dict[tuple[str, str], list[Figure]] = defaultdict(list)
    for figure in figures:
        deal = data.deal_of.get(figure.commitment_id)
        if deal:
            groups[(figure.doc_id, deal)].append(figure)
    return [(deal, group) for (_, deal), group in sorted(groups.items())]


def host_examples(figures, docs, data) -> tuple[list[dict], list[int], list[str]]:
    rows, labels, groups = [], [], []
    for deal, group in oracle_frames(figures, data):
        host = data.hosts.get(deal)
        if not host:
            continue
        candidates = host_candidates(docs[group[0].doc_id], group)
        if host not in {c for c, _ in candidates}:
            continue
        for country, feats in candidates:
            rows.append(feats)
            labels.append(int(country == host))
            groups.append(f"{group[0].doc_id}/{deal}")
    return rows, labels, groups


def party_examples(figures, docs, data) -> tuple[list[dict], list[int]]:
    rows, labels = [], []
    for deal, group in oracle_frames(figures, data):
        gold = data.parties.get(deal, set())
        for company, _, feats in party_candidates(docs[group[0].doc_id], group):
            rows.append(feats)
            labels.append(int(data.canonical(company) in gold))
    return rows, labels


def within_examples(figures, docs, data) -> tuple[list[dict], list[int]]:
    rows, labels = [], []
    by_doc: dict[str, list[Figure]] = defaultdict(list)
    for figure in figures:
        if figure.commitment_id in data.deal_of:
            by_doc[figure.doc_id].append(figure)
    for doc_id, group in sorted(by_doc.items()):
        group.sort(key=lambda f: (f.start, f.commitment_id))
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                rows.append(within_features(a, b, docs[doc_id], group))
                labels.append(int(data.deal_of[a.commitment_id] == data.deal_of[b.commitment_id]))
    return rows, labels


def main_deal(frame, data: Labelled) -> str | None:
    """The gold deal most of a frame's labelled figures belong to (ties: the first by key)."""
    counts = Counter(data.deal_of[f.commitment_id] for f in frame.figures if f.commitment_id in data.deal_of)
    return min(counts, key=lambda d: (-counts[d], d)) if counts else None


def training_pairs(frames) -> list[tuple[int, int]]:
    """Pairs of frames of different documents sharing a host, a party, a project or a figure:
    broader than the resolver's blocking (clustering.blocking_keys asks for two of these at once),
    so the model also learns from the near misses blocking would not show it. Learning from the
    narrow pairs alone left the model too ready to merge (CV precision 0.857 against 0.924 at the
    same threshold)."""
    index: dict[tuple, set[int]] = defaultdict(set)
    for number, frame in enumerate(frames):
        keys = {("host", frame.host)} if frame.host else set()
        keys |= {("party", party) for party in frame.principals}
        keys |= {("project", frame.project.casefold())} if frame.project else set()
        keys |= {("figure", *bucket) for bucket in figure_buckets(frame)}
        for key in keys:
            index[key].add(number)
    pairs = set()
    for numbers in index.values():
        ordered = sorted(numbers)
        for x, i in enumerate(ordered):
            pairs.update((i, j) for j in ordered[x + 1:] if frames[i].doc_id != frames[j].doc_id)
    return sorted(pairs)


def cross_examples(frames, docs, corpus, data) -> tuple[list[dict], list[int]]:
    """Pairs of frames of different documents (training_pairs), positive when their main gold
    deals (main_deal) are one; frames with no labelled figure are left out."""
    rows, labels = [], []
    for i, j in training_pairs(frames):
        a, b = frames[i], frames[j]
        if a.doc_id == b.doc_id:
            continue
        deal_a, deal_b = main_deal(a, data), main_deal(b, data)
        if deal_a and deal_b:
            rows.append(frame_features(a, b, docs[a.doc_id], docs[b.doc_id], corpus))
            labels.append(int(deal_a == deal_b))
    return rows, labels


def fit(rows: list[dict], labels: list[int], threshold: float = 0.5) -> Component:
    """A logistic regression over the named features (scikit-learn, L2, C=REGULARISATION)."""
    from sklearn.linear_model import LogisticRegression

    names = sorted({name for row in rows for name in row})
    if len(set(labels)) < 2:
        return Component(bias=1.0 if labels and labels[0] else -1.0, weights={n: 0.0 for n in names},
                         threshold=threshold)
    matrix = [[row.get(name, 0.0) for name in names] for row in rows]
    regression = LogisticRegression(C=REGULARISATION, max_iter=2000)
    regression.fit(matrix, labels)
    weights = {name: round(float(w), 4) for name, w in zip(names, regression.coef_[0], strict=True)}
    return Component(bias=round(float(regression.intercept_[0]), 4), weights=weights, threshold=threshold)


# ---------------------------------------------------------------------------------------------
# fitting and scoring
# ---------------------------------------------------------------------------------------------


def prepare(data: Labelled, doc_ids: set[str]) -> tuple[dict[str, Document], list[Figure]]:
    figure_rows, mention_rows, document_rows = subset(data, doc_ids)
    docs = read_documents(document_rows, mention_rows)
    return docs, read_figures(figure_rows, docs)


def fit_model(data: Labelled, doc_ids: set[str], thresholds: dict[str, float],
              extra: tuple[Labelled, ...] = ()) -> Model:
    """All four components fitted on the given documents (frames for ``cross`` built with the
    fitted host, party and within components), plus every document of the ``extra`` labelled
    sets (training only: each set's frames are paired among themselves, never with dev's, since
    two sets' keys need not name a real deal alike)."""
    sets = [(data, *prepare(data, doc_ids))]
    sets += [(more, *prepare(more, {r["doc_id"] for r in more.document_rows})) for more in extra]

    def examples(make) -> tuple[list[dict], list[int]]:
        rows, labels = [], []
        for labelled, docs, figures in sets:
            more_rows, more_labels = make(figures, docs, labelled)[:2]
            rows += more_rows
            labels += more_labels
        return rows, labels

    model = Model()
    model.components["host"] = fit(*examples(host_examples), threshold=0.0)
    model.components["party"] = fit(*examples(party_examples), threshold=thresholds["party"])
    model.components["within"] = fit(*examples(within_examples), threshold=thresholds["within"])

    def cross(figures, docs, labelled) -> tuple[list[dict], list[int]]:
        frames = build_frames(figures, docs, model)
        corpus = Corpus.of(docs, [f for f in figures if f.is_commitment])
        return cross_examples(frames, docs, corpus, labelled)

    model.components["cross"] = fit(*examples(cross), threshold=thresholds["cross"])
    return model


def pair_counts(assignment: dict[str, str | None], data: Labelled, doc_of: dict[str, str]) -> tuple[int, int, int]:
    """(true, predicted, gold) pairs of labelled commitment figures from different documents."""
    gold: dict[str, Counter] = defaultdict(Counter)
    predicted: dict[str, Counter] = defaultdict(Counter)
    true: dict[tuple, Counter] = defaultdict(Counter)
    for cid, deal in data.deal_of.items():
        if cid not in doc_of:
            continue
        doc = doc_of[cid]
        gold[deal][doc] += 1
        cluster = assignment.get(cid)
        if cluster is not None:
            predicted[cluster][doc] += 1
            true[(deal, cluster)][doc] += 1

    def pairs(groups) -> int:
        total = 0
        for counts in groups.values():
            n = sum(counts.values())
            total += (n * n - sum(v * v for v in counts.values())) // 2
        return total

    return pairs(true), pairs(predicted), pairs(gold)


def resolve_fold(data: Labelled, doc_ids: set[str], scored_ids: set[str], model: Model,
                 cross_thresholds: list[float]) -> dict:
    """Resolve ``doc_ids`` (all documents: as in a real run, the held-out ones among the others)
    with the model at each cross threshold; count the pairs with at least one figure of
    ``scored_ids`` (the held-out documents) and the host hits of their deals."""
    from warehouse.resolution.describe import describe_deal

    docs, figures = prepare(data, doc_ids)
    frames = build_frames(figures, docs, model)
    corpus = Corpus.of(docs, [f for f in figures if f.is_commitment])
    doc_of = {f.commitment_id: f.doc_id for f in figures}
    unscored = {cid: doc for cid, doc in doc_of.items() if doc not in scored_ids}
    results = {}
    scored = score_frames(frames, docs, corpus, model)
    for threshold in cross_thresholds:
        deals = [describe_deal(g) for g in cluster_frames(frames, docs, corpus, model, threshold, scored)]
        assignment = {f.commitment_id: deal.deal_id for deal in deals for f in deal.figures}
        # pairs with at least one held-out figure: all pairs less those of training figures only
        counts = pair_counts(assignment, data, doc_of)
        if unscored:
            counts = tuple(a - b for a, b in zip(counts, pair_counts(assignment, data, unscored), strict=True))
        true, predicted, gold = counts
        hosts = host_hits([d for d in deals if any(f.doc_id in scored_ids for f in d.figures)], data,
                          {cid for cid, doc in doc_of.items() if doc in scored_ids})
        results[threshold] = {"true": true, "predicted": predicted, "gold": gold, **hosts}
    held_out = [f for f in figures if f.doc_id in scored_ids]
    within_true, within_predicted, within_gold = within_counts(frames, held_out, data)
    results["within"] = {"true": within_true, "predicted": within_predicted, "gold": within_gold}
    return results


def within_counts(frames, figures, data) -> tuple[int, int, int]:
    """Pairs of labelled figures of one document: same gold deal vs same frame."""
    frame_of = {f.commitment_id: (fr.doc_id, fr.index) for fr in frames for f in fr.figures}
    by_doc: dict[str, list[Figure]] = defaultdict(list)
    for figure in figures:
        if figure.commitment_id in data.deal_of:
            by_doc[figure.doc_id].append(figure)
    true = predicted = gold = 0
    for group in by_doc.values():
        for i, a in enumerate(group):
            for b in group[i + 1:]:
                same_gold = data.deal_of[a.commitment_id] == data.deal_of[b.commitment_id]
                frame = frame_of.get(a.commitment_id)
                same_frame = frame is not None and frame == frame_of.get(b.commitment_id)
                gold += same_gold
                predicted += same_frame
                true += same_gold and same_frame
    return true, predicted, gold


def host_hits(deals, data: Labelled, scored: set[str] | None = None) -> dict:
    """Gold deals (with a host) whose main predicted deal has that host first."""
    holding: dict[str, Counter] = defaultdict(Counter)
    host_of = {}
    for deal in deals:
        host_of[deal.deal_id] = deal.countries[0] if deal.countries else None
        for f in deal.figures:
            gold = data.deal_of.get(f.commitment_id)
            if gold and (scored is None or f.commitment_id in scored):
                holding[gold][deal.deal_id] += 1
    right = total = 0
    for gold, counts in holding.items():
        if not data.hosts.get(gold):
            continue
        total += 1
        main = min(counts, key=lambda d: (-counts[d], d))
        right += host_of[main] == data.hosts[gold]
    return {"host_right": right, "host_deals": total}


def f_beta(true: int, predicted: int, gold: int, beta: float = 1.0) -> tuple[float, float, float]:
    precision = true / predicted if predicted else 1.0
    recall = true / gold if gold else 1.0
    if precision + recall == 0:
        return precision, recall, 0.0
    b2 = beta * beta
    return precision, recall, (1 + b2) * precision * recall / (b2 * precision + recall)


def cross_validate(data: Labelled, folds: int, within_thresholds: list[float], party_threshold: float,
                   modes: list[str], extra: tuple[Labelled, ...] = ()) -> dict:
    """Per same-document rule, within threshold and cross threshold: summed pair counts over the
    held-out folds (each fold's model fitted on the others; all documents resolved together, as
    in a real run, and only the held-out documents' pairs counted)."""
    fold_of = assign_folds(data, folds)
    totals: dict[tuple, Counter] = defaultdict(Counter)
    for within in within_thresholds:
        for fold in range(folds):
            train = {d for d, k in fold_of.items() if k != fold}
            test = {d for d, k in fold_of.items() if k == fold}
            model = fit_model(data, train, {"party": party_threshold, "within": within, "cross": 0.5}, extra)
            for mode in modes:
                model.notes["same_document"] = mode
                for threshold, counts in resolve_fold(data, train | test, test, model, THRESHOLDS).items():
                    totals[(mode, within, threshold)].update(counts)
    return totals


def party_cross_validation(data: Labelled, folds: int) -> dict[float, tuple]:
    """Party threshold: F1 of party decisions on held-out folds."""
    fold_of = assign_folds(data, folds)
    counts: dict[float, Counter] = defaultdict(Counter)
    host_right = host_total = 0
    for fold in range(folds):
        train = {d for d, k in fold_of.items() if k != fold}
        test = {d for d, k in fold_of.items() if k == fold}
        docs, figures = prepare(data, train)
        party = fit(*party_examples(figures, docs, data))
        host_rows, host_labels, host_groups = host_examples(figures, docs, data)
        host = fit(host_rows, host_labels)
        docs, figures = prepare(data, test)
        rows, labels = party_examples(figures, docs, data)
        model = Model({"party": party, "host": host})
        for threshold in THRESHOLDS:
            for row, label in zip(rows, labels, strict=True):
                chosen = model.probability("party", row) >= threshold
                counts[threshold]["true"] += chosen and label
                counts[threshold]["predicted"] += chosen
                counts[threshold]["gold"] += label
        rows, labels, groups = host_examples(figures, docs, data)
        best: dict[str, tuple] = {}
        for row, label, group in zip(rows, labels, groups, strict=True):
            score = model.score("host", row)
            if group not in best or score > best[group][0]:
                best[group] = (score, label)
        host_right += sum(label for _, label in best.values())
        host_total += len(best)
    return {"party": {t: f_beta(c["true"], c["predicted"], c["gold"]) for t, c in counts.items()},
            "host_accuracy": host_right / host_total if host_total else 0.0, "host_frames": host_total}


def choose_setting(totals: dict, table: dict) -> tuple:
    """The (same-document rule, within threshold, cross threshold) to keep: the best F1 among the
    settings whose CV precision reaches PRECISION_FLOOR (a wrong merge misleads readers more than a
    split, so precision is held first and recall raised within it); with none, the best F0.5."""
    floor = [k for k in table if table[k][0] >= PRECISION_FLOOR]

    def f1(key) -> float:
        counts = totals[key]
        return f_beta(counts["true"], counts["predicted"], counts["gold"])[2]

    if floor:
        return max(floor, key=lambda k: (round(f1(k), 6), k[0] == "apart", -k[2], -k[1]))
    return max(table, key=lambda k: (round(table[k][2], 6), k[0] == "apart", -k[2], -k[1]))


def read_extra(path: Path, work_dir: Path | None, number: int) -> Labelled:
    """Another labelled set to learn from (``--also``); SAMPLE_KEY stands for the sample's deal
    key, converted to the gold format (warehouse.deal_evaluation.sample) in a temporary folder."""
    work = Path(work_dir) / f"also-{number}" if work_dir else None
    if work is not None:
        work.mkdir(parents=True, exist_ok=True)
    if path != SAMPLE_KEY:
        return read_dev(path, work)
    from warehouse.deal_evaluation.sample import write_sample_gold

    with tempfile.TemporaryDirectory(prefix="tracker-sample-key-") as folder:
        return read_dev(write_sample_gold(folder), work)


def describe_set(path: Path) -> str:
    return "the sample's deal key (sample/deals.toml)" if path == SAMPLE_KEY else trained_on(path)


def trained_on(gold: Path) -> str:
    """The gold set's path as stored in the notes: relative to the repository when inside it."""
    path = gold.resolve()
    return str(path.relative_to(REPO)) if path.is_relative_to(REPO) else str(gold)


def gold_arguments(parser: argparse.ArgumentParser) -> None:
    """The options every trainer on the development gold set takes (this one, app/deal_link_training.py)."""
    parser.add_argument("--gold", type=Path, default=DEV_GOLD, help="the development gold set (never the test part)")
    parser.add_argument("--folds", type=int, default=FOLDS)
    parser.add_argument("--work-dir", type=Path, help="keep (and reuse) the pipeline's warehouse here")


def is_blind(path: Path) -> bool:
    """Whether a gold set lies in the blind test part (a folder named test), which no trainer reads."""
    return "test" in path.resolve().parts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.resolution_training", description=__doc__.split("\n")[0])
    gold_arguments(parser)
    parser.add_argument("--out", type=Path, default=WEIGHTS)
    parser.add_argument("--also", type=Path, action="append", default=None, metavar="GOLD",
                        help="another labelled set to learn from, never scored (default: the sample's "
                             "key, sample/deals.toml; 'none' for none)")
    args = parser.parse_args(argv)
    also = [p for p in (args.also or [SAMPLE_KEY]) if str(p) != "none"]
    if any(is_blind(p) for p in [args.gold, *also] if p != SAMPLE_KEY):
        print("train: the blind test part is never used for training", file=sys.stderr)
        return 2
    data = read_dev(args.gold, args.work_dir)
    print(f"dev: {len(data.document_rows)} documents, {len(data.figure_rows)} figures, "
          f"{len(data.deal_of)} labelled commitments", file=sys.stderr)
    extra = tuple(read_extra(path, args.work_dir, number) for number, path in enumerate(also))
    for path, more in zip(also, extra, strict=True):
        print(f"also learned from {describe_set(path)}: {len(more.document_rows)} documents, "
              f"{len(more.deal_of)} labelled commitments", file=sys.stderr)
    side = party_cross_validation(data, args.folds)
    party_threshold = max(side["party"], key=lambda t: (side["party"][t][2], -t))
    print(f"host ranking, held out: {side['host_accuracy']:.3f} of {side['host_frames']} frames", file=sys.stderr)
    party = side["party"][party_threshold]
    print(f"party threshold {party_threshold:.2f}: P {party[0]:.3f} R {party[1]:.3f} F1 {party[2]:.3f}",
          file=sys.stderr)
    within_grid = WITHIN_GRID
    modes = ["apart", "within", "guarded"]
    totals = cross_validate(data, args.folds, within_grid, party_threshold, modes, extra)
    table = {
        key: f_beta(counts["true"], counts["predicted"], counts["gold"], CROSS_BETA)
        for key, counts in totals.items() if key[2] != "within"
    }
    best = choose_setting(totals, table)
    for mode in modes:
        for within in within_grid:
            w = totals[(mode, within, "within")]
            wp, wr, wf = f_beta(w["true"], w["predicted"], w["gold"])
            print(f"{mode} within {within:.2f}: frames P {wp:.3f} R {wr:.3f} F1 {wf:.3f}", file=sys.stderr)
            for threshold in THRESHOLDS:
                p, r, f = table[(mode, within, threshold)]
                hosts = totals[(mode, within, threshold)]
                mark = " <" if (mode, within, threshold) == best else ""
                f1 = f_beta(hosts["true"], hosts["predicted"], hosts["gold"])[2]
                print(f"  cross {threshold:.2f}: P {p:.3f} R {r:.3f} F1 {f1:.3f} F0.5 {f:.3f} host "
                      f"{hosts['host_right']}/{hosts['host_deals']}{mark}", file=sys.stderr)
    mode, within_best, cross_best = best
    chosen = totals[best]
    precision, recall, _ = f_beta(chosen["true"], chosen["predicted"], chosen["gold"])
    thresholds = {"party": party_threshold, "within": within_best, "cross": cross_best}
    model = fit_model(data, {r["doc_id"] for r in data.document_rows}, thresholds, extra)
    w = totals[(mode, within_best, "within")]
    model.notes = {
        "same_document": mode,
        "trained_on": trained_on(args.gold),
        "documents": len(data.document_rows),
        "labelled_commitments": len(data.deal_of),
        "also_trained_on": [describe_set(path) for path in also],
        "also_documents": sum(len(more.document_rows) for more in extra),
        "folds": args.folds,
        "cross_validation": {
            "pairwise_precision": round(precision, 4),
            "pairwise_recall": round(recall, 4),
            "host_right": f"{chosen['host_right']}/{chosen['host_deals']}",
            "within_document_pairs": dict(zip(("precision", "recall", "f1"),
                                              (round(v, 4) for v in f_beta(w["true"], w["predicted"], w["gold"])),
                                              strict=True)),
            "host_ranking_accuracy": round(side["host_accuracy"], 4),
            "party_precision_recall_f1": [round(v, 4) for v in side["party"][party_threshold]],
        },
        "thresholds": thresholds,
    }
    model.save(args.out)
    print(f"chosen: {mode}, within {within_best}, cross {cross_best}: CV pairwise precision {precision:.3f}, "
          f"recall {recall:.3f}; weights written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
