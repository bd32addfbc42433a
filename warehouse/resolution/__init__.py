"""Deal resolution as a package of pure parts (issue 15): frames per document, learned features
and weights, clustering with constraints, description; the database side apart (store.py).

``build_deals(con)`` has the signature and result of warehouse.deals.build_deals; the flow's
task picks one of the two with TRACKER_DEAL_RESOLVER ("rules" or "model").
"""

from warehouse.resolution.store import build_deals, plan_deals

__all__ = ["build_deals", "plan_deals"]
