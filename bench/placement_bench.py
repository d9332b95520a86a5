"""What a 10,000-track audio library costs to map, and what "Where does this song land?" costs:
placing one song in a fitted view of it, and analysing one 30-second file.

    .venv/bin/python bench/placement_bench.py [--songs 10000] [--repeats 200] [--out bench/PLACEMENT_RESULTS.md]

The catalog is generated (tests.audio_catalog: the nine clustering audio descriptors drawn around
plausible centres in six loose groups): what is timed is the projection, not the
analysis of 10,000 files. The view (K-Means K=8, its PCA) is fitted once and cached first, as the
app has it when a visitor drops a file; then ``Engine.place`` (scale the row with the catalog's
statistics, PCA coordinates, nearest centre, 10 nearest songs by brute force) is timed ``repeats``
times per scaler and per method, median and 95th percentile in ms. The analysis row is
core.audio.features.analyse_file on a 30-second synthesised FLAC (core.audio.synth.song), after one
warm-up call (librosa imports and numba compiles once per process), median of 5. The maps of the
library itself (PCA, t-SNE, UMAP of every track, core.embedding) are timed cold, once each, on an
empty model cache, after core.embedding.warm_up (the app compiles UMAP before a visitor asks).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
from engine_bench import uptime

from core.cache import ModelCache
from core.catalog import catalog_from_frame
from core.engine import Engine
from core.features import AUDIO_CLUSTER_FEATURES
from tests.audio_catalog import audio_frame


def _ms(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[int(0.95 * (len(ordered) - 1))] * 1000


def time_placement(engine: Engine, scaler: str, algorithm: str, repeats: int) -> tuple[float, float]:
    """(median, p95) ms of Engine.place in a view already fitted and cached."""
    params = engine.params(8, scaler=scaler, algorithm=algorithm)
    engine.clustering(params)
    engine.projection(params)
    rng = np.random.default_rng(1)
    songs = engine.catalog.songs
    samples = []
    for _ in range(repeats):
        row = songs.iloc[int(rng.integers(len(songs)))]
        values = {f: float(row[f]) * float(rng.uniform(0.97, 1.03)) for f in AUDIO_CLUSTER_FEATURES}
        values["tonal_clarity"] = min(values["tonal_clarity"], 1.0)
        started = time.perf_counter()
        engine.place(values, params, n=10)
        samples.append(time.perf_counter() - started)
    return _ms(samples)


def time_maps(engine: Engine) -> list[tuple[str, float]]:
    """Seconds to map every track of ``engine``'s catalog, cold: PCA, t-SNE and UMAP (K-independent)."""
    from core.embedding import warm_up

    params = engine.params(8)
    warm_up(params.seed)
    timings = []
    for name, fit in (
        ("PCA (3D)", lambda: engine.projection(params)),
        ("t-SNE", lambda: engine.embedding(params, "tsne")),
        ("UMAP", lambda: engine.embedding(params, "umap")),
    ):
        started = time.perf_counter()
        described = fit()
        timings.append((name, time.perf_counter() - started))
        print(f"{name:9s} map of {len(engine.catalog):,} tracks: {timings[-1][1]:.2f} s", flush=True)
        del described
    return timings


def time_analysis(folder: Path, repeats: int = 5) -> tuple[float, float]:
    """(median, MB) of analyse_file on a 30-second synthesised FLAC, after one warm-up call."""
    import soundfile as sf

    from core.audio import synth
    from core.audio.features import analyse_file

    path = folder / "thirty.flac"
    sf.write(path, synth.song(30.0, bpm=118, minor=False, root=4, seed=3), synth.SAMPLE_RATE)
    analyse_file(path)
    samples = []
    for _ in range(repeats):
        started = time.perf_counter()
        analyse_file(path)
        samples.append(time.perf_counter() - started)
    return statistics.median(samples), path.stat().st_size / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--songs", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=200)
    parser.add_argument("--out", type=Path, default=None, help="also write the results as Markdown here")
    args = parser.parse_args()

    load_before = uptime()
    rows = []
    with tempfile.TemporaryDirectory(prefix="placebench-") as tmp:
        catalog = catalog_from_frame(audio_frame(args.songs), source="generated")
        maps = time_maps(Engine(catalog, ModelCache(Path(tmp) / "maps")))
        engine = Engine(catalog, ModelCache(Path(tmp) / "models"))
        for scaler, algorithm in (
            ("standard", "kmeans"),
            ("minmax", "kmeans"),
            ("robust", "kmeans"),
            ("standard", "hierarchical"),
        ):
            median, p95 = time_placement(engine, scaler, algorithm, args.repeats)
            rows.append((scaler, algorithm, median, p95))
            print(f"{scaler:9s} {algorithm:13s} median {median:7.2f} ms  p95 {p95:7.2f} ms", flush=True)
        analysis_s, analysis_mb = time_analysis(Path(tmp))
        print(f"analysis of one 30-s FLAC ({analysis_mb:.1f} MB): {analysis_s:.2f} s", flush=True)
    load_after = uptime()

    lines = [
        "# Placement benchmark",
        "",
        "`bench/placement_bench.py`: `Engine.place` (core.placement: scale one song with the catalog's "
        "statistics, PCA coordinates, cluster, 10 nearest songs by brute force; no refit) in a fitted, "
        f"cached view of a generated {args.songs:,}-track catalog of the nine audio descriptors, K=8.",
        "",
        f"Command: `.venv/bin/python bench/placement_bench.py --songs {args.songs} --repeats {args.repeats} "
        "--out bench/PLACEMENT_RESULTS.md`",
        "",
        f"Machine: {os.cpu_count()} CPUs, {platform.machine()}, {platform.platform()}, "
        f"Python {platform.python_version()}",
        "",
        f"## Maps of the {args.songs:,}-track library",
        "",
        "Cold (empty model cache), every track placed on the map; what the overview and explorer wait for "
        "once, in a background job, before every later visit reads the cached map.",
        "",
        "| map | seconds |",
        "| --- | ---: |",
        *[f"| {name} | {seconds:.2f} |" for name, seconds in maps],
        "",
        "## Placing one new song (no refit)",
        "",
        "| scaler | method | placements | median (ms) | p95 (ms) |",
        "| --- | --- | ---: | ---: | ---: |",
        *[f"| {s} | {a} | {args.repeats} | {m:.2f} | {p:.2f} |" for s, a, m, p in rows],
        "",
        f"Analysis of one 30-second synthesised FLAC ({analysis_mb:.1f} MB; core.audio.features.analyse_file, "
        f"warm process, median of 5): {analysis_s:.2f} s. The visitor waits for the upload and this; the "
        "placement itself is a few milliseconds of it.",
        "",
        f"Load before: `{load_before}`",
        f"Load after: `{load_after}`",
        "",
    ]
    if args.out:
        args.out.write_text("\n".join(lines), encoding="utf-8")


if __name__ == "__main__":
    main()
