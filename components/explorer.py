"""The explorer's own controls: which map and view, and the card of any two features."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import dash_bootstrap_components as dbc
import plotly.graph_objects as go
from dash import dcc, html

from components import ids
from components.figures import GRAPH_CONFIG, profile_bars
from components.song_panel import cluster_badge
from core.features import feature_title
from core.selection import Selection

#: The feature scatter zooms with the wheel as the main plot does.
ZOOM_CONFIG = {**GRAPH_CONFIG, "scrollZoom": True}


def projection_controls(
    proj: str,
    view: str,
    colour: str,
    projections: Mapping[str, str],
    views: Mapping[str, str],
    colourings: Mapping[str, str],
    views_apply: str = "pca",
) -> dbc.Row:
    """Radio buttons for the map (``projections``: name -> label), for 3D/2D (``views``),
    which apply only to the ``views_apply`` map (the others are 2-D), and for what colours
    the songs (``colourings``)."""
    return dbc.Row(
        [
            dbc.Col(
                dbc.RadioItems(
                    id="explorer-proj",
                    value=proj,
                    inline=True,
                    options=[{"label": label, "value": name} for name, label in projections.items()],
                )
            ),
            dbc.Col(
                dbc.RadioItems(
                    id="explorer-view",
                    value=view,
                    inline=True,
                    options=view_options(views, proj, views_apply),
                ),
                width="auto",
            ),
            dbc.Col(
                html.Div(
                    [
                        html.Span("Colour:", className="small text-muted me-2"),
                        dbc.RadioItems(
                            id="explorer-colour",
                            value=colour,
                            inline=True,
                            options=[{"label": label, "value": name} for name, label in colourings.items()],
                        ),
                    ],
                    className="d-flex align-items-center",
                    title="Neighbours kept: how many of each song's 10 nearest songs (in every feature) "
                    "this view draws near it; red songs' real neighbours are spread out on screen.",
                ),
                width="auto",
            ),
        ],
        className="mb-1",
    )


def view_options(views: Mapping[str, str], proj: str, views_apply: str = "pca") -> list[dict]:
    """The 3D/2D choices, enabled only for the ``views_apply`` map."""
    return [{"label": label, "value": name, "disabled": proj != views_apply} for name, label in views.items()]


def feature_pair_card(title: str, features: Sequence[str], x: str, y: str, figure: go.Figure) -> dbc.Card:
    """Any two features against each other: two feature pickers (``x``, ``y`` chosen) over the scatter."""
    options = [{"label": feature_title(f), "value": f} for f in features]
    pickers = dbc.Row(
        [
            dbc.Col(dcc.Dropdown(id="explorer-x", options=options, value=x, clearable=False), md=6),
            dbc.Col(dcc.Dropdown(id="explorer-y", options=options, value=y, clearable=False), md=6),
        ],
        className="g-2 mb-2",
    )
    graph = dcc.Graph(id="explorer-features", figure=figure, config=ZOOM_CONFIG)
    return dbc.Card([dbc.CardHeader(title), dbc.CardBody([pickers, graph])])


def selection_panel(selection: Selection, catalog_size: int, spotify: bool, local_files: bool) -> dbc.Card:
    """What a box or lasso selection holds: how many songs, the clusters it spans, how it
    differs from the catalog (bars in standard deviations) and its downloads (CSV; Spotify
    track URIs when the catalog's ids are Spotify's; an M3U8 playlist when songs have local
    audio files)."""
    spans = [
        html.Span(
            [cluster_badge(cluster), f" {songs:,}"],
            className="me-3 selection-cluster",
        )
        for cluster, songs in selection.clusters
    ]
    downloads = [
        dbc.Button("Download CSV", id=ids.selection_download("csv"), size="sm", color="primary", className="me-2")
    ]
    if spotify:
        downloads.append(
            dbc.Button(
                "Spotify playlist (URIs)", id=ids.selection_download("uris"), size="sm", outline=True, color="primary"
            )
        )
    if local_files:
        downloads.append(
            dbc.Button(
                "Playlist of the files (M3U8)",
                id=ids.selection_download("m3u8"),
                size="sm",
                outline=True,
                color="primary",
                className="ms-2",
            )
        )
    return dbc.Card(
        [
            dbc.CardHeader(
                f"{selection.size:,} songs selected ({selection.size / catalog_size:.1%} of the catalog)",
                className="selection-count",
            ),
            dbc.CardBody(
                [
                    html.Div(selection.description, className="mb-2 selection-description"),
                    html.Div(
                        [html.Span("Clusters it spans: ", className="text-muted small"), *spans], className="mb-2"
                    ),
                    dcc.Graph(
                        figure=profile_bars(selection.zscores, "#495057"),
                        config={"displayModeBar": False},
                        className="selection-profile",
                    ),
                    html.Div(downloads, className="mt-2"),
                    html.Div(
                        "Against the whole catalog, in standard deviations. Double-click the plot to clear.",
                        className="small text-muted mt-2",
                    ),
                ]
            ),
        ],
        className="mb-3 selection-panel",
    )
