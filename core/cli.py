"""Command line for people without the web UI.

    python -m core cluster data.csv --k 5 -o labelled.csv [--json]
    python -m core cluster data.csv --algo dbscan --eps 1.2 --min-samples 10 --scaler robust \
        --features energy,valence,tempo --json
    python -m core cluster data.csv --algo hierarchical --linkage average --k 6
    python -m core cluster data.csv --k 5 --no-stability    # skip the resampling (seconds on 2k songs)
    python -m core extract ~/Music -o features.csv [--workers N] [--cache-dir D]

The package also installs this as the ``audiospace`` console script (same subcommands).

``extract`` analyses every audio file under a folder (core.audio: the ``audio`` install group) and
writes one row per file, a catalog CSV that ``cluster`` and the web app read. A progress bar with
the rate and time left goes to stderr, then a summary and one line per file that failed (or was
analysed with a remark). Re-runs are quick: results are cached by file content (default cache:
``<AUDIOSPACE_CACHE_DIR>/audio-features``).

Exit status 0 on success (files that failed are listed, they do not fail the run), 2 when the file,
the folder or a choice cannot serve (message on stderr, no traceback): no such folder, no audio
file in it, none analysable, the audio libraries not installed.
"""

from __future__ import annotations

import argparse
import json
import math
import sqlite3
import sys
import time
from pathlib import Path

from core.cache import open_model_cache
from core.catalog import load_catalog
from core.clustering import DEFAULT_SCALER, SCALERS
from core.config import ConfigError, Settings
from core.engine import Engine
from core.errors import DatasetError
from core.export import labelled_songs, to_csv_bytes
from core.methods import DEFAULT_METHOD, METHODS, ClusterParams, MethodOption
from core.summaries import cluster_summaries


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m core", description="Cluster songs by their audio features.")
    commands = parser.add_subparsers(dest="command", required=True)
    cluster = commands.add_parser("cluster", help="cluster a CSV and report or write the labelled songs")
    cluster.add_argument("csv", type=Path, help="a Spotify-feature CSV")
    cluster.add_argument(
        "--k", type=int, default=None, help="number of clusters (default: AUDIOSPACE_DEFAULT_K; DBSCAN ignores it)"
    )
    cluster.add_argument("--features", default=None, help="comma-separated features (default: all the file has)")
    cluster.add_argument("--scaler", choices=sorted(SCALERS), default=DEFAULT_SCALER)
    cluster.add_argument(
        "--algo", choices=METHODS.names(), default=DEFAULT_METHOD, help=f"clustering method (default: {DEFAULT_METHOD})"
    )
    for method in METHODS.methods.values():
        for option in method.options:
            cluster.add_argument(f"--{option.name.replace('_', '-')}", **_flag(method.label, option))
    cluster.add_argument("-o", "--output", type=Path, help="write the labelled songs as CSV here")
    cluster.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    cluster.add_argument(
        "--stability",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also refit on bootstrap resamples and on structureless data: is the structure real? (default: on)",
    )
    cluster.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        help="model cache folder (default: AUDIOSPACE_CACHE_DIR; with AUDIOSPACE_REDIS_URL the cache is in Redis)",
    )
    extract = commands.add_parser("extract", help="analyse a folder of audio files into a feature CSV")
    extract.add_argument("music_dir", type=Path, help="a folder of mp3, flac, ogg/opus, m4a/aac or wav files")
    extract.add_argument("-o", "--output", type=Path, required=True, help="write the feature table (CSV) here")
    extract.add_argument("--workers", type=int, default=None, help="processes to analyse with (default: all cores)")
    extract.add_argument(
        "--cache-dir",
        type=Path,
        default=None,
        help="where analysed files are remembered (default: AUDIOSPACE_CACHE_DIR/audio-features)",
    )
    extract.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


class _Progress:
    """A progress bar on stderr: tqdm's when installed, else a line rewritten in place."""

    def __init__(self, quiet: bool) -> None:
        self.quiet = quiet
        self.bar = None
        self.started = time.monotonic()

    def __call__(self, done: int, total: int, current: str) -> None:
        if self.quiet:
            return
        try:
            from tqdm import tqdm
        except ImportError:
            tqdm = None
        if tqdm is not None:
            if self.bar is None:
                self.bar = tqdm(total=total, unit="file", file=sys.stderr, dynamic_ncols=True, smoothing=0.1)
            self.bar.set_postfix_str(current[-40:], refresh=False)
            self.bar.update(done - self.bar.n)
            return
        elapsed = time.monotonic() - self.started
        rate = done / elapsed if elapsed > 0 else 0.0
        left = f"{(total - done) / rate:.0f} s left" if rate > 0 else "…"
        print(f"\r{done}/{total} files · {rate:.2f} files/s · {left}   ", end="", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
        elif not self.quiet:
            print(file=sys.stderr)


def run_extract(args: argparse.Namespace, settings: Settings) -> int:
    """Analyse ``args.music_dir`` into ``args.output``; the report goes to stderr. Returns the exit status."""
    from core.audio import INSTALL_HINT, missing_libraries

    missing = missing_libraries()
    if missing:
        print(f"error: audio analysis needs {', '.join(missing)}: {INSTALL_HINT}", file=sys.stderr)
        return 2
    if args.workers is not None and args.workers < 1:
        print("error: --workers must be at least 1", file=sys.stderr)
        return 2
    if not args.music_dir.is_dir():
        print(f"error: {args.music_dir} is not a folder", file=sys.stderr)
        return 2
    if not args.output.parent.resolve().is_dir():
        print(f"error: there is no folder {args.output.parent} to write {args.output.name} in", file=sys.stderr)
        return 2
    from core.audio.library import extract_library, iter_lines, write_features_csv

    progress = _Progress(args.quiet)
    try:
        result = extract_library(
            args.music_dir,
            cache_dir=args.cache_dir or settings.cache_dir / "audio-features",
            workers=args.workers,
            progress=progress,
        )
    finally:
        progress.close()
    for line in iter_lines(result):
        print(line, file=sys.stderr)
    if result.total == 0:
        print(f"error: no audio files in {args.music_dir}", file=sys.stderr)
        return 2
    if result.table.empty:
        print(f"error: none of the {result.total:,} audio files could be analysed", file=sys.stderr)
        return 2
    write_features_csv(result, args.output)
    print(f"Wrote {len(result.table):,} songs to {args.output}", file=sys.stderr)
    return 0


def _flag(method_label: str, option: MethodOption) -> dict[str, object]:
    """argparse keywords of a method option's flag: its type or choices, its help and default."""
    default = "auto" if option.default is None else option.default
    flag: dict[str, object] = {"default": None, "help": f"{method_label}: {option.help} (default: {default})"}
    if option.choices is not None:
        flag["choices"] = list(option.choices)
    else:
        flag["type"] = option.kind
    return flag


def _finite(value: float) -> float | None:
    return None if math.isnan(value) else round(value, 6)


def _structure(engine: Engine, params: ClusterParams) -> dict:
    """The JSON fields of "is the structure real?": overall stability (mean ARI over bootstrap
    resamples, core.stability), each cluster's mean best Jaccard (aligned with ``sizes``), and the
    mean silhouette on structureless data with whether the clustering beats it (core.null_model)."""
    stability = engine.stability(params)
    null = engine.null_comparison(params)
    return {
        "stability": _finite(stability.ari),
        "cluster_stability": [round(c.jaccard, 6) for c in stability.clusters],
        "cluster_recovered": [c.recovered for c in stability.clusters],
        "stability_resamples": stability.resamples,
        "stability_sample": stability.sample,
        "stability_note": stability.sentence(),
        "null": {"silhouette": _finite(null.null_mean), "beats_null": null.beats_null},
        "null_note": null.sentence(),
    }


def run_cluster(args: argparse.Namespace, settings: Settings) -> dict:
    """Cluster ``args.csv``; returns the JSON summary (and writes ``args.output``)."""
    catalog = load_catalog(args.csv)
    engine = Engine(catalog, open_model_cache(settings, args.cache_dir), settings.seed)
    features = [f.strip() for f in args.features.split(",")] if args.features else None
    k = settings.default_k if args.k is None else args.k
    options = {o.name: getattr(args, o.name) for o in METHODS.options()}
    params = engine.params(k, features, args.scaler, args.algo, **options)
    cached = engine.cache.has(engine.clustering_key(params))
    clustering = engine.clustering(params)
    if args.output:
        frame = labelled_songs(catalog, clustering, engine.projection(params))
        args.output.write_bytes(to_csv_bytes(frame))
    summary = {
        "songs": len(catalog),
        "cached": cached,
        "cache": engine.cache.backend,
        "k": clustering.k,
        "features": list(params.features),
        "scaler": params.scaler,
        "algorithm": params.algorithm,
        **{o.name: params.option(o.name) for o in METHODS.options()},
        "method": clustering.method,
        "noise": clustering.noise,
        "metrics_note": clustering.metrics_note,
        "dropped_rows": catalog.report.dropped_rows,
        "silhouette": _finite(clustering.silhouette),
        "silhouette_sample": clustering.silhouette_sample,
        "davies_bouldin": _finite(clustering.davies_bouldin),
        "calinski_harabasz": _finite(clustering.calinski_harabasz),
        "inertia": _finite(clustering.inertia),
        "sizes": clustering.sizes,
        "descriptions": [p.description for p in clustering.profiles],
        "summaries": cluster_summaries(catalog, clustering),
        "report": catalog.report.lines(),
    }
    if args.stability:
        summary.update(_structure(engine, params))
    genres = engine.genre_check(params)
    if genres is not None:
        summary["genre_ari"] = _finite(genres.ari)
        summary["genre_nmi"] = _finite(genres.nmi)
        summary["genre_note"] = genres.note
    return summary


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "extract":
        try:
            return run_extract(args, Settings.from_env())
        except ConfigError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        except sqlite3.Error as exc:
            print(f"error: the analysis cache cannot be used ({exc}); try another --cache-dir", file=sys.stderr)
            return 2
        except OSError as exc:
            print(f"error: {exc.strerror or exc}: {exc.filename or ''}", file=sys.stderr)
            return 2
    try:
        summary = run_cluster(args, Settings.from_env())
    except (DatasetError, ConfigError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: {exc.strerror or exc}: {exc.filename or ''}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
    else:
        print("\n".join(summary["report"]))
        print(
            f"K={summary['k']} ({summary['method']}): silhouette {summary['silhouette']}, "
            f"Davies-Bouldin {summary['davies_bouldin']}"
        )
        if summary["metrics_note"]:
            print(summary["metrics_note"])
        for cluster, (size, words) in enumerate(zip(summary["sizes"], summary["descriptions"], strict=True)):
            print(f"  cluster {cluster}: {size:,} songs — {words}")
        if summary["noise"]:
            print(f"  noise: {summary['noise']:,} songs in no cluster")
        if "stability" in summary:
            print(summary["stability_note"])
            print(summary["null_note"])
        if "genre_ari" in summary:
            print(
                f"Against the genres: ARI {summary['genre_ari']}, NMI {summary['genre_nmi']}. {summary['genre_note']}"
            )
        if args.output:
            print(f"Wrote {args.output}")
    return 0
