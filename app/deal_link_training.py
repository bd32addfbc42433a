"""Learn the deal linking (warehouse/deal_linking.py) on the development gold set.

``python -m app.deal_link_training`` (usage at the end).

Only the DEVELOPMENT part (tests/deals/gold/dev) is read and scored; the blind test part never
is. The sample's deal key (sample/deals.toml, our own articles) is learned from as well (``--also``,
as app/resolution_training.py does: training only, never scored): its deals include pairs dev has
few of (one company pair's two programmes in one country, sharing figures). Steps:

1. Run the real pipeline on the dev articles (``read_dev``: crawl output, load, extraction, in a
   warehouse under ``--work-dir``), read its figures as a rebuild does and run the leader
   clustering with the pieces of one story gathered (steps 1 to 3a of warehouse/deals.py, no
   linking).
2. Label each rules deal with the key's deal most of its labelled figures belong to, and each
   compared pair (``compared_pairs``) positive when both deals have the same one; pairs with a
   deal holding no labelled figure are not learned from.
3. Cross-validate by deal: articles are put in folds by their main deal (as app/resolution_training.py
   does), a rules deal goes with the fold most of its documents are in, and a pair is held out in
   its later deal's fold (never learned from in a fold where either deal is held out). Each
   fold's trees score its pairs; the whole set is then linked with the held-out probabilities at
   each threshold and scored: pairwise precision and recall over labelled figures of different
   documents, next to the leader clustering's own.
4. The threshold: among the thresholds from which precision is never measurably below the
   rules' own (at this threshold and every stricter one, no more than one standard error under
   it, over the rules' predicted pairs: a smaller difference is noise of the folds, and a dip of
   precision back into the band at one loose threshold is luck), the one with the highest F0.5
   (precision weighted twice: a wrong merge misleads readers more than a split). None: linking is
   off (threshold above 1).
   Fit on all pairs and write data/deal_links.json: the trees, the threshold, the CV figures.

    .venv/bin/python -m app.deal_link_training [--gold tests/deals/gold/dev] [--also GOLD|none] [--work-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
from collections import Counter
from pathlib import Path

from app.resolution_training import (
    SAMPLE_KEY,
    Labelled,
    assign_folds,
    describe_set,
    f_beta,
    gold_arguments,
    is_blind,
    pair_counts,
    read_dev,
    read_extra,
    trained_on,
)
from warehouse.deal_clustering import Clustering, Deal
from warehouse.deal_linking import (
    FEATURES,
    LINKS_FILE,
    LinkModel,
    Sketch,
    compared_pairs,
    deal_words,
    gather_pieces,
    link_groups,
)

THRESHOLDS = [round(0.05 * i, 2) for i in range(4, 20)]  # 0.2 .. 0.95
TREES = {"n_estimators": 100, "max_depth": 2, "learning_rate": 0.1, "min_samples_leaf": 20, "random_state": 0}


def rules_deals(db: Path) -> tuple[list[Deal], list[Sketch]]:
    """The leader clustering's deals of the warehouse, in founding order, with their sketches."""
    from warehouse.db import connect
    from warehouse.deals import read_figures

    con = connect(db, read_only=True)
    try:
        figures, contexts = read_figures(con)
    finally:
        con.close()
    clustering = Clustering(figures, contexts)
    clustering.run()
    gather_pieces(clustering)
    deals = sorted(clustering.deals, key=lambda d: d.order)
    return deals, [Sketch.of(d, deal_words(d, contexts)) for d in deals]


def majority(deal: Deal, data: Labelled) -> str | None:
    counts = Counter(data.deal_of[f.commitment_id] for f in deal.figures if f.commitment_id in data.deal_of)
    return min(counts, key=lambda k: (-counts[k], k)) if counts else None


def fit_trees(rows: list[list[float]], labels: list[int]):
    from sklearn.ensemble import GradientBoostingClassifier

    return GradientBoostingClassifier(**TREES).fit(rows, labels)


def export(trees, threshold: float) -> LinkModel:
    """The fitted trees as LinkModel node lists (their leaves scaled by the learning rate)."""
    prior = trees.init_.class_prior_[1]
    base = math.log(prior / (1 - prior))
    exported = []
    for (estimator,) in trees.estimators_:
        tree = estimator.tree_
        nodes = []
        for k in range(tree.node_count):
            leaf = tree.children_left[k] == -1
            nodes.append([
                -1 if leaf else int(tree.feature[k]),
                0.0 if leaf else round(float(tree.threshold[k]), 6),
                -1 if leaf else int(tree.children_left[k]),
                -1 if leaf else int(tree.children_right[k]),
                round(float(tree.value[k][0][0]) * trees.learning_rate, 6) if leaf else 0.0,
            ])
        exported.append(nodes)
    return LinkModel(round(base, 6), exported, threshold)


def scores(groups: list[int], deals: list[Deal], data: Labelled, doc_of: dict[str, str]) -> tuple[float, float, int]:
    """Pairwise precision and recall of a grouping of the rules deals, and its predicted pairs."""
    assignment = {f.commitment_id: groups[i] for i, d in enumerate(deals) for f in d.figures}
    true, predicted, gold = pair_counts(assignment, data, doc_of)
    precision, recall, _ = f_beta(true, predicted, gold)
    return precision, recall, predicted


def precision_floor(precision: float, predicted: int) -> float:
    """The lowest precision not measurably below ``precision`` measured over ``predicted`` pairs:
    one standard error below it (a fold split or a few articles more move it that much)."""
    return precision - math.sqrt(precision * (1 - precision) / predicted) if predicted else precision


def choose_threshold(table: dict[float, tuple], floor: float) -> float | None:
    """Step 4: ``table`` maps each threshold to its cross-validated (precision, recall, ...)."""
    ordered = sorted(table)
    allowed = [t for t in ordered if all(table[u][0] >= floor for u in ordered if u >= t)]
    return max(allowed, key=lambda t: (weighted_f(*table[t][:2]), t)) if allowed else None


def weighted_f(precision: float, recall: float) -> float:
    """F with precision weighted twice as much as recall (F0.5): a wrong merge misleads readers more
    than a split."""
    return 1.25 * precision * recall / (0.25 * precision + recall) if precision + recall else 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.deal_link_training", description=__doc__.split("\n")[0])
    gold_arguments(parser)
    parser.add_argument("--out", type=Path, default=LINKS_FILE)
    parser.add_argument("--also", type=Path, action="append", default=None, metavar="GOLD",
                        help="another labelled set to learn from, never scored (default: the sample's "
                             "key, sample/deals.toml; 'none' for none)")
    args = parser.parse_args(argv)
    also = [p for p in (args.also or [SAMPLE_KEY]) if str(p) != "none"]
    if any(is_blind(p) for p in [args.gold, *also] if p != SAMPLE_KEY):
        print("train: the blind test part is never used for training", file=sys.stderr)
        return 2
    extra_rows: list[list[float]] = []
    extra_labels: list[int] = []
    with tempfile.TemporaryDirectory(prefix="tracker-deal-links-") as folder:
        work = args.work_dir or Path(folder)
        work.mkdir(parents=True, exist_ok=True)
        data = read_dev(args.gold, work)
        deals, sketches = rules_deals(work / "deals.duckdb")
        for number, path in enumerate(also):
            more = read_extra(path, work, number)
            more_deals, more_sketches = rules_deals(work / f"also-{number}" / "deals.duckdb")
            more_labels = [majority(d, more) for d in more_deals]
            more_pairs, more_rows = compared_pairs(more_deals, more_sketches)
            for (i, j), row in zip(more_pairs, more_rows, strict=True):
                if more_labels[i] and more_labels[j]:
                    extra_rows.append(row)
                    extra_labels.append(int(more_labels[i] == more_labels[j]))
            print(f"also learned from {describe_set(path)}: {len(more_deals)} rules deals, "
                  f"{len(more_pairs)} compared pairs", file=sys.stderr)
    doc_of = {f.commitment_id: f.doc_id for d in deals for f in d.figures}
    labels_of = [majority(d, data) for d in deals]
    fold_of_doc = assign_folds(data, args.folds)
    fold_of = []
    for d in deals:
        counts = Counter(fold_of_doc.get(doc, 0) for doc in d.docs)
        fold_of.append(min(counts, key=lambda k: (-counts[k], k)) if counts else 0)
    pairs, rows = compared_pairs(deals, sketches)
    labelled = [k for k, (i, j) in enumerate(pairs) if labels_of[i] and labels_of[j]]
    label = {k: int(labels_of[pairs[k][0]] == labels_of[pairs[k][1]]) for k in labelled}
    print(f"dev: {len(deals)} rules deals, {len(pairs)} compared pairs, {len(labelled)} labelled "
          f"({sum(label.values())} one deal)", file=sys.stderr)
    held_out = [0.0] * len(pairs)
    for fold in range(args.folds):
        train = [k for k in labelled if fold not in (fold_of[pairs[k][0]], fold_of[pairs[k][1]])]
        test = [k for k, (_, j) in enumerate(pairs) if fold_of[j] == fold]
        model = export(fit_trees([rows[k] for k in train] + extra_rows, [label[k] for k in train] + extra_labels),
                       1.0)
        for k, p in zip(test, model.probabilities([rows[k] for k in test]), strict=True):
            held_out[k] = float(p)
    base = scores(list(range(len(deals))), deals, data, doc_of)
    floor = precision_floor(base[0], base[2])
    print(f"leader clustering alone: P {base[0]:.3f} R {base[1]:.3f} (precision floor {floor:.3f})",
          file=sys.stderr)
    table = {}
    scored = dict(zip(pairs, held_out, strict=True))
    for threshold in THRESHOLDS:
        table[threshold] = scores(link_groups(len(deals), scored, threshold), deals, data, doc_of)
    chosen = choose_threshold(table, floor)
    for threshold in THRESHOLDS:
        p, r, _ = table[threshold]
        print(f"  linked at {threshold:.2f}: P {p:.3f} R {r:.3f}{' <' if threshold == chosen else ''}", file=sys.stderr)
    fitted = fit_trees([rows[k] for k in labelled] + extra_rows, [label[k] for k in labelled] + extra_labels)
    final = export(fitted, chosen if chosen is not None else 1.01)
    sample = [rows[k] for k in labelled]
    if any(abs(ours - theirs) > 1e-4 for ours, theirs in zip(
            final.probabilities(sample), fitted.predict_proba(sample)[:, 1], strict=True)):
        print("train: the exported trees do not give scikit-learn's probabilities", file=sys.stderr)
        return 1
    notes = {
        "trained_on": trained_on(args.gold),
        "rules_deals": len(deals),
        "compared_pairs": len(pairs),
        "labelled_pairs": len(labelled),
        "one_deal_pairs": sum(label.values()),
        "also_learned_from": [describe_set(path) for path in also],
        "also_labelled_pairs": len(extra_labels),
        "also_one_deal_pairs": sum(extra_labels),
        "folds": args.folds,
        "trees": TREES,
        "cross_validation": {
            "leader_clustering": {"precision": round(base[0], 4), "recall": round(base[1], 4),
                                  "precision_floor": round(floor, 4)},
            "linked": ({"precision": round(table[chosen][0], 4), "recall": round(table[chosen][1], 4)}
                       if chosen is not None else None),
        },
    }
    args.out.write_text(json.dumps({
        "_comment": "Written by app/deal_link_training.py; read by warehouse/deal_linking.py.",
        "features": list(FEATURES), "threshold": final.threshold, "base": final.base, "notes": notes,
        "trees": final.trees,
    }, indent=None, separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"threshold {final.threshold}: written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
