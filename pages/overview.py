"""Overview: how many songs, how good this K is, and the charts that justify K."""

from __future__ import annotations

import math

import dash
import dash_bootstrap_components as dbc
from dash import dcc, html

from app.context import current
from components.figures import elbow_figure, quality_figure, sizes_figure
from components.ui import metric_card
from core.config import K_MIN
from core.query import ViewQuery
from pages._common import follow_k, page_frame

dash.register_page(__name__, path="/", name="Overview", order=0, title="Overview · Audio Space Explorer")
PAGE = "overview"


def _number(value: float, digits: int = 3) -> str:
    return "—" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def body(query: ViewQuery) -> list:
    context = current()
    catalog = context.engine.catalog
    params, clustering, projection = context.models(query)
    sweep = context.engine.sweep(params, range(K_MIN, context.k_max + 1))
    sampled = (
        f"mean over a seeded sample of {clustering.silhouette_sample:,} songs"
        if clustering.silhouette_sample
        else "exact, over every song"
    )
    variance = projection.explained_variance
    metrics = dbc.Row(
        [
            dbc.Col(
                metric_card(
                    "Songs",
                    f"{len(catalog):,}",
                    "demo data" if catalog.is_demo else catalog.report.source,
                    "metric-songs",
                )
            ),
            dbc.Col(metric_card("K (clusters)", str(clustering.k), clustering.method, "metric-k")),
            dbc.Col(
                metric_card(
                    "Silhouette",
                    _number(clustering.silhouette),
                    f"−1…1, higher is better; {sampled}",
                    "metric-silhouette",
                )
            ),
            dbc.Col(
                metric_card(
                    "Davies-Bouldin",
                    _number(clustering.davies_bouldin),
                    "≥ 0, lower is better",
                    "metric-davies-bouldin",
                )
            ),
            dbc.Col(
                metric_card(
                    "Calinski-Harabasz", f"{clustering.calinski_harabasz:,.0f}", "higher is better", "metric-calinski"
                )
            ),
            dbc.Col(
                metric_card(
                    "PCA variance shown",
                    f"{variance[:3].sum():.0%}",
                    f"PC1 {variance[0]:.0%} · PC2 {variance[1]:.0%} · PC3 {variance[2]:.0%}",
                    "metric-variance",
                )
            ),
        ],
        className="g-3 mb-3 row-cols-2 row-cols-md-3 row-cols-xl-6",
    )
    graph = {"config": {"displaylogo": False}}
    charts = dbc.Row(
        [
            dbc.Col(
                dcc.Graph(id="overview-elbow", figure=elbow_figure(sweep.ks, sweep.inertia, query.k), **graph), lg=4
            ),
            dbc.Col(
                dcc.Graph(
                    id="overview-quality",
                    figure=quality_figure(sweep.ks, sweep.silhouette, sweep.davies_bouldin, query.k),
                    **graph,
                ),
                lg=4,
            ),
            dbc.Col(
                dcc.Graph(
                    id="overview-sizes",
                    figure=sizes_figure(clustering.sizes, [p.description for p in clustering.profiles]),
                    **graph,
                ),
                lg=4,
            ),
        ],
        className="g-3 mb-3",
    )
    features = ", ".join(clustering.features)
    report = dbc.Card(
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
    return [metrics, charts, report]


def layout(k: str | None = None, **query: object) -> html.Div:
    return page_frame(PAGE, {**query, "k": k}, body)


follow_k(PAGE, body)
