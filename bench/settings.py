"""The timing settings of a run: how long a round lasts, how many interleaved cycles, the
workload's budget, the pure-Python budget; the default run's and `run --quick`'s."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from bench import schedule


@dataclass(frozen=True)
class Settings:
    """How long to time, how many interleaved cycles, and the pure-Python budget (seconds).

    A workload's arms (its implementations) are timed in interleaved cycles (bench/schedule.py):
    at least min_rounds cycles after warmup_rounds discarded ones, then more until every
    ratio's 95% interval is within +-precision, the workload's budget (benchmark_seconds per
    arm, at least min_workload_seconds) is spent, or max_rounds cycles were run."""

    min_round_seconds: float        # each timed round lasts at least this (epochs per round)
    benchmark_seconds: float        # the workload's budget: this much per arm
    min_rounds: int                 # cycles, at least (6: the fewest with a 95% interval)
    max_rounds: int                 # cycles, at most
    warmup_rounds: int              # cycles run first and discarded
    python_budget_seconds: float    # pure Python: estimated seconds one workload may take
    max_partial_round_seconds: float  # pure Python, partial: length of one timed round
    dgemm_n: int
    dgemm_rounds: int
    profile_seconds: float = 0.25   # training time profiled per implementation x workload
    precision: float = 0.05         # stop adding cycles when every ratio is within +-this
    min_workload_seconds: float = 4.0  # a workload's budget, at least (few arms, long rounds)

    def as_dict(self):
        return asdict(self)

    def rules(self, arms):
        """The schedule's stopping rules for a workload timed with this many arms."""
        return schedule.Rules(min_cycles=self.min_rounds, max_cycles=self.max_rounds,
                              budget_seconds=max(self.min_workload_seconds,
                                                 self.benchmark_seconds * arms),
                              precision=self.precision, warmup_cycles=self.warmup_rounds)


# Rounds of about the same length for every arm (whole epochs, or pure Python's prefix of
# batches), so that the rounds of a cycle are close together in time and see the same load.
DEFAULT_SETTINGS = Settings(min_round_seconds=0.05, benchmark_seconds=1.5, min_rounds=6,
                            max_rounds=60, warmup_rounds=1, python_budget_seconds=15.0,
                            max_partial_round_seconds=0.05, dgemm_n=1024, dgemm_rounds=15)
QUICK_SETTINGS = Settings(min_round_seconds=0.01, benchmark_seconds=0.12, min_rounds=6,
                          max_rounds=20, warmup_rounds=1, python_budget_seconds=1.5,
                          max_partial_round_seconds=0.02, dgemm_n=1024, dgemm_rounds=5,
                          profile_seconds=0.06, min_workload_seconds=0.3)
