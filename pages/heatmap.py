"""Heatmap: how each cluster deviates from the average song, feature by feature."""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
import numpy as np
from dash import Input, Output, State, callback, dcc, html

from app.context import ResolvedView, app_context
from components import ids
from components.figures import GRAPH_CONFIG, distribution_figure, mean_profile_figure, zscore_heatmap
from components.song_panel import cluster_badge
from components.ui import page_subtitle
from core.features import feature_title, format_value
from pages._common import (
    MAX_CLUSTERS_SHOWN,
    follow_settings,
    no_clusters,
    or_job,
    page_layout,
    shown_profiles,
    stored_query,
)

dash.register_page(__name__, path="/heatmap", name="Heatmap", order=2, title="Heatmap · Audio Space Explorer")
PAGE = "heatmap"
_GRAPH = {"config": GRAPH_CONFIG}
SUBTITLE = "How each cluster differs from the average song, feature by feature (in standard deviations)."


def _column_title(feature: str) -> str:
    """The table's column title: the feature with the unit its values are shown in."""
    return "Duration (m:ss)" if feature == "duration_ms" else feature_title(feature)


def _profile_table(clustering, profiles) -> dbc.Table:
    features = clustering.features
    head = html.Thead(
        html.Tr(
            [
                html.Th("Cluster"),
                html.Th("Songs"),
                html.Th("In plain words"),
                *[html.Th(_column_title(f), className="text-end") for f in features],
            ]
        )
    )
    rows = [
        html.Tr(
            [
                html.Td(cluster_badge(p.cluster)),
                html.Td(f"{p.size:,}"),
                html.Td(p.description),
                *[html.Td(format_value(f, p.means[f]), className="text-end") for f in features],
            ]
        )
        for p in profiles
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


def _distribution(view: ResolvedView):
    clustering = view.clustering
    feature = view.query.feature or clustering.features[0]
    values = view.catalog.songs[feature].to_numpy()
    shown = clustering.labels < MAX_CLUSTERS_SHOWN
    return distribution_figure(values[shown], clustering.labels[shown], feature)


def body(view: ResolvedView) -> list:
    clustering = view.clustering
    features = clustering.features
    profiles, shown_note = shown_profiles(clustering)
    subtitle = page_subtitle(SUBTITLE, "heatmap-subtitle")
    if not profiles:
        return [subtitle, no_clusters(view)]
    zscores = np.array([[p.zscores[f] for f in features] for p in profiles])
    means = np.array([[p.means[f] for f in features] for p in profiles])
    raw = view.catalog.songs[list(features)]
    low, high = raw.min().to_numpy(), raw.max().to_numpy()
    scaled_means = (means - low) / np.where(high > low, high - low, 1.0)
    options = [{"label": feature_title(f), "value": f} for f in features]
    noise = f" {clustering.noise:,} noise songs are left out of the heatmap and profiles." if clustering.noise else ""
    return [
        subtitle,
        html.P(
            "Each cell is how far a cluster's average lies from the average of all songs, in standard "
            "deviations (z-score): red above, blue below. Hover for the cluster's raw mean." + noise + shown_note,
            className="text-muted small",
        ),
        dcc.Graph(
            id="heatmap-graph",
            figure=zscore_heatmap(zscores, means, features, [p.description for p in profiles]),
            **_GRAPH,
        ),
        dbc.Row(
            [
                dbc.Col(
                    dcc.Graph(id="heatmap-means", figure=mean_profile_figure(scaled_means, features), **_GRAPH), lg=7
                ),
                dbc.Col(
                    [
                        dcc.Dropdown(
                            id="heatmap-feature",
                            options=options,
                            value=view.query.feature or features[0],
                            clearable=False,
                            className="mb-1",
                        ),
                        dcc.Graph(id="heatmap-distribution", figure=_distribution(view), **_GRAPH),
                    ],
                    lg=5,
                ),
            ],
            className="g-3 my-2",
        ),
        html.H5("Cluster profiles (raw means)", className="mt-3"),
        _profile_table(clustering, profiles),
    ]


layout = page_layout(PAGE, body)
follow_settings(PAGE, body)


@callback(
    Output("heatmap-distribution", "figure"),
    Output(ids.page_query(PAGE), "data", allow_duplicate=True),
    Output(ids.page_job(PAGE), "data", allow_duplicate=True),
    Input("heatmap-feature", "value"),
    State(ids.page_query(PAGE), "data"),
    prevent_initial_call=True,
)
def show_distribution(feature: str, data: dict[str, str]):
    """Another feature's distribution per cluster; the feature goes in the URL."""
    query = stored_query(data, feature=feature)
    return or_job(query, 2, lambda: (_distribution(app_context().resolve(query)), query.to_params()))
