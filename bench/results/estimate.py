"""An estimate with its confidence interval: a paired ratio, a gain, a change between runs.
Written by bench.stats, saved in results files, read by the model. Standard library only."""

from __future__ import annotations

import math
from typing import NamedTuple


class Estimate(NamedTuple):
    """A point estimate with its 95% interval (low and high None when there is none)."""

    value: float
    low: float | None
    high: float | None

    @property
    def half_width(self):
        """The interval's larger relative distance from the estimate (0.05: within +-5%);
        infinite without an interval."""
        if self.low is None or self.high is None:
            return math.inf
        return max(self.high / self.value - 1.0, 1.0 - self.low / self.value)

    def inverted(self):
        """The same estimate for the reciprocal (a ratio a/b read as b/a)."""
        return Estimate(1.0 / self.value, None if self.high is None else 1.0 / self.high,
                        None if self.low is None else 1.0 / self.low)
