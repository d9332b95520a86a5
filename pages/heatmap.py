"""Heatmap: how each cluster deviates from the average song, feature by feature."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import numpy as np
from dash import dcc, html

from app.context import current
from components.figures import zscore_heatmap
from components.song_panel import cluster_badge
from core.features import feature_title
from core.query import ViewQuery
from pages._common import follow_k, page_frame

dash.register_page(__name__, path="/heatmap", name="Heatmap", order=2, title="Heatmap · Audio Space Explorer")
PAGE = "heatmap"


def _profile_table(clustering) -> dbc.Table:
    features = clustering.features
    head = html.Thead(
        html.Tr(
            [
                html.Th("Cluster"),
                html.Th("Songs"),
                html.Th("In plain words"),
                *[html.Th(feature_title(f), className="text-end") for f in features],
            ]
        )
    )
    rows = [
        html.Tr(
            [
                html.Td(cluster_badge(p.cluster)),
                html.Td(f"{p.size:,}"),
                html.Td(p.description),
                *[html.Td(f"{p.means[f]:.4g}", className="text-end") for f in features],
            ]
        )
        for p in clustering.profiles
    ]
    return dbc.Table(
        [head, html.Tbody(rows)],
        size="sm",
        striped=True,
        hover=True,
        responsive=True,
        className="small profile-table",
        id="heatmap-profile-table",
    )


def body(query: ViewQuery) -> list:
    _, clustering, _ = current().models(query)
    profiles = clustering.profiles
    zscores = np.array([[p.zscores[f] for f in clustering.features] for p in profiles])
    means = np.array([[p.means[f] for f in clustering.features] for p in profiles])
    figure = zscore_heatmap(zscores, means, clustering.features, [p.description for p in profiles])
    return [
        html.P(
            "Each cell is how far a cluster's average lies from the average of all songs, in standard "
            "deviations (z-score): red above, blue below. Hover for the cluster's raw mean.",
            className="text-muted small",
        ),
        dcc.Graph(id="heatmap-graph", figure=figure, config={"displaylogo": False}),
        html.H5("Cluster profiles (raw means)", className="mt-3"),
        _profile_table(clustering),
    ]


def layout(k: str | None = None, **query: object) -> html.Div:
    return page_frame(PAGE, {**query, "k": k}, body)


follow_k(PAGE, body)
