"""One Evaluator per model, so that `Model.evaluate` reuses what the first call compiled.

Stage: engine (public API support).  Keyed by identity and holding the model
itself, so an entry can never answer for another model; the few most recent
models are kept.
"""

from __future__ import annotations

from collections import OrderedDict

from iamdsl.engine.evaluate import Evaluator
from iamdsl.model import Model

_KEEP = 4
_evaluators: OrderedDict[int, tuple[Model, Evaluator]] = OrderedDict()


def evaluator_for(model: Model) -> Evaluator:
    entry = _evaluators.get(id(model))
    if entry is not None and entry[0] is model:
        _evaluators.move_to_end(id(model))
        return entry[1]
    evaluator = Evaluator(model)
    _evaluators[id(model)] = (model, evaluator)
    while len(_evaluators) > _KEEP:
        _evaluators.popitem(last=False)
    return evaluator
