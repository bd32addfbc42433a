"""Learn ``nlp/data/role_weights.json`` (the roles component's model) from labelled figures, and
measure how well figures get their role.

Run by hand (a development tool: the extraction runtime only reads the JSON):

    .venv/bin/python nlp/data/build_roles.py                       # learn on the dev gold, rewrite the JSON
    .venv/bin/python nlp/data/build_roles.py --check               # exit 1 when the JSON is not what it learns
    .venv/bin/python nlp/data/build_roles.py --measure tests/deals/gold/dev             # role scores now
    .venv/bin/python nlp/data/build_roles.py --measure tests/deals/gold/dev --baseline  # all "commitment"

What it learns from: the deal gold set's development part (``tests/deals/gold/dev``, never the
blind test part), where every figure of every article is labelled ``commitment`` or ``context``.
Each article runs through the real pipeline; every figure statement the extractor finds is aligned
to the gold figures the way the deal evaluation aligns them (``warehouse.deal_evaluation.scoring``:
same kind and currency, within 1 %, nearest in the text), and the aligned statements, described by
the component's own signals (``RoleClassifier.describe``), are the training rows.

The model: an L2-regularised logistic regression (scikit-learn) over binary signals, chosen for
being small, readable (one weight per cue family and scope, written to the JSON) and hard to overfit
with a few hundred rows. The regularisation strength and the two cue windows are picked by
cross-validation over groups of articles (articles about the same deal stay in the same fold, so a
story told by five outlets cannot be learned from four and tested on the fifth; five different
splits pooled, since one split moves accuracy by a point or two by luck); the threshold is 0.5.
The cross-validated scores are written next to the weights: they, not the scores on the training
rows, say what to expect on new text.

``--measure GOLD`` runs the extractor (``nlp.extract.extract_records``, the output users see) on a
gold set and aligns its commitments the same way: role accuracy, context recall (gold context
figures called context) and commitment recall (gold commitments called commitment), over the gold
figures the extractor found. It prints numbers only.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
import zlib
from pathlib import Path

import numpy

from nlp.extract import extract_records, load_pipeline, make_doc
from nlp.roles import COMMITMENT, CONTEXT, DECISIVE, VALUE_KEYS
from nlp.tokens import IDX_COLUMN, static_arrays
from warehouse.deal_evaluation.gold import GoldSet, read_gold
from warehouse.deal_evaluation.scoring import PredictedFigure, align_article

REPO = Path(__file__).resolve().parents[2]
OUTPUT = Path(__file__).resolve().parent / "role_weights.json"
CUES = Path(__file__).resolve().parent / "role_cues.json"
DEV_GOLD = REPO / "tests" / "deals" / "gold" / "dev"
WINDOWS_BEFORE = (3, 6, 10)  # cue windows tried before the figure, in tokens
WINDOWS_AFTER = (2, 4, 6)  # and after it
STRENGTHS = (0.3, 0.5, 0.7, 1.0, 3.0)  # inverse regularisation strengths (C) tried
FOLDS = 5
REPEATS = 5  # cross-validation splits pooled (each: FOLDS folds by story)
THRESHOLD = 0.5  # context when more likely than not (cross-validated accuracy is flat from 0.4 to 0.65)
THRESHOLDS = (0.4, 0.5, 0.6, 0.7, 0.8)  # the trade-off written next to the weights, for consumers
DIGITS = 4  # weights are written rounded, so a rerun writes the same file


def record_of(article) -> dict:
    return {"id": article.id, "title": article.title, "text": article.text, "published": article.published}


def predicted_figures(article_id: str, items: list[tuple[int, dict]]) -> list[PredictedFigure]:
    """Figures as the deal evaluation sees them: ``items`` are (character start, figure)."""
    found = []
    for number, (start, figure) in enumerate(items):
        kind = figure["kind"]
        found.append(PredictedFigure(f"{article_id}#{number}", article_id, kind, float(figure[VALUE_KEYS[kind]]),
                                     figure.get("currency"), start))
    return found


# -- training rows --------------------------------------------------------------------------------
def analyse(gold: GoldSet):
    """(article, doc) per gold article, through the whole pipeline."""
    nlp = load_pipeline()
    for article in gold.articles:
        doc = make_doc(nlp, record_of(article))
        for _, pipe in nlp.pipeline:
            doc = pipe(doc)
        yield article, doc


def training_rows(analysed, window_before: int, window_after: int):
    """(signals, is_context, group) per gold figure the extractor found (its aligned statement)."""
    roles = load_pipeline().get_pipe("tracker_roles")
    rows = []
    for article, doc in analysed:
        described = roles.describe(doc, window_before, window_after)
        starts = static_arrays(doc)[0][:, IDX_COLUMN]
        predicted = predicted_figures(article.id, [(int(starts[start]), figure) for start, _, figure, _ in described])
        group = story_of(article)
        for index, match in align_article(article, predicted).items():
            number = int(match.figure_id.rsplit("#", 1)[1])
            gold_figure = article.figures[index]
            signals = dict(described[number][3])
            if DECISIVE in signals:  # the cue as written, for the report of decisive cues
                signals[DECISIVE] = doc[slice(*signals[DECISIVE])].text
            rows.append((signals, gold_figure.role == CONTEXT, group))
    return rows


def story_of(article) -> str:
    """The cross-validation group of an article: the deal of its first commitment (articles about
    one deal stay together), else the article itself."""
    for figure in article.figures:
        if figure.deal:
            return figure.deal
    return article.id


def matrix(rows, names: list[str]) -> numpy.ndarray:
    index = {name: i for i, name in enumerate(names)}
    x = numpy.zeros((len(rows), len(names)))
    for r, (signals, _, _) in enumerate(rows):
        for signal in signals:
            if signal in index:
                x[r, index[signal]] = 1.0
    return x


def fit(x, y, strength):
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=strength, solver="lbfgs", max_iter=5000)
    model.fit(x, y)
    return model


def scores(y: numpy.ndarray, context: numpy.ndarray) -> dict:
    """Role accuracy, context recall and commitment recall of predictions ``context`` (bool)."""
    right = y == context
    return {
        "figures": int(len(y)),
        "accuracy": round(float(right.mean()) if len(y) else 1.0, 3),
        "context_recall": round(float(right[y].mean()) if y.any() else 1.0, 3),
        "commitment_recall": round(float(right[~y].mean()) if (~y).any() else 1.0, 3),
    }


def split_decisive(rows):
    """(rows a decisive cue decides: context by rule, rows left to the model)."""
    return [r for r in rows if DECISIVE in r[0]], [r for r in rows if DECISIVE not in r[0]]


def fold_of(group: str, repeat: int) -> int:
    """The fold of a story in one repeat: a hash of both, so folds are fixed from run to run."""
    return zlib.crc32(f"{repeat}:{group}".encode()) % FOLDS


def cross_validate(rows, strength: float) -> tuple[dict, float, numpy.ndarray, numpy.ndarray]:
    """Scores of out-of-fold predictions (folds by story, ``REPEATS`` different splits pooled)
    over all rows, the decisive ones called context by rule; the model's mean log loss over the
    others; and the labels and out-of-fold probabilities of context of all rows, once per repeat
    (1 for the decisive ones). One split of a few hundred stories moves accuracy by a point or
    two either way; pooled repeats do not, so windows and strength are picked on signal, not luck."""
    ruled, rows = split_decisive(rows)
    y = numpy.array([label for _, label, _ in rows])
    groups = [group for _, _, group in rows]
    ruled_y = numpy.array([label for _, label, _ in ruled], dtype=bool)
    every_y, every_p, losses = [], [], []
    for repeat in range(REPEATS):
        folds = numpy.array([fold_of(group, repeat) for group in groups])
        probability = numpy.zeros(len(rows))
        for fold in range(FOLDS):
            train, test = numpy.flatnonzero(folds != fold), numpy.flatnonzero(folds == fold)
            names = sorted({s for i in train for s in rows[i][0]})
            model = fit(matrix([rows[i] for i in train], names), y[train], strength)
            probability[test] = model.predict_proba(matrix([rows[i] for i in test], names))[:, 1]
        clipped = numpy.clip(probability, 1e-6, 1 - 1e-6)
        losses.append(float(-numpy.mean(y * numpy.log(clipped) + (~y) * numpy.log(1 - clipped))))
        every_y += [y, ruled_y]
        every_p += [probability, numpy.ones(len(ruled))]
    every_y, every_p = numpy.concatenate(every_y), numpy.concatenate(every_p)
    result = scores(every_y, every_p >= THRESHOLD)
    result["figures"] = len(rows) + len(ruled)
    return result, float(numpy.mean(losses)), every_y, every_p


def trade_off(y: numpy.ndarray, probability: numpy.ndarray, figures: int) -> dict:
    """Out-of-fold scores at other thresholds: what a consumer that needs fewer commitments lost
    (or more context caught) would get."""
    return {f"{threshold:.1f}": {**scores(y, probability >= threshold), "figures": figures}
            for threshold in THRESHOLDS}


def report_decisive(rows) -> dict:
    """How often each decisive cue was right (the figure is gold context) on the rows."""
    found: dict[str, list[int]] = {}
    for signals, label, _ in rows:
        if DECISIVE in signals:
            right = found.setdefault(signals[DECISIVE].lower(), [0, 0])
            right[0] += int(label)
            right[1] += 1
    return {cue: f"{right}/{total}" for cue, (right, total) in sorted(found.items())}


def learn(gold_path: Path, quiet: bool = False) -> dict:
    """The model file's content, learned on the gold set at ``gold_path``."""
    gold = read_gold(gold_path)
    analysed = list(analyse(gold))
    best = None
    for window_before in WINDOWS_BEFORE:
        for window_after in WINDOWS_AFTER:
            rows = training_rows(analysed, window_before, window_after)
            for strength in STRENGTHS:
                result, loss, _, _ = cross_validate(rows, strength)
                key = loss
                if not quiet:
                    print(f"  before {window_before:2d} after {window_after} C {strength:<5} "
                          f"accuracy {result['accuracy']:.3f} context {result['context_recall']:.3f} "
                          f"commitment {result['commitment_recall']:.3f} log loss {loss:.4f}", file=sys.stderr)
                if best is None or key < best[0]:
                    best = (key, window_before, window_after, strength, rows, result)
    _, window_before, window_after, strength, every_row, _ = best
    result, _, cv_y, cv_probability = cross_validate(every_row, strength)
    decisive = report_decisive(every_row)
    if not quiet:
        print(f"decisive cues, right/used on the dev figures: {decisive}", file=sys.stderr)
    _, rows = split_decisive(every_row)
    y = numpy.array([label for _, label, _ in rows])
    names = sorted({s for signals, _, _ in rows for s in signals})
    model = fit(matrix(rows, names), y, strength)
    rounded = {name: round(float(w), DIGITS) for name, w in zip(names, model.coef_[0], strict=True)}
    weights = {name: w for name, w in rounded.items() if w}
    ruled_y = numpy.array([label for signals, label, _ in every_row if DECISIVE in signals], dtype=bool)
    training = scores(numpy.concatenate([y, ruled_y]),
                      numpy.concatenate([model.predict_proba(matrix(rows, names))[:, 1] >= THRESHOLD,
                                         numpy.ones(len(ruled_y), dtype=bool)]))
    check_leanings(weights)
    return {
        "_comment": "Generated by nlp/data/build_roles.py (do not edit by hand): the logistic model of "
                    "nlp/roles.py. A figure's signals (cue family@scope, place, parties, years, figure) add "
                    "their weights to the bias; the probability of context is the logistic of the sum, and a "
                    "figure is context at or above the threshold. Positive weights pull towards context.",
        "_trained_on": {"gold": str(gold_path.relative_to(REPO)) if gold_path.is_relative_to(REPO) else str(gold_path),
                        "articles": len(gold.articles), "figures": len(every_row),
                        "decided_by_decisive_cues": len(every_row) - len(rows),
                        "context_figures": int(sum(label for _, label, _ in every_row)),
                        "regularisation_C": strength},
        "_decisive_cues_right": decisive,
        "_cross_validated": result,
        "_cross_validated_by_threshold": trade_off(cv_y, cv_probability, result["figures"]),
        "_on_training_rows": training,
        "window_before": window_before,
        "window_after": window_after,
        "bias": round(float(model.intercept_[0]), DIGITS),
        "threshold": THRESHOLD,
        "weights": dict(sorted(weights.items(), key=lambda item: (-abs(item[1]), item[0]))),
    }


def check_leanings(weights: dict[str, float]) -> None:
    """Warn when a cue family's near weights point away from the role it was written for."""
    families = json.loads(CUES.read_text(encoding="utf-8"))["families"]
    for family, spec in families.items():
        near = [weights.get(f"{family}@{scope}", 0.0) for scope in ("before", "after")]
        pull = sum(near)
        if (spec["leans"] == CONTEXT and pull < 0) or (spec["leans"] == COMMITMENT and pull > 0):
            warnings.warn(f"cue family {family!r} leans {spec['leans']} but its near weights sum to {pull:+.3f}",
                          stacklevel=1)


def render(model: dict) -> str:
    return json.dumps(model, indent=2, ensure_ascii=False) + "\n"


# -- measuring ------------------------------------------------------------------------------------
def measure(gold_path: Path, baseline: bool = False) -> dict:
    """Role scores of the extractor's output on a gold set (``baseline``: everything a commitment)."""
    gold = read_gold(gold_path)
    lines = {line["id"]: line for line in extract_records(record_of(a) for a in gold.articles)}
    y, context = [], []
    for article in gold.articles:
        items = lines[article.id]["commitments"]
        predicted = predicted_figures(article.id, [(item["start"], item) for item in items])
        for index, match in align_article(article, predicted).items():
            item = items[int(match.figure_id.rsplit("#", 1)[1])]
            y.append(article.figures[index].role == CONTEXT)
            context.append(not baseline and item.get("role") == CONTEXT)
    y_array, context_array = numpy.array(y, dtype=bool), numpy.array(context, dtype=bool)
    result = scores(y_array, context_array)
    gold_figures = sum(len(a.figures) for a in gold.articles)
    result["gold_figures"] = gold_figures
    result["gold_context"] = sum(1 for a in gold.articles for f in a.figures if f.role == CONTEXT)
    result["context_found"] = int(y_array.sum())
    result["context_precision"] = round(float(y_array[context_array].mean()) if context_array.any() else 1.0, 3)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gold", type=Path, default=DEV_GOLD, help="labelled gold set to learn from (default: dev)")
    parser.add_argument("--check", action="store_true", help="exit 1 when role_weights.json is out of date")
    parser.add_argument("--measure", type=Path, help="print the role scores of the current model on this gold set")
    parser.add_argument("--baseline", action="store_true", help="with --measure: score 'everything a commitment'")
    args = parser.parse_args(argv)
    if args.measure is not None:
        print(json.dumps(measure(args.measure, args.baseline), indent=2))
        return 0
    text = render(learn(args.gold.resolve(), quiet=args.check))
    if args.check:
        if OUTPUT.read_text(encoding="utf-8") != text:
            print(f"{OUTPUT}: out of date; run nlp/data/build_roles.py", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    model = json.loads(text)
    print(f"wrote {OUTPUT}: {len(model['weights'])} weights; cross-validated {model['_cross_validated']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
