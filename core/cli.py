"""Command line for people without the web UI.

    python -m core cluster data.csv --k 5 -o labelled.csv [--json]

Exit status 0 on success, 2 when the file or a choice cannot serve (message on stderr,
no traceback).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from core.cache import ModelCache
from core.catalog import load_catalog
from core.clustering import SCALERS
from core.config import ConfigError, Settings
from core.engine import Engine
from core.errors import DatasetError
from core.export import labelled_songs, to_csv_bytes


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m core", description="Cluster songs by their audio features.")
    commands = parser.add_subparsers(dest="command", required=True)
    cluster = commands.add_parser("cluster", help="cluster a CSV and report or write the labelled songs")
    cluster.add_argument("csv", type=Path, help="a Spotify-feature CSV")
    cluster.add_argument("--k", type=int, default=None, help="number of clusters (default: AUDIOSPACE_DEFAULT_K)")
    cluster.add_argument("--features", default=None, help="comma-separated features (default: all the file has)")
    cluster.add_argument("--scaler", choices=sorted(SCALERS), default="standard")
    cluster.add_argument("-o", "--output", type=Path, help="write the labelled songs as CSV here")
    cluster.add_argument("--json", action="store_true", help="print a JSON summary on stdout")
    cluster.add_argument(
        "--cache-dir", type=Path, default=None, help="model cache folder (default: AUDIOSPACE_CACHE_DIR)"
    )
    return parser


def _finite(value: float) -> float | None:
    return None if math.isnan(value) else round(value, 6)


def run_cluster(args: argparse.Namespace, settings: Settings) -> dict:
    """Cluster ``args.csv``; returns the JSON summary (and writes ``args.output``)."""
    catalog = load_catalog(args.csv)
    engine = Engine(catalog, ModelCache(args.cache_dir or settings.cache_dir, settings.lock_expire_s), settings.seed)
    features = [f.strip() for f in args.features.split(",")] if args.features else None
    params = engine.params(settings.default_k if args.k is None else args.k, features, args.scaler)
    clustering = engine.clustering(params)
    if args.output:
        frame = labelled_songs(catalog, clustering, engine.projection(params))
        args.output.write_bytes(to_csv_bytes(frame))
    return {
        "songs": len(catalog),
        "k": params.k,
        "features": list(params.features),
        "scaler": params.scaler,
        "method": clustering.method,
        "dropped_rows": catalog.report.dropped_rows,
        "silhouette": _finite(clustering.silhouette),
        "silhouette_sample": clustering.silhouette_sample,
        "davies_bouldin": _finite(clustering.davies_bouldin),
        "calinski_harabasz": _finite(clustering.calinski_harabasz),
        "inertia": _finite(clustering.inertia),
        "sizes": clustering.sizes,
        "descriptions": [p.description for p in clustering.profiles],
        "report": catalog.report.lines(),
    }


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
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
        for cluster, (size, words) in enumerate(zip(summary["sizes"], summary["descriptions"], strict=True)):
            print(f"  cluster {cluster}: {size:,} songs — {words}")
        if args.output:
            print(f"Wrote {args.output}")
    return 0
