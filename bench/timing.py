"""Wall time per call, for the benchmarks of one function over many inputs."""
from __future__ import annotations

import time
from typing import Any, Callable, Sequence


def us_per_call(fn: Callable[[Any], Any], inputs: Sequence[Any]) -> float:
    """µs a call of ``fn`` over each of ``inputs`` once, in order."""
    started = time.perf_counter()
    for item in inputs:
        fn(item)
    return (time.perf_counter() - started) / len(inputs) * 1e6
