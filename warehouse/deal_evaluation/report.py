"""The deal evaluation for people: the scores as a short table, and the errors behind them.

``list_errors`` says, per gold deal, where its figures went (which predicted deal, none, or not
extracted) and what is wrong with its main predicted deal (host, parties); per article, which gold
figures were not extracted, which context figures became deal figures and which deal figures the
key does not list. ``format_report`` and ``format_errors`` print them (``tracker eval --deals``).
"""

from __future__ import annotations

from warehouse.deal_evaluation.gold import GoldFigure
from warehouse.deal_evaluation.scoring import PredictedFigure, Scorer, same_figure


def _figure_place(scorer: Scorer, figure: GoldFigure) -> str | None:
    """The predicted deal of a gold figure, "" when extracted but in no deal, None when not extracted."""
    found = scorer.match(figure)
    if found is None:
        return None
    return found.deal or ""


def deal_errors(scorer: Scorer) -> list[dict]:
    """One entry per gold deal that is not one right predicted deal of its own, in key order."""
    errors = []
    for key in scorer.scored_deals():
        deal = scorer.gold.deals[key]
        problems = scorer.deal_problems(key)
        main = scorer.main_deal(key)
        predicted_host = main.countries[0] if main is not None and main.countries else None
        if deal.host and predicted_host != deal.host:
            problems.append(f"host {predicted_host or 'none'}, not {deal.host}")
        gold_names = scorer.gold_parties(key)
        predicted_names = {scorer.canonical(c): c for c in main.companies} if main is not None else {}
        missing = sorted(p.name for p in deal.parties if scorer.canonical(p.name) in gold_names - set(predicted_names))
        missing = list(dict.fromkeys(missing))
        extra = sorted(name for folded, name in predicted_names.items() if folded not in gold_names)
        if missing:
            problems.append(f"parties missing: {', '.join(missing)}")
        if extra:
            problems.append(f"other companies: {', '.join(extra)}")
        if not problems:
            continue
        errors.append({
            "deal": key,
            "title": deal.title,
            "host": deal.host,
            "problems": problems,
            "main_deal": main.deal_id if main is not None else None,
            "main_title": main.title if main is not None else None,
            "main_countries": list(main.countries) if main is not None else [],
            "main_companies": list(main.companies) if main is not None else [],
            "figures": [
                {"article": f.article, "figure": f.describe(), "predicted_deal": _figure_place(scorer, f)}
                for f in scorer.by_deal[key]
            ],
        })
    return errors


def article_errors(scorer: Scorer) -> list[dict]:
    """One entry per article with a gold figure not extracted, a context figure in a deal, or a
    deal figure the key does not list (a repeat of a listed figure does not count), in file order."""
    by_article: dict[str, list[PredictedFigure]] = {}
    for figure in scorer.prediction.figures:
        by_article.setdefault(figure.article, []).append(figure)
    matched_ids = {found.figure_id for found in scorer.matches.values()}
    missing_articles = set(scorer.prediction.missing_articles)
    errors = []
    for article in scorer.gold.articles:
        entry: dict = {"article": article.id, "outlet": article.outlet}
        if article.id in missing_articles:
            entry["not_stored"] = True
        lost = [f for f in article.figures if scorer.match(f) is None]
        if lost:
            entry["not_extracted"] = [{"figure": f.describe(), "role": f.role, "deal": f.deal} for f in lost]
        context = [f for f in article.figures if not f.is_commitment and scorer.predicted_deal(f)]
        if context:
            entry["context_in_deals"] = [
                {"figure": f.describe(), "what": f.what, "predicted_deal": scorer.predicted_deal(f),
                 "title": _deal_title(scorer, scorer.predicted_deal(f)), "shown": scorer.match(f).shown}
                for f in context
            ]
        unlisted = [
            p for p in by_article.get(article.id, [])
            if p.deal and p.figure_id not in matched_ids and not any(same_figure(g, p) for g in article.figures)
        ]
        if unlisted:
            entry["unlisted_in_deals"] = [
                {"figure": f"{p.kind} {p.amount:_.0f}{' ' + p.currency if p.currency else ''} (\"{p.surface}\")",
                 "predicted_deal": p.deal, "title": _deal_title(scorer, p.deal)}
                for p in unlisted
            ]
        if len(entry) > 2:
            errors.append(entry)
    return errors


def _deal_title(scorer: Scorer, deal_id: str | None) -> str:
    deal = scorer.prediction.deals.get(deal_id or "")
    return deal.title if deal is not None else ""


def list_errors(scorer: Scorer) -> dict:
    return {"deals": deal_errors(scorer), "articles": article_errors(scorer)}


def _share(part: int, whole: int, value: float) -> str:
    return f"{value:6.3f}  ({part}/{whole})"


def format_report(report: dict) -> str:
    """The scores as an aligned table, one metric a line, with the counts behind each."""
    figures, pairwise = report["figures"], report["pairwise"]
    kept, host = report["multi_article_deals"], report["host"]
    parties, context = report["parties"], report["context_as_deal_figures"]
    predicted = report["predicted_deals"]
    rows = [
        ("figures extracted (recall)", _share(figures["matched"], figures["gold"], figures["recall"])
         + f"  commitments {figures['commitment']['recall']:.3f}, context {figures['context']['recall']:.3f}"),
        ("pairwise precision", _share(pairwise["true_pairs"], pairwise["predicted_pairs"], pairwise["precision"])),
        ("pairwise recall", _share(pairwise["true_pairs"], pairwise["gold_pairs"], pairwise["recall"])
         + f"  of extracted pairs {pairwise['recall_matched']:.3f}"),
        ("pairwise F1", f"{pairwise['f1']:6.3f}"),
        ("multi-article deals kept whole", _share(kept["kept_whole"], kept["deals"], kept["share"])),
        ("host country right", _share(host["right"], host["deals"], host["share"])
         + (f"  ({host['without_host']} deal(s) without a host left out)" if host["without_host"] else "")),
        ("principal parties recall", _share(parties["right"], parties["gold"], parties["recall"])),
        ("principal parties precision", _share(parties["right"], parties["predicted"], parties["precision"])),
        ("context figures as deal figures", _share(context["shown"], context["context"], context["share"])
         + f"  {context['as_headline']} as a headline figure; {context['in_deals']} evidence of a deal, "
         + f"{context['in_deals'] - context['shown']} of them marked context"),
        ("predicted deals",
         f"{predicted['deals']:6d}  ({predicted['without_gold_commitment']} with no gold commitment)"),
    ]
    width = max(len(name) for name, _ in rows)
    lines = [f"deal evaluation of {report['gold']}: {report['articles']} articles, {report['gold_deals']} deals, "
             f"{figures['gold']} figures ({figures['commitment']['gold']} commitments)"]
    lines += [f"{name:<{width}}  {value}" for name, value in rows]
    if report["articles_not_stored"]:
        lines.append(f"articles not stored by the load: {', '.join(report['articles_not_stored'])}")
    return "\n".join(lines)


def _where(place: str | None) -> str:
    return "not extracted" if place is None else (place or "in no deal")


def format_errors(errors: dict) -> str:
    """The errors of ``list_errors``: deals first (each figure and where it went), then articles."""
    lines = [f"deals with errors: {len(errors['deals'])}"]
    for entry in errors["deals"]:
        lines.append("")
        lines.append(f"[{entry['deal']}] {entry['title']} (host {entry['host'] or 'none'})")
        for problem in entry["problems"]:
            lines.append(f"  ! {problem}")
        if entry["main_deal"]:
            lines.append(f"  main predicted deal {entry['main_deal']}: {entry['main_title']} "
                         f"[{', '.join(entry['main_countries'])}] {', '.join(entry['main_companies'])}")
        for figure in entry["figures"]:
            lines.append(f"  {figure['article']} {figure['figure']} -> {_where(figure['predicted_deal'])}")
    lines.append("")
    lines.append(f"articles with errors: {len(errors['articles'])}")
    for entry in errors["articles"]:
        lines.append("")
        not_stored = " (not stored by the load)" if entry.get("not_stored") else ""
        lines.append(f"[{entry['article']}] {entry['outlet']}{not_stored}")
        for item in entry.get("not_extracted", []):
            lines.append(f"  - not extracted: {item['figure']} ({item['deal'] or item['role']})")
        for item in entry.get("context_in_deals", []):
            lines.append(f"  + context {'as a deal figure' if item['shown'] else 'kept, marked context'}: "
                         f"{item['figure']} ({item['what']}) in "
                         f"{item['predicted_deal']}: {item['title']}")
        for item in entry.get("unlisted_in_deals", []):
            lines.append(f"  + deal figure not in the key: {item['figure']} in {item['predicted_deal']}: "
                         f"{item['title']}")
    return "\n".join(lines)
