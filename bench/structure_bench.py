"""Structure benchmark: what "is the structure real?" costs at 2k, 100k and 1M songs, cold and cached.

Run from the project folder::

    .venv/bin/python bench/structure_bench.py                        # 2k, 100k, 1m
    .venv/bin/python bench/structure_bench.py --sizes 2k --out /tmp/STRUCTURE_RESULTS.md

Catalogs are made as in ``bench/engine_bench.py`` (``resample``): ``2k`` is
``../shared/data/spotify.csv`` loaded with ``core.catalog.load_catalog``; larger sizes are
its rows resampled with a seeded generator, each clustering feature given Gaussian noise of
2 % of its standard deviation, wrapped with ``core.catalog.catalog_from_frame`` (no CSV:
loading is engine_bench's business). Every size runs in a fresh subprocess, so the peak
memory (``ru_maxrss``) is that size's alone.

What is timed (K-Means, K=5, default features and scaler, Engine seed 42; the clustering
itself is fitted first and not counted):

- cold: ``Engine.stability`` (20 bootstrap refits), ``Engine.null_comparison`` (5 shuffled
  draws), ``Engine.map_trust`` of the 3-D PCA view (the PCA fitted beforehand), each on a
  cache that holds the clustering but not the answer (computing, pickling, storing);
- cached: a new Engine and ModelCache on the same folder, median of ``FETCH_REPEATS`` fetches;
- the K advice over K=2..12 (``Engine.k_advice``; fits each K's clustering, stability and
  null comparison) on another empty cache, then the cluster tree across those Ks from the
  cached fits, cold and cached.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))  # measure this checkout's core, wherever the script is run from
sys.path.insert(0, str(PROJECT / "bench"))  # engine_bench's catalogs and report helpers

from engine_bench import (  # noqa: E402
    REFERENCE_CSV,
    background_share,
    cpu_snapshot,
    fmt,
    log,
    machine_lines,
    median_ms,
    peak_mb,
    read_reference,
    resample,
    timed,
)

from core.cache import ModelCache  # noqa: E402
from core.catalog import Catalog, catalog_from_frame, load_catalog  # noqa: E402
from core.engine import Engine  # noqa: E402

SIZES: dict[str, int | None] = {"2k": None, "100k": 100_000, "1m": 1_000_000}
SEED = 42
K = 5
ADVICE_KS = tuple(range(2, 13))
FETCH_REPEATS = 20
RAW_JSON = PROJECT / "bench" / "out" / "structure_results.json"

Result = dict[str, Any]


def make_catalog(label: str) -> Catalog:
    """The catalog of a size label (see the module docstring)."""
    n = SIZES[label]
    if n is None:
        return load_catalog(REFERENCE_CSV)
    songs = resample(read_reference(), n, SEED).rename(columns={"song_title": "title"})
    return catalog_from_frame(songs, source=f"resampled-{label}")


def run_size(label: str, work: Path) -> Result:
    """Every measurement of one size, in this process; ``work`` is an empty scratch folder."""
    catalog = make_catalog(label)
    result: Result = {"label": label, "songs": len(catalog)}
    engine = Engine(catalog, ModelCache(work / "cache"), seed=SEED)
    params = engine.params(K)
    result["fit_s"] = timed(lambda: engine.clustering(params))[1]
    result["pca_s"] = timed(lambda: engine.projection(params))[1]
    stability, result["stability_s"] = timed(lambda: engine.stability(params))
    null, result["null_s"] = timed(lambda: engine.null_comparison(params))
    trust, result["trust_s"] = timed(lambda: engine.map_trust(params, "pca", 3))
    result.update(
        stability=stability.ari,
        stability_sample=stability.sample,
        null_silhouette=null.null_mean,
        silhouette=null.silhouette,
        beats_null=null.beats_null,
        null_sample=null.sample,
        trustworthiness=trust.trustworthiness,
        preservation=trust.mean_preservation,
        preservation_songs=len(trust.rows),
    )

    fresh = Engine(catalog, ModelCache(work / "cache"), seed=SEED)
    result["stability_fetch_ms"] = median_ms(lambda: fresh.stability(params), FETCH_REPEATS)
    result["null_fetch_ms"] = median_ms(lambda: fresh.null_comparison(params), FETCH_REPEATS)
    result["trust_fetch_ms"] = median_ms(lambda: fresh.map_trust(params, "pca", 3), FETCH_REPEATS)

    adviser = Engine(catalog, ModelCache(work / "advice-cache"), seed=SEED)
    advice, result["advice_s"] = timed(lambda: adviser.k_advice(params, ADVICE_KS))
    result["advice"] = advice.sentence
    result["advice_fetch_ms"] = median_ms(lambda: adviser.k_advice(params, ADVICE_KS), FETCH_REPEATS)
    result["tree_s"] = timed(lambda: adviser.cluster_tree(params, ADVICE_KS))[1]
    result["tree_fetch_ms"] = median_ms(lambda: adviser.cluster_tree(params, ADVICE_KS), FETCH_REPEATS)
    result["peak_mb"] = peak_mb()
    return result


def run_worker(label: str, work: Path) -> Result:
    """One size in a fresh interpreter (this file with --worker); its JSON result or an error."""
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", label, "--work", str(work)]
    done = subprocess.run(command, capture_output=True, text=True, cwd=PROJECT, check=False)
    if done.returncode != 0:
        tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return {"label": label, "error": f"worker exited with {done.returncode}: {tail}"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def table(results: list[Result]) -> list[str]:
    """The markdown tables: costs, then what was computed (to see that the numbers mean something)."""
    lines = [
        "| size | songs | stability cold (s) | stability cached (ms) | null cold (s) | null cached (ms) "
        "| PCA 3D trust cold (s) | trust cached (ms) | K advice K=2..12 cold (s) | advice cached (ms) "
        "| tree K=2..12 from cached fits (ms) | tree cached (ms) | peak RSS (MB) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        if "error" in r:
            lines.append(f"| {r['label']} | {r['error']} |" + " |" * 11)
            continue
        lines.append(
            f"| {r['label']} | {r['songs']:,} | {fmt(r['stability_s'])} | {fmt(r['stability_fetch_ms'])} "
            f"| {fmt(r['null_s'])} | {fmt(r['null_fetch_ms'])} | {fmt(r['trust_s'])} | {fmt(r['trust_fetch_ms'])} "
            f"| {fmt(r['advice_s'], 1)} | {fmt(r['advice_fetch_ms'])} | {fmt(r['tree_s'] * 1000, 1)} "
            f"| {fmt(r['tree_fetch_ms'])} | {fmt(r['peak_mb'], 0)} |"
        )
    lines += [
        "",
        "| size | fit k=5 (s, not counted above) | resampled from | stability (mean ARI) | silhouette | null "
        "silhouette | beats null | trustworthiness (PCA 3D) | mean preservation (songs) |",
        "|---|---:|---|---:|---:|---:|---|---:|---:|",
    ]
    for r in results:
        if "error" in r:
            continue
        sample = f"{r['stability_sample']:,} (sample)" if r["stability_sample"] else "all"
        lines.append(
            f"| {r['label']} | {fmt(r['fit_s'])} | {sample} | {fmt(r['stability'], 3)} | {fmt(r['silhouette'], 3)} "
            f"| {fmt(r['null_silhouette'], 3)} | {'yes' if r['beats_null'] else 'no'} "
            f"| {fmt(r['trustworthiness'], 3)} | {fmt(r['preservation'], 3)} ({r['preservation_songs']:,}) |"
        )
    lines += ["", *(f"- {r['label']}: {r['advice']}" for r in results if "advice" in r)]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default=",".join(SIZES), help=f"comma-separated, of {', '.join(SIZES)}")
    parser.add_argument("--out", type=Path, default=None, help="also write the report (markdown) here")
    parser.add_argument("--worker", choices=list(SIZES), help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(run_size(args.worker, args.work)))
        return
    labels = [s.strip() for s in args.sizes.split(",") if s.strip()]
    unknown = sorted(set(labels) - set(SIZES))
    if unknown:
        parser.error(f"unknown size(s) {', '.join(unknown)}")
    results = []
    with tempfile.TemporaryDirectory(prefix="structure-bench-") as scratch:
        for label in labels:
            log(f"[{label}] stability, null, map trust, K advice, cluster tree")
            before = cpu_snapshot()
            result = run_worker(label, Path(scratch) / label)
            result["background_cpu"] = background_share(before, cpu_snapshot())
            results.append(result)
    RAW_JSON.parent.mkdir(parents=True, exist_ok=True)
    RAW_JSON.write_text(json.dumps(results, indent=2))
    command = "bench/structure_bench.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    shares = ", ".join(f"{r['label']} {r['background_cpu']:.0%}" for r in results)
    report = [
        "# Structure benchmark: is the structure real?",
        "",
        *machine_lines(f".venv/bin/python {command.strip()}"),
        f"- Other processes' CPU use while each size ran (share of all cores): {shares}",
        "",
        "K-Means, K=5, the ten default features, standard scaler; stability = 20 bootstrap refits (on a seeded "
        "sample of 20,000 songs above that size), null = 5 draws with each feature shuffled on its own (same "
        "sample rule), PCA 3D trust = per-song neighbourhood preservation (10 neighbours, up to 20,000 songs) and "
        "trustworthiness (on 5,000 songs). Cold = computed and stored on a cache holding the clustering; cached = "
        f"a new Engine on that cache, median of {FETCH_REPEATS} fetches. See the script's docstring.",
        "",
        *table(results),
        "",
        "Above 50,000 songs K-Means fits its restarts on a 15,000-song sample and refits the centres on every song "
        "(core.fast_kmeans), while the refits of the 20,000-song sample are full K-Means fits (see "
        "core/stability.py's docstring).",
        "",
    ]
    text = "\n".join(report)
    print(text)
    if args.out:
        args.out.write_text(text)


if __name__ == "__main__":
    main()
