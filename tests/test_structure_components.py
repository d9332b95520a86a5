"""Is the structure real? in the pages, without a browser.

The factories (components.structure): the sentences, the K advice's chart and table, the
cluster tree's Sankey and what a click on it reports. The pages (on the browser tests'
generated catalog): a request never computes these answers, so a cold overview and a cold
clusters page draw at once with pending parts and ask their own jobs; once computed, the
same layouts show the answers; a job's answer is drawn only for the view still shown; a
click on the tree opens the explorer at that K and cluster.
"""

from __future__ import annotations

import re
import sys
from typing import Any

import dash
import numpy as np
import plotly.graph_objects as go
import pytest
from dash._callback_context import context_value
from dash._utils import AttributeDict
from dash.exceptions import PreventUpdate

from app.context import app_context, context_of
from app.factory import create_app
from components.structure import (
    cluster_stability_id,
    cluster_stability_line,
    cluster_tree_figure,
    k_advice_figure,
    k_advice_reasons,
    k_advice_table,
    parse_tree_click,
    stability_cell,
    stability_verdict,
    tree_node_label,
    view_structure,
)
from core.cache import cached_only
from core.catalog import load_catalog
from core.cluster_tree import cluster_tree
from core.config import Settings
from core.k_advice import KAdvice
from core.null_model import NullComparison
from core.stability import ClusterStability, Stability
from tests.browser.songs import write_catalog_csv
from tests.test_app_shape import find, texts


def text(component: Any) -> str:
    return " ".join(texts(component))


def classed(component: Any, name: str) -> list[Any]:
    """Every component in a tree whose className has ``name``."""
    found = [component] if name in (getattr(component, "className", None) or "").split() else []
    children = getattr(component, "children", component if isinstance(component, list | tuple) else None)
    for child in children if isinstance(children, list | tuple) else [children] if children is not None else []:
        if not isinstance(child, str):
            found += classed(child, name)
    return found


# -- sentences --------------------------------------------------------------------------------------
def stability(jaccards: list[float], recovered: list[int] | None = None, sample: int | None = None) -> Stability:
    recovered = recovered or [20 if j >= 0.75 else 5 for j in jaccards]
    clusters = tuple(ClusterStability(c, j, r, 20) for c, (j, r) in enumerate(zip(jaccards, recovered, strict=True)))
    songs = sample or 300
    return Stability(clusters, 0.84, (0.84,) * 20, 20, 0, songs, sample, 42, 0.1)


def null(silhouette: float = 0.3, mean: float = 0.1, beats: bool = True, sample: int | None = None) -> NullComparison:
    return NullComparison(silhouette, (mean,) * 5, mean, 0.005, silhouette - mean, beats, 5, 300, sample, 42, 0.1)


@pytest.mark.parametrize(
    ("jaccards", "verdict"),
    [
        ([0.9, 0.8, 0.95, 0.76], "All 4 clusters are stable."),
        ([0.9, 0.6, 0.3], "1 of 3 clusters is stable; 1 is doubtful and 1 dissolves."),
        ([0.9, 0.8, 0.6, 0.7, 0.2], "2 of 5 clusters are stable; 2 are doubtful and 1 dissolves."),
        ([0.4, 0.3], "0 of 2 clusters are stable; 2 dissolve."),
        ([0.9], "The cluster is stable."),
        ([0.6], "The cluster is doubtful."),
        ([0.2], "The cluster dissolves."),
        ([], "There is no cluster to resample."),
    ],
)
def test_the_stability_verdict_counts_hennigs_bands(jaccards: list[float], verdict: str) -> None:
    assert stability_verdict(stability(jaccards)) == verdict


def test_the_views_structure_says_stability_and_structureless_data_and_any_sample() -> None:
    whole = text(view_structure(stability([0.9, 0.8]), null()))
    assert "All 2 clusters are stable." in whole
    assert "Stability 0.84: mean ARI over 20 bootstrap resamples of all 300 songs" in whole
    assert "More structure than structureless data." in whole and "beats it by 0.20" in whole
    assert "seeded sample" not in whole
    sampled = text(view_structure(stability([0.9, 0.8], sample=20_000), null(0.15, 0.14, False, sample=20_000)))
    assert "Resampled on a seeded sample of 20,000 songs." in sampled
    assert "Shuffled on a seeded sample of 20,000 songs." in sampled
    assert "Not clearly more structure than structureless data." in sampled
    nothing = text(view_structure(stability([]), null(float("nan"), float("nan"), False)))
    assert "No silhouette to compare." in nothing


def test_the_comparison_cell_and_the_card_line() -> None:
    value, title = stability_cell(stability([0.9, 0.8]))
    assert value == "0.84" and title.startswith("All 2 clusters are stable. Stability 0.84")
    assert stability_cell(stability([]))[0] == "—" and stability_cell(None)[0] == "—"
    line = cluster_stability_line(ClusterStability(2, 0.91, 19, 20))
    assert [part.children for part in line] == ["stable", "Comes back in 19 of 20 resamples (mean Jaccard 0.91)."]
    assert line[0].color == "success"
    assert cluster_stability_line(ClusterStability(0, 0.3, 1, 20))[0].color == "danger"
    assert cluster_stability_id(3) == {"type": "cluster-stability", "cluster": 3}


# -- the K advice --------------------------------------------------------------------------------------
ADVICE = KAdvice(
    ks=(2, 3, 4, 5, 6),
    silhouette=(0.35, 0.3, 0.81, 0.4, 0.2),
    stability=(1.0, 0.7, 0.99, 0.8, 0.6),
    null_silhouette=(0.12, 0.11, 0.1, 0.1, 0.21),
    margin=(0.23, 0.19, 0.71, 0.3, -0.01),
    beats_null=(True, True, True, True, False),
    best_silhouette_k=4,
    most_stable_k=2,
    sentence="K=4 has the best silhouette, K=2 the most stable clusters; both beat structureless data by 0.71 "
    "and 0.23 in silhouette.",
)


def test_the_k_advice_gives_its_reasons() -> None:
    reasons = k_advice_reasons(ADVICE, 5)
    assert reasons[0].endswith("highest at K=4: 0.81.")
    assert "resampled at K=2: stability 1.00" in reasons[1]
    assert reasons[2].startswith("K=2–5 beat structureless data")
    assert (
        reasons[3] == "This view, K=5: silhouette 0.40 against 0.10 on structureless data (beats it); stability 0.80."
    )
    gappy = KAdvice(**{**ADVICE.__dict__, "beats_null": (True, False, True, True, True)})
    assert k_advice_reasons(gappy)[2].startswith("K=2 and K=4–6 beat")
    assert len(k_advice_reasons(ADVICE, None)) == 3


def test_the_k_advice_chart_has_silhouette_null_and_stability_per_k() -> None:
    fig = k_advice_figure(ADVICE, 4)
    assert isinstance(fig, go.Figure)
    assert [t.name for t in fig.data] == ["structureless data", "silhouette", "stability (ARI)"]
    assert all(list(t.x) == [2, 3, 4, 5, 6] for t in fig.data)
    assert list(fig.data[1].y) == list(ADVICE.silhouette) and list(fig.data[0].y) == list(ADVICE.null_silhouette)
    assert fig.data[2].yaxis == "y2" and tuple(fig.layout.yaxis2.range) == (0, 1.05)
    fills = list(fig.data[1].marker.color)
    assert fills[-1] == "white" and len(set(fills[:-1])) == 1 != fills[-1], "hollow where it does not beat the null"
    assert [shape.x0 for shape in fig.layout.shapes] == [4] and fig.layout.annotations[0].text == "K=4"
    assert not k_advice_figure(ADVICE, 9).layout.shapes, "no mark for a K outside the sweep"


def test_the_k_advice_table_has_a_column_per_k() -> None:
    table = k_advice_table(ADVICE, 5)
    head, body = table.children
    assert [th.children for th in head.children.children] == ["", "K=2", "K=3", "K=4", "K=5", "K=6"]
    rows = {row.children[0].children: row.children[1:] for row in body.children}
    assert [td.children for td in rows["Beats it"]] == ["yes", "yes", "yes", "yes", "no"]
    assert [td.children for td in rows["Stability"]] == ["1.00", "0.70", "0.99", "0.80", "0.60"]
    assert "fw-semibold" in rows["Silhouette"][2].className, "the best silhouette (K=4) in bold"
    assert "fw-semibold" in rows["Stability"][0].className, "the most stable (K=2) in bold"
    assert all("table-primary" in (row[3].className or "") for row in rows.values()), "the current K"


# -- the cluster tree ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tree():
    """Three groups of 100, 60 and 40 songs; K=2 joins the two small ones, K=4 splits the largest."""
    groups = np.repeat([0, 1, 2], [100, 60, 40])
    halves = np.tile([0, 1], 100)
    labels = {2: np.where(groups == 0, 0, 1), 3: groups, 4: np.where(groups == 0, np.where(halves, 0, 1), groups + 1)}
    return cluster_tree(labels)


def test_the_cluster_tree_is_a_sankey_of_every_k(tree) -> None:
    fig = cluster_tree_figure(tree, 3)
    (sankey,) = fig.data
    assert sankey.type == "sankey" and len(sankey.node.label) == 2 + 3 + 4
    assert sum(sankey.link.value) == 2 * 200, "every song moves along one link from each K to the next"
    assert sankey.node.label[0] == "0 · 100" and sankey.node.customdata[0].startswith("K=2 · cluster 0 (100 songs)")
    assert "100% of its songs from K=2 · cluster 1" in sankey.node.customdata[3]  # K=3 cluster 1 (60 songs)
    assert "%{customdata}" in sankey.node.hovertemplate and "explorer" in sankey.node.hovertemplate
    assert [a.text for a in fig.layout.annotations] == ["K=2", "<b>K=3</b>", "K=4"]
    assert tree_node_label(tree.nodes[0]) == "K=2 · cluster 0 (100 songs)"
    assert all(c.startswith("K=") and "→" in c for c in sankey.link.customdata)


def test_a_click_on_a_node_names_its_k_and_cluster_and_nothing_else_does(tree) -> None:
    fig = cluster_tree_figure(tree, 3)
    for index, node in enumerate(tree.nodes):
        point = {
            "pointNumber": index,
            "label": fig.data[0].node.label[index],
            "customdata": fig.data[0].node.customdata[index],
        }
        assert parse_tree_click({"points": [point]}) == (node.k, node.cluster)
    link = {"pointNumber": 0, "customdata": fig.data[0].link.customdata[0], "value": 100}
    hostile = [None, {}, {"points": []}, {"points": [{}]}, {"points": ["x"]}, {"points": [{"customdata": ["K=4"]}]}]
    hostile += [{"points": [{"customdata": "K=99999 · cluster 1 (3 songs)"}]}, "K=4 · cluster 1 (", [1, 2]]
    assert parse_tree_click({"points": [link]}) is None
    assert [parse_tree_click(click) for click in hostile] == [None] * len(hostile)


# -- the pages -------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> dash.Dash:
    csv = write_catalog_csv(tmp_path_factory.mktemp("data") / "songs.csv")
    return create_app(Settings(data_path=csv, cache_dir=tmp_path_factory.mktemp("cache")), load_catalog(csv))


def page_module(name: str) -> Any:
    """The module Dash executed for page ``name`` (importing it again would register it twice)."""
    entry = next(page for page in dash.page_registry.values() if page["module"].endswith(f"pages.{name}"))
    return sys.modules[entry["module"]]


def test_a_cold_overview_draws_at_once_and_asks_its_structure_jobs(app: dash.Dash) -> None:
    """The models of the view are ready, nothing of the structure is: the page is drawn, every
    structure part pending, the structure job asked for (and the K advice after it)."""
    overview = page_module("overview")
    engine = context_of(app.server).engine
    with app.server.test_request_context("/"):
        overview.layout(k="4")  # the view's own models (the page's job would compute them)
        with cached_only():
            page = overview.layout(k="4")
    assert find(page, "metric-k") is not None, "the overview itself is drawn"
    assert "table-primary" in find(page, "compare-kmeans").className, "the view's own method stands out"
    assert find(page, "overview-structure-request").data == {"query": {"k": "4"}, "then": True}
    assert find(page, "overview-kadvice-request").data is None, "the K advice waits for the structure job"
    assert classed(find(page, "overview-view-structure"), "structure-pending")
    assert classed(find(page, "overview-kadvice"), "structure-pending")
    assert "Starts once this view's stability is ready." in text(find(page, "overview-kadvice"))
    assert len(classed(find(page, "overview-comparison"), "pending")) == 3, "each method's stability is coming"
    assert "Being computed in the background" in text(find(page, "overview-comparison-legend"))
    assert not engine.cache.has(engine.stability_key(engine.params(4))), "a request computes nothing"


ALGOS = ("hierarchical", "kmeans", "dbscan")
PROPS = ("children", "title", "className")


def test_the_overview_draws_the_jobs_answers_for_the_view_still_shown(app: dash.Dash) -> None:
    overview = page_module("overview")
    engine = context_of(app.server).engine
    with app.server.test_request_context("/"):
        view = app_context().resolve(app_context().parse({"k": "4"})[0])
        overview._compute_structure(view)  # what the structure job computes
        with cached_only():
            with pytest.raises(PreventUpdate):  # an answer for a view no longer shown draws nothing
                overview.show_structure({"query": {"k": "4"}, "then": True, "error": None}, {"k": "5"})
            with pytest.raises(PreventUpdate):
                overview.show_structure({"k": "4"}, {"k": "4"})
            cells = [[{"id": {"type": "compare-stability", "algo": a}, "property": p} for a in ALGOS] for p in PROPS]
            context_value.set(AttributeDict(outputs_list=[{"id": "overview-view-structure"}, *cells]))
            mine, values, titles, classes, note, tree, strip, then = overview.show_structure(
                {"query": {"k": "4"}, "then": True, "error": None}, {"k": "4"}
            )
            page = overview.layout(k="4")
    assert text(mine).startswith("All 4 clusters are stable.")
    assert "the clusters come back in 20, 20, 20 and 20 of them" in text(mine)
    assert len(values) == 3 and all(float(value) >= 0.95 for value in values[:2]), values
    assert titles[0].startswith("All 4 clusters are stable. Stability") and classes == ["stability-cell"] * 3
    assert note.startswith("Stability: how alike each method's clusters") and "Being computed" not in note
    assert classed(tree, "structure-pending") == [] and strip == "structure-strip d-none"
    assert then == {"query": {"k": "4"}}, "then the K advice's job"
    # A later visit reads it all from the cache, and asks only for the K advice.
    assert find(page, "overview-structure-request").data is None
    assert find(page, "overview-kadvice-request").data == {"query": {"k": "4"}}
    assert "Waiting for its turn" in text(find(page, "overview-kadvice"))
    assert find(page, "overview-tree-graph") is not None
    assert engine.cache.has(engine.stability_key(engine.params(4, algorithm="hierarchical")))


def test_the_k_advice_job_then_the_advice_on_every_visit(app: dash.Dash) -> None:
    overview = page_module("overview")
    with app.server.test_request_context("/"):
        view = app_context().resolve(app_context().parse({"k": "4"})[0])
        overview._compute_k_advice(view)
        with cached_only():
            drawn = overview.show_k_advice({"query": {"k": "4"}, "error": None}, {"k": "4"})
            page = overview.layout(k="4")
    assert text(drawn).startswith("K=4 has the best silhouette")
    advice = find(page, "overview-kadvice")
    assert classed(advice, "kadvice-sentence")[0].children.startswith("K=4 has the best silhouette")
    assert "beat structureless data by" in text(advice) or "beats structureless data by" in text(advice)
    assert find(page, "overview-kadvice-request").data is None


def test_a_failed_job_says_why_instead_of_asking_again(app: dash.Dash) -> None:
    overview = page_module("overview")
    with app.server.test_request_context("/"), cached_only():
        drawn = overview.show_k_advice(
            {"query": {"k": "4", "scaler": "robust"}, "error": "Boom."}, {"k": "4", "scaler": "robust"}
        )
    assert text(drawn) == "The K advice could not be computed: Boom." and not classed(drawn, "structure-pending")


def test_a_click_on_the_tree_opens_the_explorer_at_that_k_and_cluster(app: dash.Dash) -> None:
    overview = page_module("overview")
    node = {"points": [{"pointNumber": 4, "customdata": "K=5 · cluster 1 (75 songs)<br>from K=4 · cluster 2"}]}
    with app.server.test_request_context("/"):
        href = overview.open_tree_node(node, {"k": "4", "algo": "kmeans", "scaler": "robust"})
        assert href == "/explorer?k=5&scaler=robust&cluster=1"
        for click, shown in (
            ({"points": [{"customdata": "K=13 · cluster 1 (3 songs)"}]}, {"k": "4"}),  # beyond k_max
            ({"points": [{"customdata": "K=5 · cluster 5 (3 songs)"}]}, {"k": "4"}),  # no such cluster
            ({"points": [{"customdata": "75 songs: K=4 · cluster 2 → K=5 · cluster 1"}]}, {"k": "4"}),  # a link
            (node, "not a query"),
        ):
            with pytest.raises(PreventUpdate):
                overview.open_tree_node(click, shown)


def test_the_cluster_cards_say_their_stability_once_computed(app: dash.Dash) -> None:
    clusters = page_module("clusters")
    QUERY = {"k": "3", "scaler": "minmax"}  # a view the tests above did not compute
    with app.server.test_request_context("/clusters"):
        clusters.layout(k="3", scaler="minmax")  # the view's own models (the page's job would compute them)
        with cached_only():
            page = clusters.layout(k="3", scaler="minmax")
    assert find(page, "clusters-stability-request").data == {"query": QUERY}, "nobody computed it yet"
    assert text(find(page, cluster_stability_id(0))) == "Stability: being computed…"
    assert "is computed in the background" in text(find(page, "clusters-stability"))
    assert find(page, "cluster-card-2") is not None, "the cards do not wait for it"

    with app.server.test_request_context("/clusters"):
        clusters._compute(app_context().resolve(app_context().parse(QUERY)[0]))  # the job
        context_value.set(  # the redraw's outputs: the summary, and every card's line (ALL)
            AttributeDict(
                outputs_list=[
                    {"id": "clusters-stability", "property": "children"},
                    [{"id": cluster_stability_id(c), "property": "children"} for c in (2, 0, 1)],
                ]
            )
        )
        with cached_only():
            summary, lines = clusters.show_stability({"query": QUERY, "error": None}, QUERY)
            again = clusters.layout(**QUERY)
    assert "mean ARI over 20 bootstrap resamples of all 300 songs" in text(summary)
    line = re.compile(r"(stable|doubtful|dissolves) Comes back in \d+ of 20 resamples \(mean Jaccard \d\.\d\d\)\.")
    assert len(lines) == 3 and all(line.fullmatch(text(each)) for each in lines)
    assert find(again, "clusters-stability-request").data is None
    assert [text(find(again, cluster_stability_id(c))) for c in (2, 0, 1)] == [text(each) for each in lines]


def test_every_structure_job_keeps_its_result_apart(app: dash.Dash) -> None:
    """The structure jobs are background callbacks like the pages' own: each request has a
    result key of its own (app.jobs)."""
    with app.server.test_client() as client:
        client.get("/")
    jobs = {key: spec for key, spec in app.callback_map.items() if spec.get("background")}
    ours = [key for key in jobs if any(name in key for name in ("structure-done", "kadvice-done", "stability-done"))]
    assert len(ours) == 3, ours
    keys = set()
    for key in ours:
        manager = jobs[key]["manager"] or app._background_manager
        for _person in range(2):
            keys.add(manager.build_cache_key(jobs[key]["callback"].__wrapped__, [{"query": {"k": "5"}}], [], None))
    assert len(keys) == 6
