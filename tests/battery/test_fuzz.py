"""Fuzzed URLs and callback posts, in the app and over HTTP on gunicorn.

Every page is drawn for 1,800 generated URL queries; every server-side callback gets
hostile inputs; on gunicorn, generated requests hit the pages, the downloads, the
previews, the upload mapping and the callbacks. Counted: exceptions, apologies ("something
went wrong"), 5xx answers and replaced workers; each must be zero."""

from __future__ import annotations

import collections
import json
import os
import random
from collections.abc import Iterator
from dataclasses import fields
from urllib.parse import urlencode

import dash
import pytest
import requests

from app.context import context_of
from app.factory import create_app
from core.cache import cached_only
from core.catalog import load_catalog
from core.config import K_MIN, Settings
from core.methods import METHODS
from core.query import ViewQuery
from tests.battery.fuzz import callback_posts, url_queries
from tests.browser.songs import write_catalog_csv
from tests.services import serving

APOLOGY = "Something went wrong"
URL_NAMES = sorted({f.name for f in fields(ViewQuery) if f.name != "options"} | {o.name for o in METHODS.options()})


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory) -> dash.Dash:
    """The app on the browser tests' catalog, its default method's K sweep and map cached."""
    folder = tmp_path_factory.mktemp("fuzz")
    csv = write_catalog_csv(folder / "songs.csv")
    app = create_app(Settings(data_path=csv, cache_dir=folder / "cache"), load_catalog(csv))
    engine = context_of(app.server).engine
    params = engine.params(5)
    engine.sweep(params, range(K_MIN, 13))
    engine.projection(params)
    with app.server.test_client() as client:
        client.get("/")  # Dash registers the pages' callbacks on its first request
    return app


@pytest.mark.slow  # 50 s: 30 ms a page
def test_every_page_draws_1800_fuzzed_urls(fuzz_app: dash.Dash) -> None:
    """Bad values get a notice and a default, never an exception or an apology (requests
    only read the cache, as on a server: what is not cached is a skeleton and a job)."""
    pages = [p for p in dash.page_registry.values() if p["path"] != "/404"]
    failures = []
    for i, raw in enumerate(url_queries(URL_NAMES, 300 * len(pages))):
        page = pages[i % len(pages)]
        with fuzz_app.server.test_request_context("/"), cached_only():
            try:
                drawn = str(page["layout"](**raw))
            except Exception as exc:
                failures.append((page["path"], raw, repr(exc)))
                continue
        if APOLOGY in drawn:
            failures.append((page["path"], raw, "apology"))
    assert failures == [], failures[:5]


@pytest.mark.slow
def test_every_callback_takes_hostile_inputs_without_raising(fuzz_app: dash.Dash) -> None:
    """40 hostile posts per server-side callback: each is answered (a forged type gets 400),
    none raises inside the callback (the shell's apology) or answers 5xx."""
    statuses: collections.Counter[int] = collections.Counter()
    apologies = []
    with fuzz_app.server.test_client() as client:
        for key, body in callback_posts(fuzz_app.callback_map, 40):
            answer = client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json")
            statuses[answer.status_code] += 1
            if APOLOGY in answer.get_data(as_text=True):
                apologies.append((key, body))
    assert apologies == [], apologies[:3]
    assert set(statuses) <= {200, 204, 400}, statuses
    assert statuses[200] + statuses[204] > statuses[400], f"most posts should reach their callback: {statuses}"
    print(f"\ncallback posts: {dict(statuses)}")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("fuzz-served")
    csv = write_catalog_csv(folder / "songs.csv")
    env = {
        **os.environ,
        "AUDIOSPACE_DATA": str(csv),
        "AUDIOSPACE_CACHE_DIR": str(folder / "cache"),
        "AUDIOSPACE_DATASETS_DIR": str(folder / "datasets"),
        "AUDIOSPACE_PREVIEWS_ONLINE": "0",
    }
    with serving(env, folder) as base:
        yield base


def _http_requests(callback_map: dict, seed: int = 5) -> Iterator[tuple[str, str, dict]]:
    """(method, path, requests kwargs): pages, downloads, previews, mappings and callbacks."""
    rng = random.Random(seed)
    paths = ["/", "/explorer", "/heatmap", "/search", "/clusters", "/genres", "/download/songs.csv", "/nope"]
    for raw in url_queries(URL_NAMES, 600, seed=seed):
        yield "GET", f"{rng.choice(paths)}?{urlencode(raw)}", {}
    for junk in ("s0001", "../../etc/passwd", "%2e%2e%2f", "x" * 300, "<b>", "0" * 64):
        yield "GET", f"/previews/{junk}", {}
        yield "POST", f"/datasets/{junk}/mapping", {"json": {"title": "x"}}
        yield "GET", "/_dash-layout", {"headers": {"Referer": f"http://x/explorer?data={junk}"}}
    for _key, body in callback_posts(callback_map, 12, seed=seed):
        yield "POST", "/_dash-update-component", {"json": body}


@pytest.mark.slow
def test_fuzzed_requests_over_http_get_no_server_error_and_replace_no_worker(served: str, fuzz_app: dash.Dash) -> None:
    statuses: collections.Counter[int] = collections.Counter()
    workers: set[str] = set()
    apologies = 0
    errors = []
    with requests.Session() as session:
        for method, path, extra in _http_requests(fuzz_app.callback_map):
            answer = session.request(method, served + path, timeout=60, **extra)
            statuses[answer.status_code] += 1
            if "X-Worker-Pid" in answer.headers:  # gunicorn itself answers a 414
                workers.add(answer.headers["X-Worker-Pid"])
            apologies += APOLOGY in answer.text
            if answer.status_code >= 500 and answer.status_code != 503:
                errors.append((method, path[:120], answer.status_code))
    print(f"\nHTTP fuzz: {sum(statuses.values())} requests, {dict(sorted(statuses.items()))}, workers {len(workers)}")
    assert errors == [], errors[:5]
    assert apologies == 0
    assert len(workers) <= 2, f"{len(workers)} worker pids answered: a worker was replaced"
