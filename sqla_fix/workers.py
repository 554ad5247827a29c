"""Worker processes for per-file work: plain data in, plain data out, results in the order given, so
that the output is the same whatever the number of workers."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def map_in_processes(function: Callable, items: Iterable, jobs: int, done: Callable | None = None) -> list:
    """`[function(item) for item in items]`, computed by `jobs` processes, in the order of `items`;
    `done(result)` is called as each result arrives, in that order."""
    items = list(items)
    methods = multiprocessing.get_all_start_methods()
    # fork: a worker starts in a millisecond with everything imported; spawn where there is no fork
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    results = []
    with ProcessPoolExecutor(max_workers=min(jobs, len(items)) or 1, mp_context=context) as pool:
        for result in pool.map(function, items):
            results.append(result)
            if done is not None:
                done(result)
    return results
