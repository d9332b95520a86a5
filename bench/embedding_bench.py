"""Embedding benchmark: t-SNE and UMAP views at 2k, 20k and 100k songs, as the engine computes them.

Run from the project folder::

    .venv/bin/python bench/embedding_bench.py                  # every size, section added to RESULTS.md
    .venv/bin/python bench/embedding_bench.py --sizes 2k --out /tmp/RESULTS.md

Catalogs are engine_bench's: ``2k`` is ``../shared/data/spotify.csv``; ``20k`` and ``100k``
resample its rows with seeded 2 % noise per feature. Each size runs in a fresh
subprocess (peak RSS is that job's), on the ten default features, standard-scaled,
through ``Engine.embedding`` on an empty ModelCache, so the engine's sampling applies:
t-SNE on at most ``core.embedding.TSNE_SAMPLE`` songs, UMAP on at most ``UMAP_SAMPLE``.

Per size and method: the cold compute (sampling, fit, pickling into the cache) and a
cached fetch by a new Engine and ModelCache on the same folder (what every other
worker and every later view pays). UMAP's numba compilation happens once per process;
each job compiles first on 500 random points and reports that time apart.

The report is one section of ``--out`` (default bench/RESULTS.md): the section this
script wrote before is replaced, everything else in the file is kept.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))  # engine_bench's catalogs and helpers; it puts the project on the path

from engine_bench import (  # noqa: E402
    PROJECT,
    REFERENCE_CSV,
    SEED,
    Result,
    background_share,
    cpu_snapshot,
    fmt,
    machine_lines,
    median_ms,
    peak_mb,
    read_reference,
    resample,
    timed,
)

from core.cache import ModelCache  # noqa: E402
from core.catalog import Catalog, catalog_from_frame, load_catalog  # noqa: E402
from core.embedding import TSNE_SAMPLE, UMAP_SAMPLE, embed  # noqa: E402
from core.engine import Engine  # noqa: E402

SIZES: dict[str, int | None] = {"2k": None, "20k": 20_000, "100k": 100_000}
METHODS = ("tsne", "umap")
FETCH_REPEATS = 10
HEADING = "## Embedding views: t-SNE and UMAP"


def catalog_for(label: str, seed: int) -> Catalog:
    """The reference catalog as load_catalog reads it (2k), or SIZES[label] resampled songs built in memory."""
    n = SIZES[label]
    if n is None:
        return load_catalog(REFERENCE_CSV)
    songs = resample(read_reference(), n, seed).rename(columns={"song_title": "title"})
    return catalog_from_frame(songs, source=label)


def run_size(label: str, seed: int) -> Result:
    """Time both methods on one size (in this process); returns the measurements."""
    catalog = catalog_for(label, seed)
    compile_points = np.random.default_rng(seed).normal(size=(500, len(catalog.features))).astype(np.float32)
    _, umap_compile_s = timed(lambda: embed(compile_points, "umap", seed))
    result: Result = {"label": label, "songs": len(catalog), "umap_compile_s": umap_compile_s}
    before = cpu_snapshot()
    with tempfile.TemporaryDirectory(prefix="embedding-bench-") as folder:
        engine = Engine(catalog, ModelCache(Path(folder)), seed=seed)
        params = engine.params(5)
        engine.scaled(params.features, params.scaler)
        for method in METHODS:
            cold, cold_s = timed(lambda method=method: engine.embedding(params, method))
            other = Engine(catalog, ModelCache(Path(folder)), seed=seed)
            result[method] = {
                "embedded": len(cold.rows),
                "cold_s": cold_s,
                "compute_s": cold.seconds,
                "fetch_ms": median_ms(lambda m=method, e=other: e.embedding(params, m), FETCH_REPEATS),
                "description": cold.description,
            }
    result["background_cpu"] = background_share(before, cpu_snapshot())
    result["peak_mb"] = peak_mb()
    return result


def run_in_subprocess(label: str, seed: int) -> Result:
    """run_size in a fresh interpreter, so peak memory and compilation belong to this size alone."""
    command = [sys.executable, __file__, "--worker", label, "--seed", str(seed)]
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=PROJECT)
    return json.loads(done.stdout.strip().splitlines()[-1])


def section(results: Sequence[Result], command: str) -> str:
    """The markdown section for RESULTS.md."""
    lines = [
        HEADING,
        "",
        *(line for line in machine_lines(command) if not line.startswith("- Threads:")),
        "- Other processes' CPU use while each size ran (share of all cores): "
        + ", ".join(f"{r['label']} {r['background_cpu']:.0%}" for r in results),
        "",
        "| size | songs | method | songs embedded | cold: compute + store (s) | of which the fit (s) "
        "| cached fetch (ms, median of 10) | peak RSS (MB) |",
        "|---|---:|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        for method, name in (("tsne", "t-SNE"), ("umap", "UMAP")):
            m = r[method]
            sampled = " (seeded sample)" if m["embedded"] < r["songs"] else ""
            lines.append(
                f"| {r['label']} | {r['songs']:,} | {name} | {m['embedded']:,}{sampled} | {fmt(m['cold_s'])} "
                f"| {fmt(m['compute_s'])} | {fmt(m['fetch_ms'])} | {r['peak_mb']:,.0f} |"
            )
    compile_times = ", ".join(f"{r['label']} {fmt(r['umap_compile_s'])} s" for r in results)
    lines += [
        "",
        f"- Sampling as in core.embedding: t-SNE on at most {TSNE_SAMPLE:,} songs, UMAP on at most "
        f"{UMAP_SAMPLE:,}; above, a seeded sample (the same in every worker).",
        "- t-SNE: scikit-learn Barnes-Hut, PCA init, perplexity 30; UMAP: umap-learn, 15 neighbours, "
        "min_dist 0.1, seeded (so single-threaded). Both on one BLAS/OpenMP thread, as the engine runs them.",
        f"- UMAP's numba compilation, once per process, not in the table (timed on 500 points): {compile_times}.",
        "- Cold = Engine.embedding on an empty ModelCache; cached fetch = a new Engine and ModelCache on "
        "the same folder (another worker, a later view). Each size in a fresh subprocess.",
    ]
    return "\n".join(lines) + "\n"


def replace_section(existing: str, new_section: str) -> str:
    """``existing`` with the section under HEADING replaced by ``new_section`` (appended if absent)."""
    if HEADING not in existing:
        return existing.rstrip("\n") + "\n\n" + new_section
    before, rest = existing.split(HEADING, 1)
    following = rest.find("\n## ")
    after = rest[following + 1 :] if following >= 0 else ""
    return before + new_section + ("\n" + after if after else "")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(SIZES), help=f"comma-separated, from {', '.join(SIZES)}")
    parser.add_argument("--out", type=Path, default=BENCH / "RESULTS.md", help="markdown report to add to")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--worker", choices=sorted(SIZES), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(run_size(args.worker, args.seed)))
        return 0
    labels = [s.strip().lower() for s in args.sizes.split(",") if s.strip()]
    unknown = [s for s in labels if s not in SIZES]
    if unknown:
        parser.error(f"unknown size(s) {', '.join(unknown)}: use {', '.join(SIZES)}")
    results = []
    for label in labels:
        print(f"[embedding-bench] {label} …", file=sys.stderr, flush=True)
        results.append(run_in_subprocess(label, args.seed))
    text = section(results, shlex.join([os.path.relpath(sys.executable, PROJECT), *sys.argv]))
    print(text)
    existing = args.out.read_text() if args.out.exists() else ""
    args.out.write_text(replace_section(existing, text))
    print(f"[embedding-bench] wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
