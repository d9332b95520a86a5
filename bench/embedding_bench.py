"""Maps benchmark (issue 13): t-SNE and UMAP at 2k, 20k and 100k songs, the old method and the new side by side.

Run from the project folder::

    .venv/bin/python bench/embedding_bench.py                  # every size, section added to RESULTS.md
    .venv/bin/python bench/embedding_bench.py --sizes 2k --out /tmp/RESULTS.md

Catalogs are engine_bench's: ``2k`` is ``../shared/data/spotify.csv``; ``20k`` and ``100k``
resample its rows with seeded 2 % noise per feature (so every reference song has about 10
or 50 near-duplicates). Ten default features, standard-scaled, seed 42.

Per size, two fresh subprocesses, one after the other:

- **old**: the method before issue 13, as core.embedding had it: scikit-learn Barnes-Hut t-SNE
  (PCA init, perplexity 30) on a seeded sample of at most 5,000 songs; umap-learn (15
  neighbours, min_dist 0.1, its own pynndescent neighbours and spectral init, seeded so one
  thread) on at most 20,000; only those songs had map coordinates. Its numba compilation is
  timed apart first (UMAPs of 500 points, one by exact neighbours, one forced through
  pynndescent) and not in its fit time.
- **new**: ``core.embedding.warm_up()`` first (what a worker does when it starts), then
  ``Engine.embedding`` on an empty ModelCache (fit, placing of the other songs, pickling into the
  cache) for UMAP, then t-SNE; the same UMAP once more in the same process (if the first one
  after warm_up had compiled anything, the second would be faster by that much); a cached
  fetch by a new Engine and ModelCache on the same folder.

Quality, for both: scikit-learn's trustworthiness (10 neighbours) on the same songs for old and
new, a seeded sample of 5,000 of the songs the old map covered; and core.trust's mean 10-NN
preservation over each map's own songs (a seeded 20,000 of them at most, neighbours searched
among all songs of that map: 5,000 for the old t-SNE, every song for the new maps).

The report is one section of ``--out`` (default bench/RESULTS.md): the section this script
wrote before is replaced, everything else in the file is kept.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
import warnings
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
    uptime,
    write_section,
)
from sklearn.manifold import TSNE, trustworthiness  # noqa: E402

from core import embedding  # noqa: E402
from core.cache import ModelCache  # noqa: E402
from core.catalog import Catalog, catalog_from_frame, load_catalog  # noqa: E402
from core.clustering import fit_threads, sample_rows  # noqa: E402
from core.engine import Engine  # noqa: E402
from core.trust import TRUST_SAMPLE, map_trust  # noqa: E402

SIZES: dict[str, int | None] = {"2k": None, "20k": 20_000, "100k": 100_000}
METHODS = {"tsne": "t-SNE", "umap": "UMAP"}
#: The old method's sample sizes (core.embedding before issue 13).
OLD_SAMPLE = {"tsne": 5_000, "umap": 20_000}
#: Issue 13's target for one map, in seconds.
TARGET_S = 15.0
FETCH_REPEATS = 10
HEADING = "## Maps (issue 13)"


def catalog_for(label: str, seed: int) -> Catalog:
    """The reference catalog as load_catalog reads it (2k), or SIZES[label] resampled songs built in memory."""
    n = SIZES[label]
    if n is None:
        return load_catalog(REFERENCE_CSV)
    songs = resample(read_reference(), n, seed).rename(columns={"song_title": "title"})
    return catalog_from_frame(songs, source=label)


def scaled(catalog: Catalog, seed: int, folder: Path) -> tuple[Engine, np.ndarray]:
    """An engine on an empty cache in ``folder`` and the scaled default features (n, f) of ``catalog``."""
    engine = Engine(catalog, ModelCache(folder), seed=seed)
    params = engine.params(5)
    return engine, engine.scaled(params.features, params.scaler)


def quality(X: np.ndarray, rows: np.ndarray, coords: np.ndarray, method: str, seed: int) -> Result:
    """Trustworthiness on the old map's trust sample and mean 10-NN preservation of a map of the
    songs ``rows`` (m,) at ``coords`` (m, 2)."""
    old_rows = sample_rows(len(X), OLD_SAMPLE[method], seed)
    same = old_rows[sample_rows(len(old_rows), TRUST_SAMPLE, seed)]
    where = np.searchsorted(rows, same)
    with fit_threads():
        trust = float(trustworthiness(X[same], coords[where], n_neighbors=10))
    kept = map_trust(X, coords, METHODS[method], seed, rows)
    return {"trust": trust, "trust_songs": len(same), "preservation": kept.mean_preservation}


def old_tsne(X: np.ndarray, seed: int) -> np.ndarray:
    return TSNE(n_components=2, init="pca", perplexity=min(30.0, (len(X) - 1) / 3), random_state=seed).fit_transform(X)


def old_umap(X: np.ndarray, seed: int, force_approximation: bool = False) -> np.ndarray:
    import umap

    model = umap.UMAP(
        n_components=2,
        n_neighbors=min(15, len(X) - 1),
        min_dist=0.1,
        random_state=seed,
        n_jobs=1,
        force_approximation_algorithm=force_approximation,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return model.fit_transform(X)


def run_old(label: str, seed: int) -> Result:
    """The old method at one size, in this process."""
    catalog = catalog_for(label, seed)
    _, X = scaled(catalog, seed, Path(tempfile.mkdtemp(prefix="embedding-bench-")))
    probe = np.random.default_rng(seed).normal(size=(500, X.shape[1])).astype(np.float32)
    load_before, before = os.getloadavg()[0], cpu_snapshot()
    with fit_threads():  # both of UMAP's neighbour paths: exact below 4,096 songs, pynndescent above
        _, compile_s = timed(lambda: [old_umap(probe, seed, force) for force in (False, True)])
    result: Result = {"label": label, "songs": len(X), "compile_s": compile_s}
    for method, fit in (("tsne", old_tsne), ("umap", old_umap)):
        rows = sample_rows(len(X), OLD_SAMPLE[method], seed)
        with fit_threads():
            coords, seconds = timed(lambda fit=fit, rows=rows: fit(X[rows], seed))
        result[method] = {"seconds": seconds, "mapped": len(rows), **quality(X, rows, coords, method, seed)}
    result["background_cpu"] = background_share(before, cpu_snapshot())
    result["load"] = [load_before, os.getloadavg()[0]]
    result["peak_mb"] = peak_mb()
    return result


def run_new(label: str, seed: int) -> Result:
    """The new method at one size, in this process: warm_up, then the engine's maps."""
    catalog = catalog_for(label, seed)
    folder = Path(tempfile.mkdtemp(prefix="embedding-bench-"))
    engine, X = scaled(catalog, seed, folder)
    params = engine.params(5)
    load_before, before = os.getloadavg()[0], cpu_snapshot()
    warm_s = embedding.warm_up()
    result: Result = {"label": label, "songs": len(X), "warm_up_s": warm_s}
    for method in ("umap", "tsne"):
        cold, cold_s = timed(lambda method=method: engine.embedding(params, method))
        other = Engine(catalog, ModelCache(folder), seed=seed)
        result[method] = {
            "seconds": cold_s,
            "compute_s": cold.seconds,
            "mapped": len(cold.rows),
            "fitted": len(cold.fitted),
            "fetch_ms": median_ms(lambda m=method, e=other: e.embedding(params, m), FETCH_REPEATS),
            "description": cold.description,
            **quality(X, cold.rows, cold.coords, method, seed),
        }
    _, result["umap_again_s"] = timed(lambda: embedding.embed(X, "umap", seed))
    result["background_cpu"] = background_share(before, cpu_snapshot())
    result["load"] = [load_before, os.getloadavg()[0]]
    result["peak_mb"] = peak_mb()
    return result


def run_in_subprocess(kind: str, label: str, seed: int) -> Result:
    """run_old or run_new in a fresh interpreter: compilation and peak memory belong to that job alone."""
    command = [sys.executable, __file__, "--worker", f"{kind}:{label}", "--seed", str(seed)]
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=PROJECT)
    return json.loads(done.stdout.strip().splitlines()[-1])


def section(pairs: Sequence[tuple[Result, Result]], command: str, uptimes: tuple[str, str]) -> str:
    """The markdown section for RESULTS.md; ``pairs`` are (old, new) per size."""
    lines = [
        HEADING,
        "",
        *(line for line in machine_lines(command) if not line.startswith("- Threads:")),
        f"- Machine load (`uptime`) at the start: `{uptimes[0]}`; at the end: `{uptimes[1]}`",
        "- 1-minute load average at the start and end of each job, and other processes' CPU use meanwhile "
        "(share of both cores): "
        + "; ".join(
            f"{old['label']} old {old['load'][0]:.1f}→{old['load'][1]:.1f} ({old['background_cpu']:.0%}), "
            f"new {new['load'][0]:.1f}→{new['load'][1]:.1f} ({new['background_cpu']:.0%})"
            for old, new in pairs
        ),
        "",
        "| size | songs | map | old: songs with coordinates | old (s) | new: songs fitted / with coordinates "
        "| new (s) | old / new | trustworthiness old → new | 10-NN preservation old → new | new cached fetch (ms) |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for old, new in pairs:
        for method, name in METHODS.items():
            o, n = old[method], new[method]
            lines.append(
                f"| {old['label']} | {old['songs']:,} | {name} | {o['mapped']:,} | {fmt(o['seconds'])} "
                f"| {n['fitted']:,} / {n['mapped']:,} | {fmt(n['seconds'])} | {o['seconds'] / n['seconds']:.1f}× "
                f"| {o['trust']:.3f} → {n['trust']:.3f} | {o['preservation']:.3f} → {n['preservation']:.3f} "
                f"| {fmt(n['fetch_ms'])} |"
            )
    lines += [
        "",
        "| size | new: warm_up() (s) | first UMAP after warm_up, whole map (s) | the same UMAP again (s) "
        "| old: numba compilation before the first UMAP (s) | peak RSS old / new (MB) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for old, new in pairs:
        lines.append(
            f"| {old['label']} | {fmt(new['warm_up_s'])} | {fmt(new['umap']['compute_s'])} "
            f"| {fmt(new['umap_again_s'])} | {fmt(old['compile_s'])} | {old['peak_mb']:,.0f} / {new['peak_mb']:,.0f} |"
        )
    verdicts = []
    for old, new in pairs:
        for method, name in METHODS.items():
            seconds = new[method]["seconds"]
            verdicts.append(f"{name} {old['label']} {fmt(seconds)} s {'pass' if seconds < TARGET_S else 'FAIL'}")
    e = embedding
    lines += [
        "",
        f"- Target (issue 13): each map under {TARGET_S:.0f} s: " + ", ".join(verdicts) + ".",
        f"- New t-SNE: openTSNE, FFT-accelerated, PCA init, perplexity {e.TSNE_PERPLEXITY:.0f} on the exact "
        f"{int(3 * e.TSNE_PERPLEXITY)} nearest neighbours, {e.TSNE_EARLY_ITER} iterations at exaggeration "
        f"{e.TSNE_EARLY_EXAGGERATION:.0f} then {e.TSNE_ITER}, grid cells of {e.TSNE_INTS_IN_INTERVAL:g} units "
        f"(at least {e.TSNE_MIN_INTERVALS} per axis), {e.TSNE_THREADS} thread; fitted on up to {e.TSNE_SAMPLE:,} "
        f"songs. New UMAP: umap-learn on the exact {e.UMAP_NEIGHBOURS} nearest neighbours (no pynndescent), "
        f"min_dist {e.UMAP_MIN_DIST}, PCA init, seeded (one thread); fitted on up to {e.UMAP_SAMPLE:,} songs. "
        f"Every other song placed at the 1/d²-weighted mean map position of its {e.PLACE_NEIGHBOURS} nearest "
        "fitted songs. New (s) = Engine.embedding on an empty cache: neighbours, fit, placing, pickling.",
        "- Old: scikit-learn Barnes-Hut t-SNE on at most 5,000 songs; umap-learn with pynndescent and spectral "
        "init on at most 20,000; both on one thread; other songs had no coordinates (not clickable in those "
        "views). Old (s) is the fit alone, its numba compilation timed apart.",
        "- Trustworthiness: scikit-learn's, 10 neighbours, on the same seeded 5,000 songs for old and new (songs "
        "the old map covered). Preservation: core.trust's mean share of a song's 10 nearest songs in the feature "
        "space that are among its 10 nearest on the map, over each map's own songs (neighbours among the "
        "5,000 songs of the old t-SNE, among every song of the new maps). At 20k and 100k most of a song's 10 "
        "nearest are its own near-duplicates (resampled with 2 % noise), whose order among themselves a 2-D "
        "map cannot keep, and a map of every song has more of them to confuse than a map of a 5,000-song "
        "sample: there trustworthiness on the same songs is the comparable figure.",
        "- Warm-up: what each job launcher runs once idle and each Celery job process at start (app.launcher, "
        'app.worker); "the same UMAP again" repeats the '
        "fit in the same process (no pickling): equal times mean warm_up left nothing to compile.",
    ]
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(SIZES), help=f"comma-separated, from {', '.join(SIZES)}")
    parser.add_argument("--out", type=Path, default=BENCH / "RESULTS.md", help="markdown report to add to")
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        kind, label = args.worker.split(":")
        print(json.dumps((run_old if kind == "old" else run_new)(label, args.seed)))
        return 0
    labels = [s.strip().lower() for s in args.sizes.split(",") if s.strip()]
    unknown = [s for s in labels if s not in SIZES]
    if unknown:
        parser.error(f"unknown size(s) {', '.join(unknown)}: use {', '.join(SIZES)}")
    started = uptime()
    pairs = []
    for label in labels:
        results = []
        for kind in ("old", "new"):
            print(f"[embedding-bench] {label} {kind} … ({time.strftime('%H:%M:%S')})", file=sys.stderr, flush=True)
            results.append(run_in_subprocess(kind, label, args.seed))
        pairs.append((results[0], results[1]))
    text = section(pairs, shlex.join([os.path.relpath(sys.executable, PROJECT), *sys.argv]), (started, uptime()))
    print(text)
    write_section(args.out, HEADING, text)
    print(f"[embedding-bench] wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
