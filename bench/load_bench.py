"""How fast do the interactive callbacks answer with many people at once? A bounded load
test on gunicorn over loopback, the callbacks posted as the browser posts them.

    .venv/bin/python bench/load_bench.py [--songs 2000] [--users 50] [--seconds 60]
                                         [--workers 4] [--think 1.0] [--busy 0] [--append]
                                         [--out bench/LOAD_RESULTS.md]

1. gunicorn (``--workers`` gthread workers, 4 threads each) on a catalog of ``--songs`` songs
   resampled from the reference data; its default view's K sweep and map computed first
   (as ``make run`` does), so every K switch is warm.
2. ``--users`` simulated people, each a thread with its own HTTP connection, for
   ``--seconds``: each picks an action, waits for the answer, then thinks for a random
   0-2×``--think`` seconds. Actions, as the browser sends them (Dash's callback protocol):
   switching K in the explorer (2-12), switching the clustering method (K-Means,
   hierarchical, DBSCAN at K=5), clicking a song (its panel and neighbours), typing a
   search, and opening a page (the page router's callback).
   With ``--busy N``, N t-SNE maps nobody has computed are asked for as the load starts
   (background jobs, which take turns: AUDIOSPACE_JOB_SLOTS).
3. Printed and written to ``--out``: per action, count, p50/p95/p99/max in ms (a resent
   request's time includes its first attempt), errors (anything but 200/204, or no answer
   twice), requests resent once, as a browser does, after gunicorn closed their idle
   keep-alive connection as they were sent; the median answer size.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from engine_bench import read_reference, resample  # noqa: E402
from ui_bench import machine  # noqa: E402

from app.factory import create_app  # noqa: E402
from app.prepare import warm  # noqa: E402
from core.cache import open_model_cache  # noqa: E402
from core.catalog import Catalog, load_catalog  # noqa: E402
from core.config import Settings  # noqa: E402
from core.engine import Engine  # noqa: E402
from core.methods import METHODS  # noqa: E402
from tests.battery.fuzz import callback_post  # noqa: E402
from tests.services import serving  # noqa: E402

Action = Callable[[requests.Session, random.Random], requests.Response]


def _callback(callback_map: dict, output: str, inputs: tuple[str, ...]) -> tuple[str, dict]:
    """The callback writing ``output`` whose inputs are ``inputs`` ("id.property")."""
    for key, spec in callback_map.items():
        dependencies = tuple(f"{d['id']}.{d['property']}" for d in spec["inputs"])
        if output in key and "callback" in spec and dependencies == inputs:
            return key, spec
    raise LookupError(f"no callback writes {output} from {inputs}")


def actions(callback_map: dict, song_ids: list[str], words: list[str]) -> dict[str, Action]:
    """What a person does, each as one callback post."""
    explorer_query = '{"page":"explorer","type":"page-query"}.data'
    search_query = '{"page":"search","type":"page-query"}.data'
    k_switch = _callback(callback_map, "explorer-graph.figure", ("settings.data",))
    pick = _callback(
        callback_map,
        "explorer-panel.children",
        ("explorer-pick.data", '{"from":["ALL"],"page":"explorer","song":["ALL"],"type":"pick-song"}.n_clicks'),
    )
    search = _callback(
        callback_map,
        "search-results.children",
        ("search-input.value", '{"from":["ALL"],"page":"search","song":["ALL"],"type":"pick-song"}.n_clicks'),
    )
    route = _callback(callback_map, "_pages_content.children", ("_pages_location.pathname", "_pages_location.search"))

    def post(session: requests.Session, callback: tuple[str, dict], values: dict) -> requests.Response:
        key, spec = callback
        return session.post(BASE["url"] + "/_dash-update-component", json=callback_post(key, spec, values), timeout=60)

    return {
        "K switch": lambda s, rng: post(
            s, k_switch, {"settings.data": {"k": str(rng.randint(2, 12))}, explorer_query: {"k": "5"}}
        ),
        "method change": lambda s, rng: post(
            s,
            k_switch,
            {"settings.data": {"k": "5", "algo": rng.choice(METHOD_NAMES)}, explorer_query: {"k": "5"}},
        ),
        "song click": lambda s, rng: post(
            s, pick, {"explorer-pick.data": {"song": rng.choice(song_ids)}, explorer_query: {"k": "5"}}
        ),
        "search": lambda s, rng: post(s, search, {"search-input.value": rng.choice(words), search_query: {"k": "5"}}),
        "page open": lambda s, rng: post(
            s,
            route,
            {
                "_pages_location.pathname": rng.choice(["/", "/explorer", "/heatmap", "/clusters", "/search"]),
                "_pages_location.search": "?k=5",
            },
        ),
    }


BASE: dict[str, str] = {}
#: The methods a "method change" switches between, each fitted at K=5 by app.prepare.warm
#: (its method comparison), so the switch is warm.
METHOD_NAMES = [method.name for method in METHODS.methods.values() if method.in_comparison]
#: Scalings and feature sets whose t-SNE map is a different, uncomputed job each.
_MAP_VIEWS = [
    {"k": "5", "proj": "tsne", "scaler": scaler, "features": features}
    for scaler in ("standard", "minmax", "robust")
    for features in (None, "danceability,energy,valence,tempo", "acousticness,loudness,energy")
]


def maps_computed(settings: Settings, catalog: Catalog) -> set[int]:
    """Which of the busy views' maps are in the cache (their index in _MAP_VIEWS)."""
    engine = Engine(catalog, open_model_cache(settings), seed=settings.seed)
    done = set()
    for i, view in enumerate(_MAP_VIEWS):
        features = tuple(view["features"].split(",")) if view["features"] else None
        params = engine.params(5, features, view["scaler"])
        if engine.cache.has(engine.embedding_key(params, "tsne")):
            done.add(i)
    return done


def start_maps(callback_map: dict, count: int) -> None:
    """Ask for ``count`` t-SNE maps nobody has computed, as background jobs (the explorer's
    job callback, as a page does); they compute while the load runs."""
    key, spec = _callback(callback_map, "explorer-body.children", ("explorer-job.data",))
    for view in _MAP_VIEWS[:count]:
        job = {name: value for name, value in view.items() if value is not None}
        body = callback_post(key, spec, {"explorer-job.data": job})
        answer = requests.post(BASE["url"] + "/_dash-update-component", json=body, timeout=60)
        answer.raise_for_status()


def run_users(
    doing: dict[str, Action], users: int, seconds: float, think: float
) -> tuple[dict[str, list[float]], dict[str, int], dict[str, list[int]]]:
    timings: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    sizes: dict[str, list[int]] = defaultdict(list)
    resent: dict[str, int] = defaultdict(int)
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def person(seed: int) -> None:
        rng = random.Random(seed)
        with requests.Session() as session:
            while time.monotonic() < deadline:
                name = rng.choice(list(doing))
                started = time.perf_counter()
                for attempt in (1, 2):
                    try:
                        answer = doing[name](session, rng)
                        ok = answer.status_code in (200, 204)
                        size = len(answer.content)
                        why = f"HTTP {answer.status_code}: {answer.text[:80]!r}"
                        break
                    except requests.ConnectionError as exc:
                        # gunicorn closes a keep-alive connection idle for 2 s; a request sent on
                        # it as it closes fails unanswered, and a browser sends it again.
                        ok, size, why = False, 0, f"{type(exc).__name__} (attempt {attempt})"
                        with lock:
                            resent[name] += attempt == 1
                    except requests.RequestException as exc:
                        ok, size, why = False, 0, type(exc).__name__
                        break
                took = time.perf_counter() - started
                with lock:
                    timings[name].append(took)
                    sizes[name].append(size)
                    if not ok:
                        errors[name] += 1
                        print(f"error in {name}: {why}", flush=True)
                time.sleep(rng.uniform(0, 2 * think))

    people = [threading.Thread(target=person, args=(i,)) for i in range(users)]
    for one in people:
        one.start()
    for one in people:
        one.join()
    return timings, errors, sizes, resent


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--songs", type=int, default=2000)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--think", type=float, default=1.0, help="mean seconds between a person's actions")
    parser.add_argument("--append", action="store_true", help="add the table to --out instead of replacing it")
    parser.add_argument(
        "--busy", type=int, default=0, help="t-SNE maps nobody has computed, asked for as the load starts"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "LOAD_RESULTS.md")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        csv = folder / "songs.csv"
        resample(read_reference(), args.songs, seed=7).to_csv(csv, index=False)
        settings = Settings(data_path=csv, cache_dir=folder / "cache")
        warm(settings)
        catalog = load_catalog(csv)
        app = create_app(settings, catalog)
        with app.server.test_client() as client:
            client.get("/")  # registers the pages' callbacks, as on the server
        song_ids = list(catalog.songs["id"].sample(200, random_state=1))
        words = sorted({w.lower() for t in catalog.songs["title"].head(500) for w in str(t).split() if len(w) > 3})
        env = {
            **os.environ,
            "AUDIOSPACE_DATA": str(csv),
            "AUDIOSPACE_CACHE_DIR": str(settings.cache_dir),
            "AUDIOSPACE_PREVIEWS_ONLINE": "0",
        }
        with serving(env, folder, workers=args.workers) as url:
            BASE["url"] = url
            doing = actions(app.callback_map, song_ids, words[:100])
            run_users(doing, 4, 5, 0.2)  # each worker loads its catalog and search index
            start_maps(app.callback_map, args.busy)
            timings, errors, sizes, resent = run_users(doing, args.users, args.seconds, args.think)
            maps_done = sum(map(maps_computed(settings, catalog).__contains__, range(args.busy)))

    total = sum(len(t) for t in timings.values())
    lines = [
        "# Load: interactive callbacks under many users",
        "",
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {machine()} · `bench/load_bench.py --songs {args.songs} "
        f"--users {args.users} --seconds {args.seconds:.0f} --workers {args.workers} --think {args.think}"
        f"{f' --busy {args.busy}' if args.busy else ''}`",
        "",
        f"{args.users} simulated people for {args.seconds:.0f} s on gunicorn ({args.workers} gthread workers, "
        f"4 threads each), {args.songs:,} songs, warm cache; {total:,} callbacks "
        f"({total / args.seconds:.1f} a second)"
        + (
            f", while {args.busy} t-SNE maps computed as background jobs ({maps_done} done by the end)"
            if args.busy
            else ""
        )
        + ". Times are the whole round trip over loopback.",
        "",
        "| action | count | p50 ms | p95 ms | p99 ms | max ms | errors | resent | answer size (median) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name in sorted(timings):
        values = timings[name]
        lines.append(
            f"| {name} | {len(values)} | {percentile(values, 0.5) * 1000:.0f} | {percentile(values, 0.95) * 1000:.0f} "
            f"| {percentile(values, 0.99) * 1000:.0f} | {max(values) * 1000:.0f} | {errors[name]} | {resent[name]} "
            f"| {statistics.median(sizes[name]) / 1024:.0f} KB |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    if args.append and args.out.exists():
        text = args.out.read_text() + "\n" + "\n".join(lines[2:]) + "\n"
    args.out.write_text(text)


if __name__ == "__main__":
    main()
