"""Small reusable UI pieces: metric cards, notices, the K control, audio players."""

from __future__ import annotations

import dash_bootstrap_components as dbc
from dash import dcc, html

from core.config import K_MIN
from core.engine import SongView
from core.features import feature_label
from core.previews import Preview

K_CONTROL_ID = "k-control"
#: The shell's store of the clustering settings the controls show, in URL form (strings,
#: defaults left out); pages re-render when it differs from their own query.
SETTINGS_ID = "settings"


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


METHOD_CONTROL_IDS = {
    "algo": "algo-control",
    "scaler": "scaler-control",
    "features": "features-control",
    "eps": "eps-control",
    "min_samples": "min-samples-control",
    "linkage": "linkage-control",
}
_ALGORITHM_LABELS = {"kmeans": "K-Means", "hierarchical": "Hierarchical", "dbscan": "DBSCAN"}
_SCALER_LABELS = {"standard": "Standardise (z-score)", "minmax": "Min-max (0–1)", "robust": "Robust (median, IQR)"}
_LINKAGE_LABELS = {"ward": "Ward", "complete": "Complete", "average": "Average", "single": "Single"}


def _labelled(label: str, control: object, width: int | str = "auto", **kwargs: object) -> dbc.Col:
    return dbc.Col([dbc.Label(label, className="small text-muted mb-0"), control], width=width, **kwargs)


def _select(control_id: str, value: str, labels: dict[str, str]) -> dbc.Select:
    return dbc.Select(
        id=control_id, value=value, size="sm", options=[{"label": v, "value": k} for k, v in labels.items()]
    )


def _number_input(control_id: str, minimum: float, step: float | str) -> dbc.Input:
    """A small number box; empty means "auto" (the engine's default), applied on blur or Enter."""
    return dbc.Input(
        id=control_id,
        type="number",
        min=minimum,
        step=step,
        placeholder="auto",
        debounce=True,
        size="sm",
        style={"width": "7rem"},
    )


def method_controls(features: tuple[str, ...]) -> dbc.Row:
    """How songs are clustered: method, scaling, features, and the method's own settings.

    Values mirror the URL (``algo``, ``scaler``, ``features``, ``eps``, ``min_samples``,
    ``linkage``); the DBSCAN and hierarchical settings show only for their method.
    """
    ids = METHOD_CONTROL_IDS
    return dbc.Row(
        [
            _labelled(
                "Method",
                _select(ids["algo"], "kmeans", _ALGORITHM_LABELS),
            ),
            _labelled(
                "Scaling",
                _select(ids["scaler"], "standard", _SCALER_LABELS),
            ),
            _labelled(
                "Features clustered",
                dcc.Dropdown(
                    id=ids["features"],
                    multi=True,
                    value=list(features),
                    clearable=False,
                    options=[{"label": feature_label(f), "value": f} for f in features],
                    className="features-control",
                ),
                width=True,
            ),
            _labelled(
                "Linkage",
                _select(ids["linkage"], "ward", _LINKAGE_LABELS),
                id="hierarchical-settings",
                style={"display": "none"},
            ),
            _labelled(
                "eps", _number_input(ids["eps"], minimum=0, step="any"), id="dbscan-eps", style={"display": "none"}
            ),
            _labelled(
                "min samples",
                _number_input(ids["min_samples"], minimum=2, step=1),
                id="dbscan-min-samples",
                style={"display": "none"},
            ),
            dbc.Col(
                html.Div(id="method-hint", className="small text-danger"), width="auto", className="align-self-end"
            ),
        ],
        className="g-2 align-items-end method-controls mb-3",
    )
