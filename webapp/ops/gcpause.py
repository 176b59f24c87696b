"""Work that builds hundreds of thousands of small, acyclic objects at once (an import's cells,
its rows' outcomes, the rows it writes) without Python's cycle collector running meanwhile.

Each collection of the oldest generation walks every object of the process: during a
5,000-row import it ran a few times and took a fifth of the checking's and the confirmation's
time, finding nothing (dicts and lists that reference counting frees). The collector is
paused for the duration of the work only, then resumed as it was, also when several such
pieces of work overlap in the threads of one process; the cycles made meanwhile elsewhere are
collected at its next run.
"""
from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextmanager
def cycle_collector_paused() -> Iterator[None]:
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()
