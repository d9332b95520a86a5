"""The explorer's "Where does this song land?": the drop zone, the answer panel, the ringed marker.

Pure factories. The file name and anything the analysis says are untrusted text: they are
children of Dash components (rendered as text, never HTML) and, in the plot, escaped for plotly
(components.figures.as_plotly_text).
"""

from __future__ import annotations

from collections.abc import Sequence

import dash_bootstrap_components as dbc
import numpy as np
from dash import dcc, html

from components import ids
from components.figures import as_plotly_text
from components.song_panel import cluster_badge, neighbour_row
from core.engine import SongView
from core.neighbours import Closeness

#: The ``meta`` of the marker trace: assets/placement.js replaces the trace carrying it.
MARKER_META = "placed-song"
#: The ids.pick_song source of the placed song's nearest songs (the song panel's are "neighbour").
SOURCE = "placed"
_TITLE = "Where does this song land?"


def placement_card(max_mb: int, blocked: str | None = None) -> dbc.Card:
    """The control: a drop zone for one audio file (at most ``max_mb`` MB; assets/placement.js
    lays a file input over it and posts the file), its status line and the answer's panel; or,
    when ``blocked`` says why songs cannot be placed in this view, that reason instead."""
    stores = [dcc.Store(id=ids.PLACE_ANALYSIS), dcc.Store(id=ids.PLACE_MARKER)]
    if blocked:
        body = [html.Div(blocked, className="small text-muted place-blocked")]
    else:
        body = [
            html.Div(
                [
                    html.Div("Drop an audio file here, or click to choose one", className="fw-semibold"),
                    html.Div(
                        f"MP3, FLAC, WAV, OGG, … at most {max_mb} MB. It is analysed on the server, then deleted.",
                        className="small text-muted",
                    ),
                ],
                id=ids.PLACE_DROP,
                **{"data-max-mb": max_mb},
                className="place-drop border border-2 rounded p-3 text-center position-relative",
                style={"borderStyle": "dashed", "cursor": "pointer"},
            ),
            html.Div(id=ids.PLACE_STATUS, className="small mt-2", role="status", **{"aria-live": "polite"}),
        ]
    return dbc.Card(
        [
            dbc.CardHeader(_TITLE),
            dbc.CardBody([*body, html.Div(id=ids.PLACE_RESULT, className="mt-2"), *stores]),
        ],
        id=ids.PLACE_CARD,
        className="mt-3 place-card",
    )


def placement_message(text: str) -> dbc.Alert:
    """Why a file gave no placement (not audio, empty, too big, silent, refused features)."""
    return dbc.Alert(text, color="warning", className="small mb-0 place-error")


def placement_result(
    name: str,
    cluster: int,
    description: str,
    how: str,
    neighbours: Sequence[tuple[SongView, float, Closeness]],
    notes: Sequence[str],
    drawn: bool,
    page: str,
) -> html.Div:
    """Where the file ``name`` landed: its cluster (and how it was chosen), its nearest songs
    (each selects that song, as the song panel's neighbours do), the analysis' ``notes``, and
    whether the plot shows its ringed marker (``drawn``: the map on screen is the PCA)."""
    where = (
        "The ringed marker shows where it lands in the plot."
        if drawn
        else "Switch the map to PCA to see it marked in the plot (t-SNE and UMAP cannot place new songs)."
    )
    return html.Div(
        [
            html.H6(name, className="mb-1 place-name"),
            html.Div([html.Span("Lands in "), cluster_badge(cluster), html.Span(f" {description}", className="small")]),
            html.Div(
                f"Placed without refitting: the clusters and the map stay as they are; the song is scaled with the "
                f"catalog's own statistics, projected on the same axes and given {how}. {where}",
                className="small text-muted my-2 place-how",
            ),
            *[html.Div(f"Note: {note}", className="small text-warning-emphasis place-note") for note in notes],
            html.H6(f"{len(neighbours)} nearest songs", className="mt-2"),
            html.Ul(
                [neighbour_row(page, *neighbour, source=SOURCE) for neighbour in neighbours],
                className="list-group neighbours place-neighbours",
            ),
        ],
        className="place-result",
    )


def placed_marker(coords: np.ndarray, three_d: bool, name: str) -> dict:
    """The placed song as a trace of its own: an open ring around its position ``coords`` (3,)
    (x, y and, in 3D, z), labelled "Your song", its escaped file name in the hover label."""
    trace = {
        "type": "scatter3d" if three_d else "scattergl",
        "x": [float(coords[0])],
        "y": [float(coords[1])],
        "mode": "markers+text",
        "name": "your song",
        "meta": MARKER_META,
        "text": ["Your song"],
        "textposition": "top center",
        "textfont": {"size": 13, "color": "#c2255c"},
        "hovertext": [f"{as_plotly_text(name)}<br>placed without refitting"],
        "hovertemplate": "%{hovertext}<extra>your song</extra>",
        "showlegend": False,
        "marker": {
            "symbol": "circle-open",
            "size": 18 if three_d else 22,
            "color": "#c2255c",
            "line": {"color": "#c2255c", "width": 4},
            "opacity": 1,
        },
    }
    if three_d:
        trace["z"] = [float(coords[2])]
    return trace
