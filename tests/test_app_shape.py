"""The app's contracts without a browser: one method registry read everywhere, app state
per Flask app (two apps in one process), and page callbacks called as plain functions.

Apps are built on the generated browser-test catalog; callbacks run inside a request
context of the app they belong to, which is what Dash gives them when serving.
"""

from __future__ import annotations

import base64
import json
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dash
import numpy as np
import pytest
from dash import Patch
from dash._callback_context import context_value
from dash._utils import AttributeDict
from dash.exceptions import PreventUpdate

from app.context import context_of
from app.factory import create_app
from components.figures import SELECTED_OPACITY
from core.cache import cached_only
from core.catalog import load_catalog
from core.cli import main as cli_main
from core.clustering import Clustering, from_labels
from core.config import Settings
from core.methods import Method, MethodOption, registered
from core.query import QueryLimits, parse_query
from pages._common import stored_query
from tests.browser.songs import Known, write_catalog_csv


@pytest.fixture(scope="module")
def catalog_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_catalog_csv(tmp_path_factory.mktemp("data") / "songs.csv")


def build_app(csv: Path, cache_dir: Path, **settings: Any) -> dash.Dash:
    return create_app(Settings(data_path=csv, cache_dir=cache_dir, **settings), load_catalog(csv))


@pytest.fixture(scope="module")
def app(catalog_csv: Path, tmp_path_factory: pytest.TempPathFactory) -> dash.Dash:
    return build_app(catalog_csv, tmp_path_factory.mktemp("cache"))


def page_module(name: str):
    """The module Dash executed for page ``name`` (pages are never imported directly:
    importing one registers it a second time)."""
    entry = next(page for page in dash.page_registry.values() if page["module"].endswith(f"pages.{name}"))
    return sys.modules[entry["module"]]


def trigger(app: dash.Dash, path: str, prop_id: str, value: object):
    """A request context of ``app`` in which ``prop_id`` (``"id.prop"``) triggered the
    callback with ``value``: how Dash's testing guide calls callbacks as functions."""
    context_value.set(AttributeDict(triggered_inputs=[{"prop_id": prop_id, "value": value}]))
    return app.server.test_request_context(path)


def texts(component: Any) -> Iterator[str]:
    """Every string in a component tree, depth first."""
    if isinstance(component, str):
        yield component
    elif isinstance(component, list | tuple):
        for child in component:
            yield from texts(child)
    elif hasattr(component, "children"):
        yield from texts(component.children)


def find(component: Any, element_id: object) -> Any:
    """The component with ``element_id`` in a tree, or None."""
    if getattr(component, "id", None) == element_id:
        return component
    children = getattr(component, "children", component if isinstance(component, list | tuple) else None)
    for child in children if isinstance(children, list | tuple) else [children] if children is not None else []:
        found = find(child, element_id)
        if found is not None:
            return found
    return None


# -- a toy method, registered without touching any other module ---------------------------


def _fit_bands(engine: Any, params: Any) -> Clustering:
    """Songs in K equal-count bands of their first scaled feature (shifted by band_offset)."""
    raw, X = engine.fit_input(params)
    shifted = X[:, 0] + float(params.option("band_offset"))
    edges = np.quantile(shifted, np.linspace(0, 1, params.k + 1)[1:-1])
    labels = np.searchsorted(edges, shifted)
    return from_labels(
        raw,
        X,
        labels,
        algorithm="bands",
        method=f"Bands of the first feature (offset {params.option('band_offset')})",
        features=params.features,
        scaler=params.scaler,
        seed=params.seed,
        started=time.perf_counter(),
    )


BANDS = Method(
    name="bands",
    label="Feature bands",
    uses_k=True,
    fit=_fit_bands,
    options=(MethodOption("band_offset", "Band offset", float, default=0.0, bounds=(-10.0, 10.0), help="shift"),),
    description="K bands of the first feature.",
)


def test_a_registered_method_is_parsed_offered_keyed_fitted_and_on_the_cli(
    catalog_csv: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One register_method call: the URL parser accepts it and its option, the shell offers it
    with a control for the option, the engine keys and fits it once, the CLI has its flag."""
    limits = QueryLimits(default_k=5, k_max=12, features=("energy", "tempo"), song_exists=lambda _: False)
    with registered(BANDS):
        query, notices = parse_query({"algo": "bands", "band_offset": "0.5", "k": "3"}, limits)
        assert notices == []
        assert query.to_params() == {"k": "3", "algo": "bands", "band_offset": "0.5"}
        assert "band_offset" in query.shared_params()
        _, notices = parse_query({"algo": "bands", "band_offset": "99"}, limits)
        assert notices and "band_offset=99" in notices[0]

        app = build_app(catalog_csv, tmp_path / "cache")
        with app.server.test_request_context("/"):
            shell = app.layout()
        algo = find(shell, "algo-control")
        assert {"label": "Feature bands", "value": "bands"} in algo.options
        assert find(shell, "option-band-offset") is not None
        assert "bands" in find(shell, "shell-config").data["methods"]

        engine = context_of(app.server).engine
        params = engine.params(4, algorithm="bands", band_offset=0.5)
        key = engine.clustering_key(params)
        assert "algo=bands|band_offset=0.5" in key and key.endswith("|k=4")
        assert engine.clustering(params).k == 4
        engine.clustering(params)
        assert engine.cache.times_computed(key) == 1
        assert key != engine.clustering_key(engine.params(4, algorithm="bands"))
        assert [score.algorithm for score in engine.compare(params)][-1] == "bands"

        flags = ["--algo", "bands", "--band-offset", "1.5", "--k", "3", "--json"]
        status = cli_main(["cluster", str(catalog_csv), *flags, "--cache-dir", str(tmp_path / "cli-cache")])
        summary = json.loads(capsys.readouterr().out)
        assert status == 0 and summary["algorithm"] == "bands" and summary["band_offset"] == 1.5
        assert summary["sizes"] == [100, 100, 100]
    _, notices = parse_query({"algo": "bands"}, limits)
    assert notices and "algo='bands'" in notices[0]


# -- two apps in one process -----------------------------------------------------------------


def test_two_apps_in_one_process_each_serve_their_own_dataset(catalog_csv: Path, tmp_path: Path) -> None:
    """Each app keeps its context on its own Flask server: building a second app does not
    change what the first one serves, in routes or in page layouts."""
    small_csv = tmp_path / "small.csv"
    small_csv.write_text(
        "title,energy,tempo,valence\n"
        + "".join(f"Song {i},{i / 40:.3f},{90 + i},{(i * 7) % 40 / 40:.3f}\n" for i in range(40))
    )
    first = build_app(catalog_csv, tmp_path / "cache-a")
    second = build_app(small_csv, tmp_path / "cache-b")
    for app, songs in ((first, 300), (second, 40), (first, 300)):
        assert app.server.test_client().get("/healthz").get_json()["songs"] == songs
        with app.server.test_request_context("/?k=3"):
            page = page_module("overview").layout(k="3")
        assert f"{songs:,}" in list(texts(page))


# -- page callbacks as plain functions ---------------------------------------------------------


def test_explorer_click_opens_the_song_and_rings_it(app: dash.Dash) -> None:
    explorer = page_module("explorer")
    with trigger(app, "/explorer", "explorer-pick.data", {"song": Known.bold}):
        panel, figure, pair, params, job = explorer.select_song({"song": Known.bold}, [], {"k": "4"})
    assert job is dash.no_update
    assert params == {"k": "4", "song": Known.bold}
    assert Known.bold_title in list(texts(panel))
    for plot in (figure, pair):  # both plots mark the song and its 10 neighbours; the rest recede
        assert isinstance(plot, Patch)
        values = [operation["params"]["value"] for operation in plot._operations]
        ring = next(v for v in values if isinstance(v, dict))
        assert ring["customdata"][0] == Known.bold and len(ring["customdata"]) == 11
        assert SELECTED_OPACITY in values


@pytest.mark.parametrize("pick", [{"song": "no-such-song"}, {"song": ""}, None, {"at": 1}, ["s0001"]])
def test_explorer_click_with_a_bad_song_changes_nothing(app: dash.Dash, pick: object) -> None:
    explorer = page_module("explorer")
    with trigger(app, "/explorer", "explorer-pick.data", pick), pytest.raises(PreventUpdate):
        explorer.select_song(pick, [], {"k": "4"})


def test_explorer_k_switch_regroups_the_points_the_browser_has_and_keeps_the_song(app: dash.Dash) -> None:
    """A K switch sends no points: a plan with a cluster per drawn song (sorted by id) and the
    selected song's ring; another colouring patches in new traces."""
    explorer = page_module("explorer")
    before = {"k": "4", "song": Known.bold}
    with app.server.test_request_context("/explorer"):
        figure, plan, clustering, panel, _, options, params, _job = explorer.follow_settings({"k": "3"}, before)
        view = context_of(app.server).resolve(stored_query(params))
        recoloured, no_plan, *_ = explorer.switch_view("3d", "pca", "trust", params)
    assert params == {"k": "3", "song": Known.bold}
    assert figure is dash.no_update and clustering == {"k": "3"}
    order = np.argsort(view.catalog.songs["id"].to_numpy().astype(str))
    labels = np.frombuffer(base64.b64decode(plan["labels"]), dtype="<i2")
    assert labels.tolist() == view.clustering.labels[order].tolist()
    assert [g["name"] for g in plan["groups"]] == ["Cluster 0", "Cluster 1", "Cluster 2"]
    assert plan["highlight"]["customdata"][0] == Known.bold
    assert Known.bold_title in list(texts(panel))
    assert [option["disabled"] for option in options] == [False, False]
    assert isinstance(recoloured, Patch) and no_plan is dash.no_update


def test_explorer_feature_pair_goes_in_the_url(app: dash.Dash) -> None:
    explorer = page_module("explorer")
    with trigger(app, "/explorer", "explorer-x.value", "tempo"):
        figure, plan, params, _job = explorer.redraw_pair({"k": "4"}, "tempo", "energy", None, {"k": "4"})
    assert params == {"k": "4", "x": "tempo", "y": "energy"} and plan is dash.no_update
    assert figure.layout.xaxis.title.text.lower().startswith("tempo")
    with trigger(app, "/explorer", "explorer-clustering.data", {"k": "3"}):
        figure, plan, params, _job = explorer.redraw_pair({"k": "3"}, "tempo", "energy", None, {"k": "3"})
    assert figure is dash.no_update and plan["songs"] == len(context_of(app.server).engine.catalog)


def test_search_typing_lists_songs_and_keeps_the_text_in_the_url(app: dash.Dash) -> None:
    search = page_module("search")
    with trigger(app, "/search", "search-input.value", "star"):
        results, _, params, _job = search.update("star", [], {"k": "4"})
    shown = " ".join(texts(results))
    assert params == {"k": "4", "q": "star"}
    assert shown.index("Starlight") < shown.index("Lodestar")


def test_heatmap_feature_choice_draws_its_distribution(app: dash.Dash) -> None:
    heatmap = page_module("heatmap")
    with app.server.test_request_context("/heatmap"):
        figure, params, _job = heatmap.show_distribution("tempo", {"k": "4"})
        _, fallback, _job = heatmap.show_distribution("<script>", {"k": "4"})
    assert params == {"k": "4", "feature": "tempo"}
    assert len(figure.data) == 4
    assert fallback == {"k": "4"}


@pytest.mark.parametrize(
    ("page", "query", "shown"),
    [
        ("overview", {"k": "4"}, "K (clusters)"),
        ("overview", {"k": "4", "algo": "dbscan", "eps": "1.5"}, "Clusters found"),
        ("overview", {"k": "4", "algo": "hierarchical", "linkage": "average"}, "Agglomerative (average linkage)"),
        ("clusters", {"k": "4"}, "4 clusters of 300 songs."),
        ("heatmap", {"k": "x"}, "k='x' is not a whole number; showing K=5."),
        ("genres", {"k": "4"}, "This dataset has no genre column"),
        ("search", {"q": "star"}, "Starlight"),
        ("explorer", {"k": "4", "song": Known.bold}, Known.bold_title),
    ],
)
def test_page_layouts_render_their_query(app: dash.Dash, page: str, query: dict, shown: str) -> None:
    with app.server.test_request_context(f"/{page}"):
        layout = page_module(page).layout(**query)
    assert any(shown in text for text in texts(layout)), shown


# -- requests read the cache; missing work goes to the page's background job ------------------


def test_a_cold_view_loads_as_a_skeleton_that_starts_its_job(app: dash.Dash) -> None:
    """Under cached_only (every request), a view whose models nobody computed yet draws a
    skeleton naming the missing work and asks for its job; a K switch to a cold K keeps the
    view and asks for the job; the job's drawing computes, then requests find the view ready."""
    overview = page_module("overview")
    with app.server.test_request_context("/"), cached_only():
        page = overview.layout(k="9", scaler="robust")
    request = find(page, "overview-job-request").data
    assert request == {"k": "9", "scaler": "robust"}
    assert any("is being computed once for everyone" in text for text in texts(page))

    explorer = page_module("explorer")
    cold = {"k": "11", "scaler": "minmax"}
    with trigger(app, "/explorer", "settings.data", cold), cached_only():
        *outputs, job = explorer.follow_settings(cold, {"k": "4"})
    assert all(value is dash.no_update for value in outputs) and job == cold

    engine = context_of(app.server).engine
    with app.server.test_request_context("/"):
        drawn = page_module("overview").layout(k="9", scaler="robust")  # what the job runs, computing
    assert find(drawn, "overview-job-request").data is None
    assert engine.cache.has(engine.clustering_key(engine.params(9, scaler="robust")))
    with app.server.test_request_context("/"), cached_only():
        again = overview.layout(k="9", scaler="robust")
    assert find(again, "overview-job-request").data is None and find(again, "metric-k") is not None


def test_every_job_request_keeps_its_result_apart(app: dash.Dash) -> None:
    """Dash files a background job's result under a hash of the callback's source and the
    arguments the browser sends, and the first page to fetch it deletes it. Every page's job
    has the same source, and two people often ask for the same view at once: each request
    needs a key of its own, or one page is handed another's body (seen: the overview drawn
    inside the cluster cards page) or waits for ever on a result the other took (seen: one
    file uploaded on two servers)."""
    with app.server.test_client() as client:
        client.get("/")  # Dash registers the pages' callbacks on its first request
    jobs = {key: spec for key, spec in app.callback_map.items() if spec.get("background")}
    query = {"k": "5", "algo": "dbscan", "eps": "0.5"}
    result_keys = set()
    for spec in jobs.values():
        manager = spec["manager"] or app._background_manager
        for _person in range(2):
            result_keys.add(manager.build_cache_key(spec["callback"].__wrapped__, [query], [], None))
    page_jobs = [key for key in jobs if "-body.children" in key]
    assert len(page_jobs) == len(dash.page_registry) - 1  # every page but the 404 draws its body in a job
    assert len(jobs) > len(page_jobs), "parts of pages (is the structure real?) have jobs of their own"
    assert len(result_keys) == 2 * len(jobs)


# -- every real parameter combination draws every page ---------------------------------------
REAL_QUERIES = [
    {"algo": "dbscan", "eps": "0.3"},  # every song noise: nothing to compare
    {"algo": "dbscan", "eps": "1e-300"},
    {"algo": "dbscan", "eps": "1e300"},
    {"algo": "dbscan", "min_samples": "1"},
    {"algo": "dbscan", "min_samples": "100000"},
    {"algo": "hierarchical", "linkage": "single", "k": "12"},
    {"algo": "hierarchical", "linkage": "average", "k": "2"},
    {"features": "energy,tempo", "scaler": "minmax"},
    {"features": "tempo,loudness", "scaler": "robust", "k": "12"},
]


@pytest.mark.parametrize("raw", REAL_QUERIES, ids=lambda raw: "&".join(f"{k}={v}" for k, v in raw.items()))
def test_every_page_draws_every_real_parameter_combination(app: dash.Dash, raw: dict[str, str]) -> None:
    """Never an exception or an error box for a URL the controls can make: an all-noise
    DBSCAN gets a note on the heatmap instead of a crash (it raised before)."""
    with app.server.test_client() as client:
        client.get("/")
    for page in dash.page_registry.values():
        with app.server.test_request_context("/"):
            drawn = page["layout"](**raw)
        assert "page-error" not in str(drawn), (page["path"], raw)
    heatmap = next(p for p in dash.page_registry.values() if p["path"] == "/heatmap")
    with app.server.test_request_context("/"):
        noise_only = heatmap["layout"](algo="dbscan", eps="0.3")
    assert "no clusters to compare" in find(noise_only, "no-clusters").children


def test_a_malformed_callback_is_logged_in_one_short_line(app: dash.Dash, caplog: pytest.LogCaptureFixture) -> None:
    """A hostile payload is answered 400 and logged without its content (a 64 MB post was
    written to the log as one 67 MB line)."""
    garbage = json.dumps({"output": "x" * 500_000, "outputs": {"id": "k-control"}, "inputs": []})
    with app.server.test_client() as client:
        answer = client.post("/_dash-update-component", data=garbage, content_type="application/json")
    assert answer.status_code == 400
    logged = [record.getMessage() for record in caplog.records]
    assert logged and max(len(line) for line in logged) < 1000
