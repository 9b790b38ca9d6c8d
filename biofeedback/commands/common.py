"""What every subcommand shares: the one-line error type and JSON cleaning."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..errors import UserError as UserError

PROG = "biofeedback"


def jsonable(value: Any) -> Any:
    """NumPy scalars to Python, NaN and infinities to None, recursively."""
    if isinstance(value, dict):
        return {k: jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value
