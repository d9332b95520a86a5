"""Engine benchmark: load, fit, fetch, sweep, neighbours, search and memory at 2k to 1M songs.

Run from the project folder::

    .venv/bin/python bench/engine_bench.py                      # every size
    .venv/bin/python bench/engine_bench.py --sizes 2k,20k --out /tmp/RESULTS.md

Catalogs:

- ``2k``: the reference dataset ``../shared/data/spotify.csv`` as it is.
- ``20k``, ``100k``, ``1m``: reference rows resampled with ``numpy.random.default_rng(seed)``,
  each of the ten clustering features given Gaussian noise of 2 % of its reference
  standard deviation and clipped to the reference's observed [min, max]; every row gets
  a fresh ``id`` and a unique title (``<title> #<n>``). Written to a CSV in a temporary
  folder, so load time is always measured from a file with ``core.catalog.load_catalog``.

Every size runs in fresh subprocesses (one for the engine, one for the original app's
method, one for the 100k quality check) so that peak memory, read from
``resource.getrusage(RUSAGE_SELF).ru_maxrss``, belongs to that size and that job alone.

What is timed (engine, k=5, default features and scaler):

- cold fit: ``Engine.clustering`` on an empty ``ModelCache`` in a temporary folder
  (scaling, fit, metrics, profiles, pickling to disk);
- cached fetch: a new ``Engine`` and a new ``ModelCache`` on that folder, median of
  ``FETCH_REPEATS`` fetches (each one reads and unpickles from disk);
- sweep: ``Engine.sweep`` over k=2..12 on another empty cache (fits each K once);
- neighbours: ``Engine.neighbours``, median over several songs after one warm-up call;
- search: ``Engine.search``; the first query (which builds the index) apart from the
  median of warm repeats of typical queries.

The original Streamlit app's method, on every K change: StandardScaler, K-Means for
k=2..10 (n_init=10) each followed by a FULL silhouette, K-Means at k, PCA(2) for the
2D view and a separate PCA(3) for the third axis. Its silhouettes are O(n²), so it runs
up to ``LEGACY_MAX_SONGS`` songs; above, an estimate is extrapolated from the largest
measured size (silhouettes scaled by n², the rest by n) and marked as such.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))  # measure this checkout's core, wherever the script is run from

import sklearn  # noqa: E402
from sklearn.cluster import KMeans  # noqa: E402
from sklearn.decomposition import PCA  # noqa: E402
from sklearn.metrics import silhouette_score  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from core.cache import ModelCache  # noqa: E402
from core.catalog import Catalog, load_catalog  # noqa: E402
from core.clustering import FULL_FIT_MAX, N_INIT, fit_kmeans, fit_threads, scale  # noqa: E402
from core.engine import Engine  # noqa: E402
from core.fast_kmeans import cluster_means  # noqa: E402
from core.features import DEFAULT_FEATURES  # noqa: E402

REFERENCE_CSV = PROJECT.parent / "shared" / "data" / "spotify.csv"
#: Every measurement of the last run, for a closer look (bench/out/ is not committed).
RAW_JSON = PROJECT / "bench" / "out" / "engine_results.json"
#: Size label -> number of songs (None: the reference file as it is).
SIZES: dict[str, int | None] = {"2k": None, "20k": 20_000, "100k": 100_000, "1m": 1_000_000}
SEED = 42
NOISE_SHARE = 0.02
#: Decimals written per feature (others: 6), close to the reference file's precision.
DECIMALS = {"duration_ms": 0, "loudness": 3, "tempo": 3}
K = 5
SWEEP_KS = tuple(range(2, 13))
COLD_REPEATS = 3
FETCH_REPEATS = 20
NEIGHBOUR_SONGS = 9
SEARCH_QUERIES = ("love", "the", "mask of", "future", "xyzzy")
SEARCH_REPEATS = 5
LEGACY_KS = tuple(range(2, 11))
LEGACY_N_INIT = 10
LEGACY_MAX_SONGS = 20_000
QUALITY_SIZE = "100k"
QUALITY_KS = (5, 12)

#: (name, size, result key, limit, unit): targets from the issue, checked against the measurements.
TARGETS: tuple[tuple[str, str, str, float, str], ...] = (
    ("cached K fetch", "1m", "fetch_ms", 20.0, "ms"),
    ("cold fit of one K", "100k", "cold_fit_s", 3.0, "s"),
    ("cold fit of one K", "1m", "cold_fit_s", 20.0, "s"),
    ("search (warm median)", "1m", "search_warm_ms", 50.0, "ms"),
    ("peak memory", "1m", "peak_mb", 2500.0, "MB"),
)

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")

Result = dict[str, Any]


# -- small helpers -------------------------------------------------------------------------
def uptime() -> str:
    """The machine's load averages, as ``uptime`` prints them: other work may share the cores."""
    one, five, fifteen = Path("/proc/loadavg").read_text().split()[:3]
    return f"load average {one}, {five}, {fifteen}"


def timed(fn: Callable[[], Any]) -> tuple[Any, float]:
    """Call ``fn()``; return its value and the wall time in seconds."""
    started = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - started


def median_ms(fn: Callable[[], Any], repeats: int) -> float:
    """Median wall time of ``repeats`` calls of ``fn()``, in milliseconds."""
    return statistics.median(timed(fn)[1] for _ in range(repeats)) * 1000.0


def peak_mb() -> float:
    """This process's RSS high-water mark so far, in MB (10⁶ bytes; Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6


def cpu_snapshot() -> tuple[float, float, float]:
    """(wall clock s, CPU s the whole machine was busy, CPU s of this process and its finished children)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    busy = (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")
    usages = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    return time.perf_counter(), busy, sum(u.ru_utime + u.ru_stime for u in usages)


def background_share(before: tuple[float, float, float], after: tuple[float, float, float]) -> float:
    """Share of all CPUs that other processes (not this benchmark) used between two snapshots."""
    wall = after[0] - before[0]
    other = (after[1] - before[1]) - (after[2] - before[2])
    return max(0.0, other / (wall * (os.cpu_count() or 1))) if wall > 0 else 0.0


def rss_mb() -> float:
    """This process's current resident set size, in MB (0 where /proc is missing)."""
    status = Path("/proc/self/status")
    if not status.exists():
        return 0.0
    line = next((ln for ln in status.read_text().splitlines() if ln.startswith("VmRSS:")), "VmRSS: 0 kB")
    return int(line.split()[1]) * 1024 / 1e6


# -- catalogs --------------------------------------------------------------------------------
def read_reference() -> pd.DataFrame:
    """The reference CSV as pandas reads it, without its unnamed row-number column."""
    frame = pd.read_csv(REFERENCE_CSV)
    return frame.drop(columns=[c for c in frame.columns if str(c).startswith("Unnamed")])


def resample(reference: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    """n rows drawn from reference with 2 % noise on each feature; unique ids and titles."""
    rng = np.random.default_rng(seed)
    out = reference.iloc[rng.integers(0, len(reference), size=n)].reset_index(drop=True)
    for feature in DEFAULT_FEATURES:
        ref = reference[feature].to_numpy(dtype=np.float64)
        noisy = out[feature].to_numpy(dtype=np.float64) + rng.normal(0.0, NOISE_SHARE * ref.std(), size=n)
        out[feature] = np.clip(noisy, ref.min(), ref.max()).round(DECIMALS.get(feature, 6))
    out["duration_ms"] = out["duration_ms"].astype(np.int64)
    numbers = pd.Series(np.arange(1, n + 1)).astype(str)
    out["song_title"] = out["song_title"].astype(str) + " #" + numbers
    out.insert(0, "id", "bench-" + numbers.str.zfill(7))
    return out


def catalog_csv(label: str, reference: pd.DataFrame, folder: Path, seed: int) -> Path:
    """The CSV for a size label: the reference file itself, or a resampled one in folder."""
    n = SIZES[label]
    if n is None:
        return REFERENCE_CSV
    path = folder / f"catalog_{label}.csv"
    resample(reference, n, seed).to_csv(path, index=False)
    return path


# -- the engine, in a worker process --------------------------------------------------------------
def bench_cold_and_fetch(catalog: Catalog, work: Path, result: Result) -> Engine:
    """Cold fits of k=K (median of COLD_REPEATS, each a new Engine on an empty cache), then
    cached fetches through a new Engine and cache on the first one's folder; returns that Engine."""
    times, fits = [], []
    for attempt in range(COLD_REPEATS):
        cold_cache = ModelCache(work / f"cache-{attempt}")
        engine = Engine(catalog, cold_cache, seed=SEED)
        params = engine.params(K)
        fitted, seconds = timed(lambda e=engine, p=params: e.clustering(p))
        times.append(seconds)
        fits.append(fitted)
        cold_cache.close()
    first_fit = fits[0]
    result["cold_fit_s"] = statistics.median(times)
    result["cold_fit_all_s"] = times
    result["fit_method"] = first_fit.method
    result["silhouette_sample"] = first_fit.silhouette_sample
    result["peak_mb_after_fit"] = peak_mb()

    warm = Engine(catalog, ModelCache(work / "cache-0"), seed=SEED)
    fetched, first = timed(lambda: warm.clustering(params))
    if not np.array_equal(fetched.labels, first_fit.labels):
        raise AssertionError("the cached clustering differs from the one fitted")
    result["fetch_first_ms"] = first * 1000.0
    result["fetch_ms"] = median_ms(lambda: warm.clustering(params), FETCH_REPEATS)
    return warm


def bench_neighbours(engine: Engine, result: Result) -> None:
    """First neighbours call (scales the features) and the median of later calls."""
    params = engine.params(K)
    rows = np.random.default_rng(SEED).choice(len(engine.catalog), size=NEIGHBOUR_SONGS + 1, replace=False)
    ids = [str(engine.catalog.songs["id"].iat[row]) for row in rows]
    result["neighbours_first_ms"] = timed(lambda: engine.neighbours(ids[0], params))[1] * 1000.0
    times = [timed(lambda song=song: engine.neighbours(song, params))[1] for song in ids[1:]]
    result["neighbours_ms"] = statistics.median(times) * 1000.0


def bench_search(engine: Engine, result: Result) -> None:
    """First query (builds the index), then warm repeats of typical queries."""
    result["search_first_ms"] = timed(lambda: engine.search(SEARCH_QUERIES[0]))[1] * 1000.0
    result["peak_mb_after_search_index"] = peak_mb()
    per_query: dict[str, float] = {}
    times: list[float] = []
    for query in SEARCH_QUERIES:
        runs = [timed(lambda q=query: engine.search(q))[1] * 1000.0 for _ in range(SEARCH_REPEATS)]
        per_query[query] = statistics.median(runs)
        times.extend(runs)
    result["search_warm_ms"] = statistics.median(times)
    result["search_per_query_ms"] = per_query


def run_engine(csv: Path, work: Path) -> Result:
    """Every engine measurement for one catalog; work is an empty scratch folder."""
    result: Result = {}
    catalog, result["load_s"] = timed(lambda: load_catalog(csv))
    result["songs"] = len(catalog)
    result["peak_mb_after_load"] = peak_mb()
    result["rss_mb_after_load"] = rss_mb()
    engine = bench_cold_and_fetch(catalog, work, result)
    bench_neighbours(engine, result)
    bench_search(engine, result)
    params = engine.params(K)
    result["projection_s"] = timed(lambda: engine.projection(params))[1]
    sweeper = Engine(catalog, ModelCache(work / "sweep-cache"), seed=SEED)
    result["sweep_s"] = timed(lambda: sweeper.sweep(params, SWEEP_KS))[1]
    result["peak_mb"] = peak_mb()
    result["rss_mb_at_end"] = rss_mb()
    return result


# -- the original app's method, in a worker process --------------------------------------------------
def legacy_k_change(raw: np.ndarray, k: int, seed: int) -> Result:
    """One K change as the original Streamlit app did it; seconds per step.

    Scale; for each k in 2..10 fit K-Means (n_init=10) and take the FULL silhouette
    (the elbow and silhouette charts); fit K-Means at k; PCA(2) for the 2D view; a
    separate PCA(3) for the 3D view's third axis. float64 throughout, as in pandas.
    """
    steps: Result = {"elbow_fits_s": 0.0, "silhouettes_s": 0.0}
    X, steps["scale_s"] = timed(lambda: StandardScaler().fit_transform(raw))
    for elbow_k in LEGACY_KS:
        model = KMeans(n_clusters=elbow_k, n_init=LEGACY_N_INIT, random_state=seed)
        labels, seconds = timed(lambda m=model: m.fit_predict(X))
        steps["elbow_fits_s"] += seconds
        steps["silhouettes_s"] += timed(lambda lab=labels: silhouette_score(X, lab))[1]
    final = KMeans(n_clusters=k, n_init=LEGACY_N_INIT, random_state=seed)
    steps["final_fit_s"] = timed(lambda: final.fit_predict(X))[1]
    steps["pca2_s"] = timed(lambda: PCA(n_components=2).fit_transform(X))[1]
    steps["pca3_s"] = timed(lambda: PCA(n_components=3).fit_transform(X))[1]
    steps["total_s"] = sum(v for key, v in steps.items() if key.endswith("_s"))
    return steps


def run_legacy(csv: Path, threads: int | None = None) -> Result:
    """The legacy K change on the same catalog rows and features as the engine.

    ``threads=None`` is the original app (library defaults); ``threads=1`` runs it on one
    thread, as core runs every fit, to compare algorithms without the
    OpenMP spin-wait penalty a busy shared machine adds to multi-threaded fits.
    """
    catalog = load_catalog(csv)
    with threadpool_limits(limits=threads):
        result = legacy_k_change(catalog.feature_matrix(), K, SEED)
    result["songs"] = len(catalog)
    result["peak_mb"] = peak_mb()
    return result


# -- core's K-Means vs full K-Means, in a worker process ---------------------------------------------------
def inertia(X: np.ndarray, labels: np.ndarray, centroids: np.ndarray) -> float:
    """Sum of squared distances of rows of X to their centroid, in float64."""
    diff = X.astype(np.float64) - centroids.astype(np.float64)[labels]
    return float(np.einsum("ij,ij->", diff, diff))


def run_quality(csv: Path) -> Result:
    """core's fit above FULL_FIT_MAX against full K-Means (core's small-data settings) on the same X."""
    catalog = load_catalog(csv)
    X = scale(catalog.feature_matrix(), "standard")
    rows = []
    for k in QUALITY_KS:
        with fit_threads():
            (core_labels, method), core_s = timed(lambda k=k: fit_kmeans(X, k, SEED))
            full = KMeans(n_clusters=k, init="k-means++", n_init=N_INIT, random_state=SEED)
            full_labels, full_s = timed(lambda m=full: m.fit_predict(X))
        rows.append(
            {
                "k": k,
                "method": method,
                "core_s": core_s,
                "full_s": full_s,
                "core_inertia": inertia(X, core_labels, cluster_means(X, core_labels, k)[0]),
                "full_inertia": inertia(X, full_labels, cluster_means(X, full_labels, k)[0]),
            }
        )
    return {"songs": len(catalog), "rows": rows}


WORKERS: dict[str, Callable[[Path, Path], Result]] = {
    "engine": run_engine,
    "legacy": lambda csv, _work: run_legacy(csv),
    "legacy-1thread": lambda csv, _work: run_legacy(csv, threads=1),
    "quality": lambda csv, _work: run_quality(csv),
}


def run_worker(kind: str, csv: Path, work: Path) -> Result:
    """Run a job in a fresh interpreter (this file with --worker); its JSON result or an error."""
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", kind, "--csv", str(csv), "--work", str(work)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=PROJECT, check=False)
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": f"{kind} worker exited with {done.returncode}: {tail}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- the run -------------------------------------------------------------------------------------
def bench_size(label: str, reference: pd.DataFrame, scratch: Path, seed: int) -> Result:
    """Build one size's CSV and run its jobs one after another (never two at once)."""
    folder = scratch / label
    folder.mkdir()
    before = cpu_snapshot()
    log(f"[{label}] writing the catalog CSV")
    csv = catalog_csv(label, reference, folder, seed)
    log(f"[{label}] engine")
    result: Result = {"label": label, "engine": run_worker("engine", csv, folder / "engine")}
    songs = result["engine"].get("songs") or SIZES[label] or 0
    if songs <= LEGACY_MAX_SONGS:
        log(f"[{label}] the original app's method")
        result["legacy"] = run_worker("legacy", csv, folder / "legacy")
        log(f"[{label}] the original app's method on one thread")
        result["legacy_1thread"] = run_worker("legacy-1thread", csv, folder / "legacy-1thread")
    if label == QUALITY_SIZE:
        log(f"[{label}] core's K-Means vs full K-Means")
        result["quality"] = run_worker("quality", csv, folder / "quality")
    if csv != REFERENCE_CSV:
        csv.unlink()
    result["background_cpu"] = background_share(before, cpu_snapshot())
    return result


def log(message: str) -> None:
    """Progress on stderr, so stdout carries only the table."""
    print(f"{time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)


def measured_legacy(measured: Sequence[Result], key: str) -> list[Result]:
    """The successful legacy measurements of one variant ("legacy" or "legacy_1thread"), smallest first."""
    return sorted((m[key] for m in measured if key in m and "error" not in m[key]), key=lambda r: r["songs"])


def legacy_estimate(songs: int, measured: Sequence[Result], key: str = "legacy") -> tuple[float, float] | None:
    """(total, silhouettes) seconds of the legacy K change at ``songs``, extrapolated from the
    largest measured size: silhouettes scale with n², the rest with n. None without a measurement."""
    usable = measured_legacy(measured, key)
    if not usable:
        return None
    base = usable[-1]
    factor = songs / base["songs"]
    silhouettes = base["silhouettes_s"] * factor**2
    return silhouettes + (base["total_s"] - base["silhouettes_s"]) * factor, silhouettes


def silhouette_exponent(measured: Sequence[Result], key: str = "legacy") -> float | None:
    """Measured scaling exponent of the full silhouettes between the smallest and largest legacy sizes."""
    usable = measured_legacy(measured, key)
    if len(usable) < 2:
        return None
    small, large = usable[0], usable[-1]
    return float(np.log(large["silhouettes_s"] / small["silhouettes_s"]) / np.log(large["songs"] / small["songs"]))


# -- the report -------------------------------------------------------------------------------------
def fmt(value: float | None, digits: int = 2) -> str:
    """A number for a table cell, '—' when missing."""
    if value is None:
        return "—"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"


def sections(text: str) -> list[tuple[str, str]]:
    """(heading, body) of each '## ' section of a markdown report, in order."""
    parts = re.split(r"(?m)^(?=## )", text)
    return [(part.splitlines()[0], part) for part in parts if part.startswith("## ")]


def write_section(path: Path, heading: str, text: str) -> None:
    """Put ``text`` (which starts with ``heading``) in place of that section of the report at
    ``path`` (up to the next '## ' heading), or append it; the other sections stay."""
    old = path.read_text() if path.exists() else ""
    start = old.find(heading + "\n")
    if start < 0:
        new = old.rstrip("\n") + ("\n\n" if old else "") + text
    else:
        following = old.find("\n## ", start + len(heading))
        new = old[:start] + text.rstrip("\n") + "\n" + (old[following:] if following >= 0 else "")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(new)


def machine_lines(command: str) -> list[str]:
    """The header: machine, versions, date, commit and command."""
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown CPU",
    )
    mem_kib = next(
        int(line.split()[1]) for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")
    )
    commit = git("rev-parse", "--short", "HEAD")
    dirty = git("status", "--porcelain", "--", "core")
    return [
        f"- Machine: {cpu}, {os.cpu_count()} cores, {mem_kib / 2**20:.1f} GiB RAM, {platform.system()} "
        f"{platform.release()}",
        f"- Python {platform.python_version()}, numpy {np.__version__}, scikit-learn {sklearn.__version__}, "
        f"pandas {pd.__version__}",
        f"- Date: {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}; commit {commit or '?'}"
        + (" (core/ had uncommitted changes)" if dirty else ""),
        f"- Command: `{command}`",
        "- Threads: "
        + (
            ", ".join(f"{v}={os.environ[v]}" for v in THREAD_VARS if v in os.environ)
            or "no OMP/BLAS variables set; core runs every fit on one thread (core.clustering.fit_threads)"
        ),
    ]


def background_line(results: Sequence[Result]) -> str:
    """How busy other processes kept the machine while each size ran."""
    shares = ", ".join(f"{r['label']} {r['background_cpu']:.0%}" for r in results)
    return f"- Other processes' CPU use while each size ran (share of all cores): {shares}"


def git(*args: str) -> str:
    """Output of a git command in the project, '' when it fails."""
    done = subprocess.run(["git", *args], capture_output=True, text=True, cwd=PROJECT, check=False)
    return done.stdout.strip() if done.returncode == 0 else ""


def engine_table(results: Sequence[Result]) -> list[str]:
    """One row per size: the engine's measurements."""
    lines = [
        "| size | songs | load (s) | cold fit k=5 (s) | cached fetch k=5 (ms, median of 20) | sweep k=2..12 (s) "
        "| neighbours (ms, median) | search first query incl. index (ms) | search warm (ms, median) "
        "| peak RSS (MB) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        e = r["engine"]
        if "error" in e:
            lines.append(f"| {r['label']} | {e['error']} |" + " |" * 8)
            continue
        lines.append(
            f"| {r['label']} | {e['songs']:,} | {fmt(e['load_s'])} | {fmt(e['cold_fit_s'])} | {fmt(e['fetch_ms'])} "
            f"| {fmt(e['sweep_s'])} | {fmt(e['neighbours_ms'])} | {fmt(e['search_first_ms'], 1)} "
            f"| {fmt(e['search_warm_ms'])} | {fmt(e['peak_mb'], 0)} |"
        )
    return lines


def legacy_row(r: Result, measured: Sequence[Result]) -> str:
    """One size's row of the legacy comparison: measured, or an estimate clearly marked."""
    e = r["engine"]
    songs = e.get("songs") or SIZES[r["label"]] or 0
    legacy = r.get("legacy")
    if legacy and "error" in legacy:
        return f"| {r['label']} | {songs:,} | {legacy['error']} |" + " |" * 6
    if legacy:
        mark, note = "", "measured"
        total, sil = legacy["total_s"], legacy["silhouettes_s"]
        one = r.get("legacy_1thread", {}).get("total_s")
    else:
        mark, note = "≈ ", "not run; ≈ estimate from n² scaling"
        total, sil = legacy_estimate(songs, measured) or (None, None)
        one = (legacy_estimate(songs, measured, "legacy_1thread") or (None, None))[0]
        if total is None:
            note = "not run; no measured size to extrapolate from"
    cached = total / (e["fetch_ms"] / 1000.0) if total is not None and "fetch_ms" in e else None
    cold = total / e["cold_fit_s"] if total is not None and "cold_fit_s" in e else None
    one_cold = one / e["cold_fit_s"] if one is not None and "cold_fit_s" in e else None
    return (
        f"| {r['label']} | {songs:,} | {note} | {est(total, mark)} | {est(sil, mark)} | {ratio(cached, mark)} "
        f"| {ratio(cold, mark)} | {est(one, mark)} | {ratio(one_cold, mark)} |"
    )


def est(value: float | None, mark: str) -> str:
    """Seconds for a table cell, prefixed with ≈ when estimated."""
    return f"{mark}{fmt(value)}" if value is not None else "—"


def ratio(value: float | None, mark: str = "") -> str:
    """A speed ratio for a table cell: 0.35×, 12×, 1,234×."""
    if value is None:
        return "—"
    return f"{mark}{value:.2f}×" if value < 10 else f"{mark}{value:,.0f}×"


def legacy_table(results: Sequence[Result]) -> list[str]:
    """The original app's K change against ours, per size."""
    lines = [
        "| size | songs | legacy run | legacy K change (s) | of which 9 full silhouettes (s) "
        "| legacy / our cached fetch | legacy / our cold fit | legacy on one thread (s) "
        "| one-thread legacy / our cold fit |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [legacy_row(r, results) for r in results]
    exponents = [
        (name, silhouette_exponent(results, key))
        for name, key in (("default threads", "legacy"), ("one thread", "legacy_1thread"))
    ]
    shown = ", ".join(f"n^{x:.2f} ({name})" for name, x in exponents if x is not None)
    if shown:
        lines += [
            "",
            f"Measured scaling of the 9 full silhouettes between the legacy sizes: {shown}; "
            "the estimates use n² for them (the asymptotic cost) and n for the rest.",
        ]
    return lines


def target_table(results: Sequence[Result]) -> list[str]:
    """Each target with its measurement and pass/miss."""
    by_label = {r["label"]: r["engine"] for r in results}
    lines = ["| target | size | limit | measured | result |", "|---|---|---:|---:|---|"]
    for name, label, key, limit, unit in TARGETS:
        value = by_label.get(label, {}).get(key)
        verdict = "not measured" if value is None else ("pass" if value < limit else "**miss**")
        lines.append(f"| {name} | {label} | < {fmt(limit, 0)} {unit} | {fmt(value)} {unit} | {verdict} |")
    notes = []
    for label in dict.fromkeys(t[1] for t in TARGETS):
        e = by_label.get(label, {})
        if "cold_fit_all_s" in e:
            query, slowest = max(e["search_per_query_ms"].items(), key=lambda item: item[1])
            notes.append(
                f"- {label}: the {COLD_REPEATS} cold fits took {', '.join(fmt(t) for t in e['cold_fit_all_s'])} s; "
                f"slowest warm search query '{query}' {fmt(slowest)} ms."
            )
    return lines + (["", *notes] if notes else [])


def quality_table(results: Sequence[Result]) -> list[str]:
    """core's fit above FULL_FIT_MAX against full K-Means at the quality size."""
    quality = next((r["quality"] for r in results if "quality" in r), None)
    if quality is None:
        return [f"Not run ({QUALITY_SIZE} was not among the sizes)."]
    if "error" in quality:
        return [quality["error"]]
    lines = [
        f"{quality['songs']:,} songs, standard-scaled default features; above {FULL_FIT_MAX:,} songs core fits "
        f"{quality['rows'][0]['method'] if quality['rows'] else '?'}. Full K-Means: k-means++, n_init={N_INIT} "
        "(core's settings below that). Inertia: to the cluster means of each partition. One thread.",
        "",
        "| k | core fit (s) | full K-Means fit (s) | core inertia | full inertia | core / full |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for q in quality["rows"]:
        lines.append(
            f"| {q['k']} | {fmt(q['core_s'])} | {fmt(q['full_s'])} | {q['core_inertia']:,.0f} "
            f"| {q['full_inertia']:,.0f} | {q['core_inertia'] / q['full_inertia']:.4f} |"
        )
    return lines


def details_table(results: Sequence[Result]) -> list[str]:
    """Secondary measurements that explain the main table."""
    lines = [
        "| size | fit method | cold fits (s) | first cached fetch (ms) | first neighbours call (ms) "
        "| slowest warm search | PCA(3) projection cold (s) | peak RSS after load / fit / search index (MB) "
        "| RSS right after load / at the end (MB) | other processes' CPU meanwhile |",
        "|---|---|---|---:|---:|---|---:|---|---|---:|",
    ]
    for r in results:
        e = r["engine"]
        if "error" in e:
            continue
        query, slowest = max(e["search_per_query_ms"].items(), key=lambda item: item[1])
        sample = f"; silhouette on {e['silhouette_sample']:,} songs" if e["silhouette_sample"] else ""
        lines.append(
            f"| {r['label']} | {e['fit_method']}{sample} | {', '.join(fmt(t) for t in e['cold_fit_all_s'])} "
            f"| {fmt(e['fetch_first_ms'])} "
            f"| {fmt(e['neighbours_first_ms'])} | {fmt(slowest)} ms ('{query}') | {fmt(e['projection_s'])} "
            f"| {fmt(e['peak_mb_after_load'], 0)} / {fmt(e['peak_mb_after_fit'], 0)} "
            f"/ {fmt(e['peak_mb_after_search_index'], 0)} "
            f"| {fmt(e['rss_mb_after_load'], 0)} / {fmt(e['rss_mb_at_end'], 0)} | {r['background_cpu']:.0%} |"
        )
    legacy = [r for r in results if "legacy" in r and "error" not in r["legacy"]]
    if legacy:
        lines += [
            "",
            "Legacy K change by step (s):",
            "",
            "| size | threads | scale | 9 elbow fits | 9 full silhouettes | fit at k | PCA(2) | PCA(3) | total |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for r in legacy:
            for key, threads in (("legacy", "defaults"), ("legacy_1thread", "one")):
                g = r.get(key, {"error": "not run"})
                if "error" in g:
                    lines.append(f"| {r['label']} | {threads} | {g['error']} |" + " |" * 6)
                    continue
                lines.append(
                    f"| {r['label']} | {threads} | {fmt(g['scale_s'], 3)} | {fmt(g['elbow_fits_s'])} "
                    f"| {fmt(g['silhouettes_s'])} | {fmt(g['final_fit_s'])} | {fmt(g['pca2_s'], 3)} "
                    f"| {fmt(g['pca3_s'], 3)} | {fmt(g['total_s'])} |"
                )
    return lines


def report(results: Sequence[Result], command: str) -> str:
    """The whole markdown report."""
    sections = [
        ["# Engine benchmark", "", *machine_lines(command), background_line(results)],
        ["## Engine", "", *engine_table(results)],
        ["## Targets", "", *target_table(results)],
        [
            "## The original app's method: one K change",
            "",
            "StandardScaler; K-Means k=2..10 (n_init=10), each with a FULL silhouette; K-Means at k=5; "
            "PCA(2); a separate PCA(3). Ours for a K change is a cached fetch (the projection does not depend "
            "on K and is cached once per feature space). The legacy method runs with the libraries' default "
            "threads, as the original app did; the one-thread column runs it on one thread, as core runs "
            "every fit, which separates the algorithmic gain from the OpenMP spin-wait penalty "
            "that other processes on this 2-core machine add to multi-threaded fits.",
            "",
            *legacy_table(results),
        ],
        [f"## core's K-Means vs full K-Means at {QUALITY_SIZE}", "", *quality_table(results)],
        ["## Details", "", *details_table(results)],
        ["## Method", "", *(f"- {line.strip()}" for line in METHOD_NOTES)],
    ]
    return "\n\n".join("\n".join(s) for s in sections) + "\n"


METHOD_NOTES = (
    "2k is the reference file as it is; larger sizes resample its rows with seeded 2 % noise per feature "
    "(clipped to the reference's range), fresh ids and titles, written to CSV and loaded with load_catalog.",
    "Every size runs in fresh subprocesses, one job at a time: peak RSS is ru_maxrss of the engine job only.",
    f"Cold fit: median of {COLD_REPEATS} Engine.clustering(k={K}) calls, each by a new Engine on an empty "
    "ModelCache (scale, fit, metrics, profiles, store). "
    f"Cached fetch: a new Engine and ModelCache on the same folder, median of {FETCH_REPEATS} disk reads.",
    f"Sweep: Engine.sweep over k={SWEEP_KS[0]}..{SWEEP_KS[-1]} on another empty cache. Neighbours: median over "
    f"{NEIGHBOUR_SONGS} songs after one warm-up call (which scales the features).",
    f"Search: the first query ('{SEARCH_QUERIES[0]}') builds the index; warm = median of {SEARCH_REPEATS} "
    f"repeats of each of {', '.join(repr(q) for q in SEARCH_QUERIES)}.",
    "Legacy estimates (≈) for sizes above 20k scale the largest measured size's silhouettes by n² and the rest by n.",
)


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Command-line options (the --worker ones are internal)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default=",".join(SIZES), help=f"comma-separated, from {', '.join(SIZES)}")
    parser.add_argument("--out", type=Path, default=PROJECT / "bench" / "RESULTS.md", help="markdown report path")
    parser.add_argument("--seed", type=int, default=SEED, help="seed for the resampled catalogs")
    parser.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    parser.add_argument("--csv", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.sizes = [s.strip().lower() for s in args.sizes.split(",") if s.strip()]
    unknown = [s for s in args.sizes if s not in SIZES]
    if unknown:
        parser.error(f"unknown size(s) {', '.join(unknown)}: use {', '.join(SIZES)}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark (or, with --worker, one job of it) and write the report."""
    args = parse_args(argv)
    if args.worker:
        args.work.mkdir(parents=True, exist_ok=True)
        print(json.dumps(WORKERS[args.worker](args.csv, args.work)))
        return 0
    command = shlex.join([os.path.relpath(sys.executable, PROJECT), *sys.argv])
    reference = read_reference()
    with tempfile.TemporaryDirectory(prefix="engine-bench-") as scratch:
        results = [bench_size(label, reference, Path(scratch), args.seed) for label in args.sizes]
    RAW_JSON.parent.mkdir(parents=True, exist_ok=True)
    RAW_JSON.write_text(json.dumps(results, indent=1))
    text = report(results, command)
    print(text)
    # Other scripts' sections (fit_bench, embedding_bench, startup) stay after this report's.
    kept = "".join(
        body
        for heading, body in sections(args.out.read_text() if args.out.exists() else "")
        if heading not in {h for h, _ in sections(text)}
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text.rstrip("\n") + ("\n\n" + kept if kept else "\n"))
    log(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
