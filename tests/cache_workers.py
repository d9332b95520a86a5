"""Process targets for the model-cache tests (importable, so the "spawn" start method can run them)."""

from __future__ import annotations

import os
from typing import Any

from core.cache import ModelCache
from core.catalog import load_catalog
from core.engine import Engine


def cluster_in_process(csv_path: str, cache_dir: str, k: int, start: Any, results: Any) -> None:
    """Load the CSV, wait for every sibling at ``start`` (a Barrier), then ask for one clustering.

    Puts (pid, clustering key, labels as a list) on ``results``.
    """
    engine = Engine(load_catalog(csv_path), ModelCache(cache_dir))
    params = engine.params(k)
    start.wait(timeout=120)
    clustering = engine.clustering(params)
    results.put((os.getpid(), engine.clustering_key(params), clustering.labels.tolist()))


def _exit_mid_fit() -> object:
    """A compute that dies the way a killed worker does: no cleanup, no lock release."""
    os._exit(1)


def die_holding_lock(cache_dir: str, key: str, lease_s: float) -> None:
    """Take the fit lock of ``key`` and die while computing it."""
    ModelCache(cache_dir, lease_s=lease_s).get_or_compute(key, _exit_mid_fit)
