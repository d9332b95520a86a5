"""Small reusable UI pieces: metric cards, notices, the K control, audio players."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from core.config import K_MIN
from core.previews import preview_source

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


def audio_player(url: str | None, label: str) -> html.Div:
    """An HTML5 player for an allow-listed preview URL, or a plain "No preview available"."""
    if not url:
        return html.Div("No preview available", className="text-muted small no-preview")
    return html.Div(
        [
            html.Audio(src=url, controls=True, preload="none", className="preview-audio", title=f"Preview of {label}"),
            html.Div(f"Preview: {preview_source(url)}", className="text-muted small preview-source"),
        ],
        className="preview",
    )
