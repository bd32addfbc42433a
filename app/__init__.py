"""The use cases: one plain function per thing a user or a flow does, written once.

Rendering a draft or the readers' issue, approving a week, publishing an issue, crawling,
extracting and loading, building deals, recording a review. The command line and the review desk
(tracker/), the Prefect tasks (flows/tasks.py: names, retries and caching around these calls) and
the benchmarks all call these same functions. They call the layers below (spiders, nlp,
warehouse, newsletter_templates, common) and never Prefect.
"""
