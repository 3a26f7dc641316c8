"""Timing and memory: medians of repeated perf_counter runs, tracemalloc peaks, ru_maxrss."""

import gc
import resource
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Timing:
    """Seconds per run, one sample per repetition."""

    samples: list[float]

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    def as_dict(self) -> dict:
        return {
            "median_s": self.median,
            "min_s": min(self.samples),
            "max_s": max(self.samples),
            "samples_s": self.samples,
        }


def _once(fn: Callable[[], object], setup: Callable[[], object] | None) -> float:
    if setup is not None:
        setup()
    gc.collect()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def timed(fn: Callable[[], object], *, repeat: int, setup=None) -> Timing:
    return Timing([_once(fn, setup) for _ in range(repeat)])


def compare(*fns: Callable[[], object], repeat: int, setup=None) -> list[Timing]:
    """Time each, interleaved and rotating which goes first, so that drift hits all alike."""
    samples: list[list[float]] = [[] for _ in fns]
    for round_ in range(repeat):
        for offset in range(len(fns)):
            index = (round_ + offset) % len(fns)
            samples[index].append(_once(fns[index], setup))
    return [Timing(runs) for runs in samples]


def peak_memory(fn: Callable[[], object], setup=None) -> int:
    """The most memory (bytes, as tracemalloc sees Python allocations) ``fn`` held at once.

    Run apart from the timed runs: tracing slows Python down severalfold.
    """
    if setup is not None:
        setup()
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak


def retained_memory(build: Callable[[], object]) -> tuple[object, int, int]:
    """What ``build`` returns, the bytes it still holds afterwards, and its peak on the way."""
    gc.collect()
    tracemalloc.start()
    try:
        value = build()
        gc.collect()
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return value, current, peak


def max_rss() -> int:
    """The process's resident-set high-water mark, in bytes."""
    usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return usage if sys.platform == "darwin" else usage * 1024


@dataclass
class Result:
    name: str
    description: str
    unit: str  # what one operation is, for the rate: "look-ups", "rows", ...
    operations: int  # operations per timed run
    ours: Timing
    alternative: Timing | None = None
    alternative_label: str = ""
    peak_ours: int | None = None
    peak_alternative: int | None = None
    notes: list[str] = field(default_factory=list)
    extra: dict = field(default_factory=dict)
    max_rss_after: int = 0

    @property
    def ours_rate(self) -> float:
        return self.operations / self.ours.median

    @property
    def alternative_rate(self) -> float | None:
        if self.alternative is None:
            return None
        return self.operations / self.alternative.median

    @property
    def time_ratio(self) -> float | None:
        """Our time over the alternative's: below 1 we are faster, above 1 slower."""
        if self.alternative is None:
            return None
        return self.ours.median / self.alternative.median

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "description": self.description,
            "unit": self.unit,
            "operations_per_run": self.operations,
            "ours": {**self.ours.as_dict(), "rate_per_s": self.ours_rate},
            "alternative": None
            if self.alternative is None
            else {
                "label": self.alternative_label,
                **self.alternative.as_dict(),
                "rate_per_s": self.alternative_rate,
            },
            "time_ratio_ours_over_alternative": self.time_ratio,
            "peak_tracemalloc_bytes": {
                "ours": self.peak_ours,
                "alternative": self.peak_alternative,
            },
            "max_rss_bytes_after": self.max_rss_after,
            "notes": self.notes,
            "extra": self.extra,
        }
