"""The overview's music-folder card and its callbacks: progress while the folder is analysed,
a rescan that picks up new files (core.music_library). Shown only when AUDIOSPACE_MUSIC_DIR is set."""

from __future__ import annotations

from dash import Input, Output, callback, ctx, dcc, html
from dash.exceptions import PreventUpdate

from app.context import app_context
from components.library import library_card, library_status_body
from core.music_library import read_status, start_analysis

#: How often the card asks how the analysis goes, in ms.
POLL_MS = 2000


def library_section() -> html.Div:
    """The card and its poll (running only while an analysis does); empty without a music folder."""
    settings = app_context().settings
    if settings.music_dir is None:
        return html.Div(id="library-section")
    status = read_status(settings.cache_dir)
    running = bool(status and status.running)
    return html.Div(
        [
            library_card(status, settings.data_path.exists()),
            dcc.Interval(id="library-poll", interval=POLL_MS, disabled=not running),
        ],
        id="library-section",
    )


@callback(
    Output("library-status", "children"),
    Output("library-poll", "disabled"),
    Output("library-rescan", "disabled"),
    Input("library-poll", "n_intervals"),
    Input("library-rescan", "n_clicks"),
    prevent_initial_call=True,
)
def follow_analysis(_ticks: int | None, rescan: int | None) -> tuple:
    """Progress while the folder is analysed; a rescan starts a run unless one is going."""
    settings = app_context().settings
    if settings.music_dir is None:
        raise PreventUpdate
    if rescan and ctx.triggered_id == "library-rescan":
        start_analysis(settings.music_dir, settings.cache_dir)
        return library_status_body(read_status(settings.cache_dir), settings.data_path.exists()), False, True
    status = read_status(settings.cache_dir)
    running = bool(status and status.running)
    return library_status_body(status, settings.data_path.exists()), not running, running
