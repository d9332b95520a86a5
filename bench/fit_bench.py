"""Fits at scale (issue 13): today's K-Means and the new one side by side, with full K-Means as the yardstick.

Run from the project folder::

    .venv/bin/python bench/fit_bench.py                   # 2k, 100k, 1m; writes bench/RESULTS.md's section
    .venv/bin/python bench/fit_bench.py --sizes 2k,100k --out /tmp/RESULTS.md

Catalogs as in bench/engine_bench.py (the reference file at 2k; resampled rows with 2 % noise,
written to CSV and loaded with ``core.catalog.load_catalog`` above), standard-scaled default
features. Each size runs in a fresh subprocess.

What is timed, per K in ``KS``:

- before: ``cluster_kmeans`` of core/clustering.py as committed at ``BEFORE_REF`` (read with
  ``git show``; MiniBatchKMeans above 50,000 songs and scikit-learn's metric functions);
- after: this checkout's ``core.clustering.cluster_kmeans``;
- both are the whole call a user waits for (fit, metrics, profiles), median of
  ``REPEATS``, wall and CPU seconds; plus, after, ``Engine.clustering`` on an empty cache
  (the cache write too) in an engine whose scaled matrix is ready, as a worker has it when a
  user switches K (core.prepared maps it), and that scaling, paid once per worker and
  feature set, timed apart;
- full K-Means: scikit-learn ``KMeans`` (k-means++, 10 restarts) on every song, once, on one
  thread. Every inertia is the within-cluster sum of squares to the cluster means
  (``core.clustering.from_labels``), so the ratios compare partitions, not fitting details.

The K sweep (K=2..12) at ``SWEEP_SIZE``: before = the committed ``cluster_kmeans`` for each K
in turn (what the old ``Engine.sweep`` ran, less its cache writes); after = ``Engine.sweep``
on an empty cache. The machine's load (``uptime``'s load averages) is recorded
at the start and end of each size: other work shares this 2-core machine.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))
sys.path.insert(0, str(PROJECT / "bench"))

from engine_bench import (  # noqa: E402
    REFERENCE_CSV,
    catalog_csv,
    fmt,
    git,
    machine_lines,
    read_reference,
    uptime,
    write_section,
)
from sklearn.cluster import KMeans  # noqa: E402

from core.cache import ModelCache  # noqa: E402
from core.catalog import load_catalog  # noqa: E402
from core.clustering import N_INIT, cluster_kmeans, fit_threads, from_labels, scale  # noqa: E402
from core.engine import Engine  # noqa: E402
from core.fast_kmeans import FIT_SAMPLE, MAX_FULL_ITER  # noqa: E402

SIZES = ("2k", "100k", "1m")
SEED = 42
KS = (5, 12)
REPEATS = 3
SWEEP_SIZE = "1m"
SWEEP_KS = tuple(range(2, 13))
#: The last commit before the fits of issue 13 (MiniBatch above 50,000 songs, metrics on every song).
BEFORE_REF = "05ff344"
SECTION = "## Fits at scale (issue 13)"
RAW_JSON = PROJECT / "bench" / "out" / "fit_results.json"

Result = dict[str, Any]


def log(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)


def clock(fn: Callable[[], Any]) -> tuple[Any, float, float]:
    """(value, wall seconds, CPU seconds of this process) of ``fn()``."""
    wall, cpu = time.perf_counter(), time.process_time()
    value = fn()
    return value, time.perf_counter() - wall, time.process_time() - cpu


def repeated(fn: Callable[[], Any], repeats: int) -> tuple[Any, float, float]:
    """(last value, median wall s, median CPU s) over ``repeats`` calls."""
    runs = [clock(fn) for _ in range(repeats)]
    return runs[-1][0], statistics.median(r[1] for r in runs), statistics.median(r[2] for r in runs)


def before_module() -> Any:
    """core/clustering.py as committed at BEFORE_REF, imported under another name."""
    source = git("show", f"{BEFORE_REF}:core/clustering.py")
    if not source:
        raise RuntimeError(f"cannot read core/clustering.py at {BEFORE_REF}")
    folder = Path(tempfile.mkdtemp(prefix="fit-bench-"))
    path = folder / "clustering_before.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("clustering_before", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules["clustering_before"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


def within_ss(raw: np.ndarray, X: np.ndarray, labels: np.ndarray, features: tuple[str, ...]) -> float:
    """Within-cluster sum of squares of labels on X, to the cluster means."""
    fitted = from_labels(
        raw, X, labels, algorithm="kmeans", method="", features=features, scaler="standard", seed=SEED,
        started=time.perf_counter(),
    )  # fmt: skip
    return fitted.inertia


# -- one size, in a worker process ---------------------------------------------------------------
def run_size(csv: Path, label: str, work: Path) -> Result:
    before = before_module()
    catalog = load_catalog(csv)
    features = tuple(catalog.features)
    raw = catalog.feature_matrix(features)
    X = scale(raw, "standard")
    result: Result = {"label": label, "songs": len(catalog), "load_before": uptime(), "rows": []}
    for k in KS:
        log(f"[{label}] k={k}: before")
        old, old_wall, old_cpu = repeated(
            lambda k=k: before.cluster_kmeans(raw, X, k, features, "standard", SEED), REPEATS
        )
        log(f"[{label}] k={k}: after")
        new, new_wall, new_cpu = repeated(lambda k=k: cluster_kmeans(raw, X, k, features, "standard", SEED), REPEATS)
        engine_walls, scale_walls = [], []
        for attempt in range(REPEATS):
            engine = Engine(catalog, ModelCache(work / f"cache-{k}-{attempt}"), seed=SEED)
            params = engine.params(k, features)
            scale_walls.append(clock(lambda e=engine, p=params: e.scaled(p.features, p.scaler))[1])
            engine_walls.append(clock(lambda e=engine, p=params: e.clustering(p))[1])
        log(f"[{label}] k={k}: full K-Means")
        model = KMeans(n_clusters=k, init="k-means++", n_init=N_INIT, random_state=SEED)
        with fit_threads():
            full_labels, full_wall, full_cpu = clock(lambda m=model: m.fit_predict(X))
        full_ss = within_ss(raw, X, full_labels, features)
        result["rows"].append(
            {
                "k": k,
                "before_method": old.method,
                "after_method": new.method,
                "before_wall": old_wall,
                "before_cpu": old_cpu,
                "after_wall": new_wall,
                "after_cpu": new_cpu,
                "after_engine_wall": statistics.median(engine_walls),
                "scale_wall": statistics.median(scale_walls),
                "full_wall": full_wall,
                "full_cpu": full_cpu,
                "before_ratio": within_ss(raw, X, old.labels, features) / full_ss,
                "after_ratio": new.inertia / full_ss,
                "same_labels": bool(np.array_equal(old.labels, new.labels)),
                "before_silhouette": old.silhouette,
                "after_silhouette": new.silhouette,
            }
        )
    if label == SWEEP_SIZE:
        log(f"[{label}] sweep before")
        _, result["sweep_before_wall"], result["sweep_before_cpu"] = clock(
            lambda: [before.cluster_kmeans(raw, X, k, features, "standard", SEED) for k in SWEEP_KS]
        )
        log(f"[{label}] sweep after")
        engine = Engine(catalog, ModelCache(work / "sweep"), seed=SEED)
        params = engine.params(KS[0], features)
        sweep, result["sweep_after_wall"], result["sweep_after_cpu"] = clock(lambda: engine.sweep(params, SWEEP_KS))
        result["sweep_after_inertia"] = list(sweep.inertia)
    result["load_after"] = uptime()
    return result


def run_worker(label: str, csv: Path, work: Path) -> Result:
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", label, "--csv", str(csv), "--work", str(work)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=PROJECT, check=False)
    sys.stderr.write(done.stderr)
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"label": label, "error": f"worker exited with {done.returncode}: {tail}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- the report ---------------------------------------------------------------------------------------
def section(results: Sequence[Result], command: str) -> str:
    lines = [
        SECTION,
        "",
        *machine_lines(command),
        "",
        "Before: MiniBatchKMeans above 50,000 songs (k-means++, 3 restarts, batches of 8,192) and "
        "scikit-learn's metric functions on every song. After: core.fast_kmeans above 50,000 songs "
        f"(scikit-learn KMeans, k-means++, {N_INIT} restarts on a seeded sample of {FIT_SAMPLE:,} songs, then "
        f"{MAX_FULL_ITER} Lloyd iteration(s) on every song) and metrics from centroids and counts. Up to 50,000 "
        "songs both fit scikit-learn's KMeans (k-means++, 10 restarts) on every song. Times are the whole "
        "cluster_kmeans call (fit, metrics, profiles), median of "
        f"{REPEATS}, on one thread; 'engine, K switch' adds the cache write (Engine.clustering on an empty "
        "cache, the scaled matrix ready as in a worker); 'scaling' is paid once per worker and feature set "
        "(a worker maps the prepared copy's instead at startup). Inertia ratio = within-cluster sum of squares "
        "/ that of full K-Means (k-means++, "
        f"{N_INIT} restarts, every song).",
        "",
        "| size | songs | k | before wall (s) | before CPU (s) | after wall (s) | after CPU (s) "
        "| after, engine K switch (s) | scaling (s) | speed-up (wall) | full K-Means wall (s) "
        "| before / full inertia | after / full inertia |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        if "error" in r:
            lines.append(f"| {r['label']} | {r['error']} |" + " |" * 11)
            continue
        for q in r["rows"]:
            lines.append(
                f"| {r['label']} | {r['songs']:,} | {q['k']} | {fmt(q['before_wall'])} | {fmt(q['before_cpu'])} "
                f"| {fmt(q['after_wall'])} | {fmt(q['after_cpu'])} | {fmt(q['after_engine_wall'])} "
                f"| {fmt(q['scale_wall'])} "
                f"| {q['before_wall'] / q['after_wall']:.1f}× | {fmt(q['full_wall'])} "
                f"| {q['before_ratio']:.4f} | {q['after_ratio']:.4f} |"
            )
    sweeps = [r for r in results if "sweep_after_wall" in r]
    if sweeps:
        lines += [
            "",
            f"K sweep K={SWEEP_KS[0]}..{SWEEP_KS[-1]} (inertia, silhouette, Davies-Bouldin per K; every K's "
            "clustering stored):",
            "",
            "| size | before wall (s) | before CPU (s) | after wall (s) | after CPU (s) | speed-up (wall) |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for r in sweeps:
            lines.append(
                f"| {r['label']} | {fmt(r['sweep_before_wall'])} | {fmt(r['sweep_before_cpu'])} "
                f"| {fmt(r['sweep_after_wall'])} | {fmt(r['sweep_after_cpu'])} "
                f"| {r['sweep_before_wall'] / r['sweep_after_wall']:.1f}× |"
            )
    same = [f"{r['label']} k={q['k']}" for r in results if "error" not in r for q in r["rows"] if q["same_labels"]]
    lines += ["", f"Identical labels before and after: {', '.join(same) or 'none'}."]
    lines += ["", "Machine load (other work shares this machine):", ""]
    for r in results:
        if "error" not in r:
            lines.append(f"- {r['label']}: {r['load_before']} at the start, {r['load_after']} at the end.")
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(SIZES))
    parser.add_argument("--out", type=Path, default=PROJECT / "bench" / "RESULTS.md")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--csv", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        args.work.mkdir(parents=True, exist_ok=True)
        print(json.dumps(run_size(args.csv, args.worker, args.work)))
        return 0
    command = " ".join([os.path.relpath(sys.executable, PROJECT), *sys.argv])
    reference = read_reference()
    results = []
    with tempfile.TemporaryDirectory(prefix="fit-bench-") as scratch:
        for label in [s.strip().lower() for s in args.sizes.split(",") if s.strip()]:
            folder = Path(scratch) / label
            folder.mkdir()
            log(f"[{label}] writing the catalog CSV")
            csv = catalog_csv(label, reference, folder, SEED)
            results.append(run_worker(label, csv, folder / "work"))
            if csv != REFERENCE_CSV:
                csv.unlink()
    RAW_JSON.parent.mkdir(parents=True, exist_ok=True)
    RAW_JSON.write_text(json.dumps(results, indent=1))
    text = section(results, command)
    print(text)
    write_section(args.out, SECTION, text)
    log(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
