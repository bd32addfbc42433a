"""The resolver's learned weights: four logistic regressions, stored as JSON (weights.json).

Each component (``host``, ``party``, ``within``, ``cross``: features.py) is a bias, one weight per
named feature and a decision threshold; a probability is the logistic function of the bias plus
the weighted features. The weights are learned by ``python -m app.resolution_training`` on the
development gold set and written to weights.json with the cross-validation scores that chose the
thresholds; nothing here is tuned by hand. Applying them needs no machine-learning library.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

WEIGHTS = Path(__file__).resolve().parent / "weights.json"
COMPONENTS = ("host", "party", "within", "cross")


@dataclass
class Component:
    bias: float = 0.0
    weights: dict[str, float] = field(default_factory=dict)
    threshold: float = 0.5

    def logit(self, features: dict) -> float:
        return self.bias + sum(self.weights.get(name, 0.0) * value for name, value in features.items())


def sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


@dataclass
class Model:
    components: dict[str, Component] = field(default_factory=dict)
    notes: dict = field(default_factory=dict)  # how the weights were learned, cross-validation scores

    def component(self, name: str) -> Component:
        return self.components.setdefault(name, Component())

    def score(self, name: str, features: dict) -> float:
        return self.component(name).logit(features)

    def probability(self, name: str, features: dict) -> float:
        return sigmoid(self.score(name, features))

    def threshold(self, name: str) -> float:
        return self.component(name).threshold

    def to_json(self) -> dict:
        return {
            "components": {
                name: {"bias": c.bias, "threshold": c.threshold, "weights": dict(sorted(c.weights.items()))}
                for name, c in sorted(self.components.items())
            },
            "notes": self.notes,
        }

    @classmethod
    def from_json(cls, data: dict) -> Model:
        components = {
            name: Component(bias=float(c["bias"]), weights={k: float(v) for k, v in c["weights"].items()},
                            threshold=float(c["threshold"]))
            for name, c in data.get("components", {}).items()
        }
        return cls(components, data.get("notes", {}))

    def save(self, path: Path = WEIGHTS) -> None:
        path.write_text(json.dumps(self.to_json(), indent=2, sort_keys=False) + "\n", encoding="utf-8")


_loaded: dict[Path, Model] = {}


def load_model(path: Path = WEIGHTS) -> Model:
    """The stored weights (read once per process)."""
    if path not in _loaded:
        _loaded[path] = Model.from_json(json.loads(path.read_text(encoding="utf-8")))
    return _loaded[path]
