"""Small reusable UI pieces: metric cards, notices, the K control, audio players."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from core.config import K_MIN
from core.engine import SongView
from core.previews import Preview

K_CONTROL_ID = "k-control"


def k_control(k_max: int, value: int) -> html.Div:
    """The shell's K slider (2..k_max); its value is mirrored into every URL as ``k``."""
    return html.Div(
        [
            html.Span("K", className="me-2 fw-bold text-white", title="number of clusters"),
            dcc.Slider(
                id=K_CONTROL_ID,
                min=K_MIN,
                max=k_max,
                step=1,
                value=value,
                marks={k: {"label": str(k), "style": {"color": "#ddd"}} for k in range(K_MIN, k_max + 1)},
                updatemode="mouseup",
                className="k-slider",
            ),
        ],
        className="d-flex align-items-center k-control",
    )


def metric_card(label: str, value: str, hint: str = "", element_id: str | None = None) -> dbc.Card:
    """A number with its label and a one-line hint (what good looks like)."""
    body = [html.Div(label, className="text-muted small"), html.Div(value, className="fs-4 fw-semibold")]
    if hint:
        body.append(html.Div(hint, className="text-muted small"))
    kwargs = {"id": element_id} if element_id else {}
    return dbc.Card(dbc.CardBody(body), className="h-100 metric-card", **kwargs)


def notices(messages: list[str], element_id: str) -> html.Div:
    """Warnings about the URL or the data, each in its own dismissable alert."""
    return html.Div(
        [dbc.Alert(m, color="warning", dismissable=True, className="py-2 mb-2 notice") for m in messages],
        id=element_id,
    )


def preview_slot_id(song_id: str, where: str) -> dict[str, str]:
    """Pattern-matching id of a placeholder that the app fills once a lookup answers."""
    return {"type": "preview-slot", "song": song_id, "where": where}


def audio_player(preview: Preview | None, label: str, pending_slot: dict[str, str] | None = None) -> html.Div:
    """An HTML5 player for an allow-listed preview; while an online lookup is pending, a
    placeholder with ``pending_slot`` as its id; else a plain "No preview available"."""
    if preview is None and pending_slot is not None:
        return html.Div("Looking for a preview…", id=pending_slot, className="text-muted small preview-pending")
    if preview is None:
        return html.Div("No preview available", className="text-muted small no-preview")
    return html.Div(
        [
            html.Audio(
                src=preview.url, controls=True, preload="none", className="preview-audio", title=f"Preview of {label}"
            ),
            html.Div(f"Preview: {preview.source}", className="text-muted small preview-source"),
        ],
        className="preview",
    )


def song_player(song: SongView, where: str) -> html.Div:
    """The player (or placeholder) for a song shown in the part of a page named ``where``."""
    slot = preview_slot_id(song.id, where) if song.preview_pending else None
    return audio_player(song.preview, song.title, slot)
