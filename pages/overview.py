"""Overview: how many songs, how good this clustering is, and the charts that justify it."""

from __future__ import annotations

import math

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from app.context import ResolvedView
from components.figures import (
    GRAPH_CONFIG,
    dendrogram_figure,
    elbow_figure,
    k_distance_figure,
    quality_figure,
    sizes_figure,
)
from components.ui import metric_card
from core.config import K_MIN
from pages._common import follow_settings, page_layout

dash.register_page(__name__, path="/", name="Overview", order=0, title="Overview · Audio Space Explorer")
PAGE = "overview"
_GRAPH = {"config": GRAPH_CONFIG}


def _number(value: float | None, digits: int = 3) -> str:
    return "—" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def _metrics(view: ResolvedView) -> dbc.Row:
    catalog, clustering, method = view.catalog, view.clustering, view.params.method
    sampled = (
        f"mean over a seeded sample of {clustering.silhouette_sample:,} songs"
        if clustering.silhouette_sample
        else "exact, over every song"
    )
    variance = view.projection.explained_variance
    cards = [
        metric_card(
            "Songs", f"{len(catalog):,}", "demo data" if catalog.is_demo else catalog.report.source, "metric-songs"
        ),
        metric_card(
            "K (clusters)" if method.uses_k else "Clusters found",
            str(clustering.k),
            f"{clustering.method}; fitted in {clustering.fit_seconds:.2g} s, once for every visitor",
            "metric-k",
        ),
    ]
    if method.finds_noise:
        share = clustering.noise / len(catalog)
        cards.append(
            metric_card("Noise", f"{clustering.noise:,}", f"{share:.0%} of songs, in no cluster", "metric-noise")
        )
    cards += [
        metric_card(
            "Silhouette",
            _number(clustering.silhouette),
            f"−1…1, higher is better; {sampled}. {clustering.metrics_note}".strip(),
            "metric-silhouette",
        ),
        metric_card(
            "Davies-Bouldin", _number(clustering.davies_bouldin), "≥ 0, lower is better", "metric-davies-bouldin"
        ),
        metric_card(
            "Calinski-Harabasz", _number(clustering.calinski_harabasz, 0), "higher is better", "metric-calinski"
        ),
        metric_card(
            "PCA variance shown",
            f"{variance[:3].sum():.0%}",
            f"PC1 {variance[0]:.0%} · PC2 {variance[1]:.0%} · PC3 {variance[2]:.0%}",
            "metric-variance",
        ),
    ]
    return dbc.Row([dbc.Col(card, xl=True) for card in cards], className="g-3 mb-3 row-cols-2 row-cols-md-3")


def _charts(view: ResolvedView) -> list:
    engine, params, clustering = view.engine, view.params, view.clustering
    sizes = sizes_figure(clustering.sizes, [p.description for p in clustering.profiles], clustering.noise)
    justify = []
    if params.method.uses_k:
        sweep = engine.sweep(params, range(K_MIN, view.k_max + 1))
        justify = [
            dcc.Graph(id="overview-elbow", figure=elbow_figure(sweep.ks, sweep.inertia, params.k), **_GRAPH),
            dcc.Graph(
                id="overview-quality",
                figure=quality_figure(
                    sweep.ks, sweep.silhouette, sweep.davies_bouldin, params.k, sweep.silhouette_sample
                ),
                **_GRAPH,
            ),
        ]
    if "k_distance" in params.method.diagnostics:
        kd = engine.k_distance(params)
        figure = k_distance_figure(kd.distances, kd.min_samples, kd.suggested_eps, params.option("eps"))
        justify.append(dcc.Graph(id="overview-k-distance", figure=figure, **_GRAPH))
    row = dbc.Row(
        [
            *(dbc.Col(graph, lg=4) for graph in justify),
            dbc.Col(dcc.Graph(id="overview-sizes", figure=sizes, **_GRAPH), lg=4),
        ],
        className="g-3 mb-3",
    )
    if "dendrogram" not in params.method.diagnostics:
        return [row]
    tree = engine.dendrogram(params)
    figure = dendrogram_figure(tree.icoord, tree.dcoord, tree.leaf_labels, tree.cut_height, clustering.k)
    return [row, dcc.Graph(id="overview-dendrogram", figure=figure, className="mb-3", **_GRAPH)]


def _comparison(view: ResolvedView) -> dbc.Card:
    """The three methods on the same scaled features, side by side."""
    head = html.Thead(
        html.Tr(
            [
                html.Th(h)
                for h in (
                    "Method",
                    "Clusters",
                    "Noise",
                    "Silhouette ↑",
                    "Davies-Bouldin ↓",
                    "Calinski-Harabasz ↑",
                    "Inertia ↓",
                    "",
                )
            ]
        )
    )
    rows = []
    for score in view.engine.compare(view.params):
        current_row = score.algorithm == view.params.algorithm
        rows.append(
            html.Tr(
                [
                    html.Td(score.method),
                    html.Td(score.clusters),
                    html.Td(f"{score.noise:,}"),
                    html.Td(_number(score.silhouette)),
                    html.Td(_number(score.davies_bouldin)),
                    html.Td(_number(score.calinski_harabasz, 0)),
                    html.Td(_number(score.inertia, 0)),
                    html.Td(score.metrics_note, className="small text-muted"),
                ],
                className="table-primary" if current_row else "",
                id=f"compare-{score.algorithm}",
            )
        )
    return dbc.Card(
        [
            dbc.CardHeader("Methods compared on the same features and scaling"),
            dbc.CardBody(
                dbc.Table(
                    [head, html.Tbody(rows)],
                    size="sm",
                    hover=True,
                    responsive=True,
                    className="mb-0 small",
                    id="overview-comparison",
                )
            ),
        ],
        className="mb-3",
    )


def _report(view: ResolvedView) -> dbc.Card:
    catalog, clustering = view.catalog, view.clustering
    features = ", ".join(clustering.features)
    return dbc.Card(
        [
            dbc.CardHeader("The data"),
            dbc.CardBody(
                [
                    html.Ul([html.Li(line) for line in catalog.report.lines()], className="loader-report small mb-2"),
                    html.Div(
                        f"Clustered on {len(clustering.features)} features ({clustering.scaler} scaling): {features}.",
                        className="small text-muted",
                    ),
                ]
            ),
        ],
        id="overview-report",
    )


def body(view: ResolvedView) -> list:
    return [_metrics(view), *_charts(view), _comparison(view), _report(view)]


layout = page_layout(PAGE, body)
follow_settings(PAGE, body)
