"""Get ready to serve: optionally download the reference dataset, then warm the model cache.

    python -m app.prepare             # warm the cache for the default view
    python -m app.prepare --download  # fetch the reference dataset first if data is missing

First the dataset's prepared copy is written (core.prepared: parsed columns, the default
scaled matrix and the search index, memory-mapped by every gunicorn worker, so a worker is
ready in about a second at 1M songs instead of parsing the CSV itself; on Redis, each host
keeps its own, a local file cache). Warming fits every K of the default feature space once
(the K sweep), the PCA and the method comparison: what the default overview shows, so the
first visitor waits for no background job and every worker (every host, on Redis) reads
the same models.
"""

from __future__ import annotations

import argparse
import sys
import time

from core.cache import open_model_cache
from core.config import K_MIN, ConfigError, Settings
from core.demo import catalog_or_demo
from core.download import DownloadError, download_dataset
from core.embedding import warm_up
from core.engine import Engine
from core.errors import DatasetError
from core.prepared import prepared_of


def download_if_missing(settings: Settings) -> int:
    """Exit status: 0 when a dataset is there (already, or downloaded), 1 otherwise."""
    if settings.data_path.exists():
        print(f"Dataset present: {settings.data_path}")
        return 0
    print(f"Downloading the reference dataset from {settings.data_url} ...")
    try:
        download_dataset(settings.data_url, settings.data_path, settings.data_sha256 or None)
    except DownloadError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"Saved {settings.data_path} (checksum verified).")
    return 0


def warm(settings: Settings) -> None:
    started = time.perf_counter()
    catalog, notices = catalog_or_demo(settings.data_path, settings.cache_dir)
    for notice in notices:
        print(notice)
    if prepared_of(catalog) is not None:
        print(
            f"Prepared copy of {catalog.report.source} ({len(catalog):,} songs) ready in "
            f"{time.perf_counter() - started:.1f} s: every worker maps it instead of parsing the CSV."
        )
    started = time.perf_counter()
    engine = Engine(catalog, open_model_cache(settings), seed=settings.seed)
    params = engine.params(min(settings.default_k, len(catalog) - 1))
    k_max = min(settings.k_max, len(catalog) - 1)
    engine.sweep(params, range(K_MIN, k_max + 1))
    engine.projection(params)
    engine.compare(params)
    where = settings.cache_dir if engine.cache.backend == "diskcache" else "Redis"
    print(
        f"Model cache warm for {len(catalog):,} songs, K {K_MIN}–{k_max} and the method comparison, "
        f"in {time.perf_counter() - started:.1f} s ({where})."
    )
    # UMAP's numba code compiles on its first use in each process (about 14 s), from numba's
    # on-disk cache once it has been filled (about 4 s): fill it now, not in the first map job.
    print(f"UMAP's compiled code cached in {warm_up(settings.seed):.1f} s.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m app.prepare", description=__doc__.splitlines()[0])
    parser.add_argument("--download", action="store_true", help="download the reference dataset if missing")
    args = parser.parse_args(argv)
    try:
        settings = Settings.from_env()
        if args.download:
            return download_if_missing(settings)
        warm(settings)
    except (ConfigError, DatasetError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
