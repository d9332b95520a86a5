"""The music folder's analysis, as the overview shows it (core.music_library): pure factories."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import html

from core.music_library import LibraryStatus

#: Files that could not be read, listed on the card (the rest counted).
SHOWN_FAILURES = 20


def _time_left(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds < 90:
        return f", about {max(1, round(seconds))} s left"
    return f", about {round(seconds / 60)} min left"


def library_status_body(status: LibraryStatus | None, has_table: bool) -> list:
    """The card's contents: progress while the folder is analysed (files done of all, rate,
    time left, the file in hand), else what the last run did and the files it could not read.
    ``has_table``: whether the app already serves a table of the folder."""
    if status is None:
        return [html.Div("The music folder has not been analysed yet.", className="text-muted")]
    if status.running:
        share = status.done / status.total if status.total else 0.0
        words = (
            f"Analysing your music: {status.done:,} of {status.total:,} files"
            f" ({status.files_per_s:.1f} a second{_time_left(status.seconds_left)})."
            if status.total
            else "Looking for audio files in your music folder…"
        )
        parts = [
            html.Div(words, id="library-progress-text"),
            dbc.Progress(value=round(share * 100), className="my-2", style={"height": "6px"}),
        ]
        if status.current:
            parts.append(html.Div(f"Now: {status.current}", className="small text-muted text-truncate"))
        if not has_table:
            parts.append(html.Div("The demo data is shown until the first analysis ends.", className="small"))
        return parts
    parts = [html.Div(status.summary, id="library-progress-text")]
    if status.failures:
        shown = status.failures[:SHOWN_FAILURES]
        more = status.failed_count - len(shown)
        parts.append(
            html.Details(
                [
                    html.Summary(f"{status.failed_count:,} file{'s' * (status.failed_count != 1)} could not be read"),
                    html.Ul([html.Li(line) for line in shown], className="small mb-0"),
                    *([html.Div(f"and {more:,} more", className="small text-muted")] if more > 0 else []),
                ],
                className="mt-2",
            )
        )
    return parts


def library_card(status: LibraryStatus | None, has_table: bool) -> dbc.Card:
    """The overview's card about the music folder, with its rescan button."""
    return dbc.Card(
        dbc.CardBody(
            [
                html.Div(
                    [
                        html.H6("Your music folder", className="mb-0 me-auto"),
                        dbc.Button(
                            "Rescan for new files",
                            id="library-rescan",
                            size="sm",
                            color="secondary",
                            outline=True,
                            disabled=bool(status and status.running),
                        ),
                    ],
                    className="d-flex align-items-center mb-2",
                ),
                html.Div(library_status_body(status, has_table), id="library-status"),
            ]
        ),
        className="mb-3",
        id="library-card",
    )
