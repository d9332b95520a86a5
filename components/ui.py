"""Small reusable UI pieces: metric cards, notices, the K control, audio players."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import dash_bootstrap_components as dbc
from dash import dcc, html

from components import ids
from core.config import K_MIN
from core.datasets import StoreLimits
from core.engine import SongView
from core.features import feature_label
from core.methods import Method, MethodOption
from core.previews import Preview


def k_control(k_max: int, value: int) -> html.Div:
    """The shell's K slider (2..k_max) with its number box (applied on Enter or leaving the
    box, assets/k_enter.js); its value is mirrored into every URL as ``k``. For a method
    that finds its own number of clusters the slider is disabled, still legible, and the
    box around it (``ids.K_CONTROL_BOX``) says why in its title."""
    return html.Div(
        [
            html.Span("K", className="me-2 fw-bold text-white k-label", title="number of clusters"),
            dcc.Slider(
                id=ids.K_CONTROL,
                min=K_MIN,
                max=k_max,
                step=1,
                value=value,
                marks={k: {"label": str(k), "style": {"color": "#ddd"}} for k in range(K_MIN, k_max + 1)},
                updatemode="mouseup",
                className="k-slider",
            ),
        ],
        id=ids.K_CONTROL_BOX,
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
            html.Div(
                [
                    f"Preview: {preview.source}",
                    *(_whole_song_link(preview.url) if "#t=" in preview.url else []),
                ],
                className="text-muted small preview-source",
            ),
        ],
        className="preview",
    )


def _whole_song_link(excerpt_url: str) -> list:
    """For a player of a song's middle (``url#t=a,b``): a link that plays the whole file."""
    whole = excerpt_url.split("#", 1)[0]
    return [" (its middle 30 s) · ", html.A("Whole song", href=whole, target="_blank", className="whole-song")]


def song_player(song: SongView, where: str) -> html.Div:
    """The player (or placeholder) for a song shown in the part of a page named ``where``."""
    slot = ids.preview_slot(song.id, where, song.dataset or "") if song.preview_pending else None
    return audio_player(song.preview, song.title, slot)


def _labelled(
    label: str, control: object | list[object], width: int | str = "auto", hint: str = "", **kwargs: object
) -> dbc.Col:
    """A control (or a control and its feedback) under its small label; ``hint`` shows when
    the pointer rests on it."""
    parts = control if isinstance(control, list) else [control]
    box = html.Div([dbc.Label(label, className="small text-muted mb-0"), *parts], title=hint or None)
    return dbc.Col(box, width=width, **kwargs)


def _select(control_id: str, value: str, labels: Mapping[str, str]) -> dbc.Select:
    return dbc.Select(
        id=control_id, value=value, size="sm", options=[{"label": v, "value": k} for k, v in labels.items()]
    )


def _option_control(option: MethodOption) -> dbc.Select | list[object]:
    """A select for a text option with choices; else a small text box for a number, empty
    meaning "auto" (the engine's default), applied on blur or Enter, with the range it
    accepts shown under it when what was typed is outside (assets/url_sync.js checks it
    against the URL contract and marks the box invalid; the view keeps its last value)."""
    control_id = ids.method_option(option.name)
    if option.choices is not None:
        return _select(control_id, str(option.default), option.choices)
    whole = option.kind is int
    if option.bounds is None:
        allowed = "Enter a whole number." if whole else "Enter a number."
    elif whole:
        allowed = f"A whole number from {int(option.bounds[0]) + 1:,} to {int(option.bounds[1]):,}."
    else:
        allowed = f"A number above {option.bounds[0]:g}, at most {option.bounds[1]:g}."
    return [
        dbc.Input(
            id=control_id,
            type="text",
            inputmode="numeric" if whole else "decimal",
            autocomplete="off",
            placeholder="auto" if option.default is None else str(option.default),
            debounce=True,
            size="sm",
            style={"width": "7rem"},
        ),
        dbc.FormFeedback(allowed, type="invalid", tooltip=True, className="option-feedback"),
    ]


def method_controls(features: Sequence[str], methods: Sequence[Method], scalers: Mapping[str, str]) -> dbc.Row:
    """How songs are clustered: method, scaling, features, and each method's own options.

    Values mirror the URL (``algo``, ``scaler``, ``features`` and the options' names); an
    option's box shows only for its method (assets/url_sync.js). The first method and
    scaler are the defaults. The features control never goes below two: with two ticked,
    those two cannot be unticked and the hint at the end of the row says why.
    """
    option_boxes = [
        _labelled(
            option.label,
            _option_control(option),
            hint=option.help,
            id=ids.method_option_box(option.name),
            style={"display": "none"},
            className="position-relative option-box",
        )
        for method in methods
        for option in method.options
    ]
    return dbc.Row(
        [
            _labelled("Method", _select(ids.ALGO_CONTROL, methods[0].name, {m.name: m.label for m in methods})),
            _labelled("Scaling", _select(ids.SCALER_CONTROL, next(iter(scalers)), scalers)),
            _labelled(
                "Features clustered",
                dcc.Dropdown(
                    id=ids.FEATURES_CONTROL,
                    multi=True,
                    value=list(features),
                    clearable=False,
                    options=[{"label": feature_label(f), "value": f} for f in features],
                    maxHeight=480,  # the ten usual features at a glance, not four and a scrollbar
                    className="features-control",
                ),
                width=True,
            ),
            *option_boxes,
            dbc.Col(
                html.Div(id=ids.METHOD_HINT, className="small text-muted method-hint", role="status"),
                width="auto",
                className="align-self-end",
            ),
        ],
        className="g-2 align-items-end method-controls mb-3",
    )


def page_subtitle(text: str, element_id: str) -> html.P:
    """The one line under the bar that says what a page shows."""
    return html.P(text, className="text-muted mb-2 page-subtitle", id=element_id)


def job_panel(panel_id: str, progress_id: str, cancel_id: str) -> html.Div:
    """The strip a background job shows while it runs (hidden otherwise, see app.css): a
    spinner, what is being computed and how far (``progress_id`` receives the text), Cancel."""
    return html.Div(
        [
            dbc.Spinner(size="sm", spinner_class_name="me-2"),
            html.Span("Computing…", id=progress_id, className="job-progress"),
            dbc.Button("Cancel", id=cancel_id, size="sm", color="link", className="ms-2 p-0 job-cancel"),
        ],
        id=panel_id,
        className="job-panel",
        role="status",
    )


def view_skeleton(what: str) -> html.Div:
    """What a page shows before its first view exists: the page's place, and what it waits for."""
    return html.Div(
        [
            html.Div(f"Preparing this view: {what} is being computed once for everyone.", className="text-muted"),
            html.Div(className="skeleton-block"),
        ],
        className="view-skeleton",
    )


def open_data_button() -> dbc.Button:
    """The navbar button that opens the Open data panel."""
    return dbc.Button("Open data", id=ids.OPEN_DATA_BUTTON, size="sm", color="light", outline=True)


def copy_link_button() -> html.Div:
    """ "Copy link" as one button: the clipboard control is laid over the icon and the words
    (app.css), so a click anywhere on it copies the URL of the view on screen."""
    return html.Div(
        [
            html.Span("Copy link", className="copy-link-words"),
            dcc.Clipboard(id=ids.COPY_LINK, title="Copy a link to this view", className="copy-link-target"),
        ],
        className="btn btn-sm btn-outline-light copy-link",
    )


def dataset_badge(text: str, is_demo: bool) -> dbc.Badge:
    """The dataset on screen; cut with an ellipsis on narrow screens, whole in its tooltip."""
    return dbc.Badge(
        text, title=text, color="warning" if is_demo else "secondary", className="dataset-badge", id=ids.DATASET_BADGE
    )


def open_data_panel(
    data: str | None, name: str, songs: int, limits: StoreLimits, shared: Sequence[tuple[str, int, str]] = ()
) -> dbc.Collapse:
    """Upload a CSV (drop zone or file picker, progress, the loader's answer, the column
    mapping when needed), the datasets this server offers everyone (``shared``: name, songs,
    link) and the datasets this browser opened. The browser side is assets/upload.js;
    ``data``, ``name`` and ``songs`` describe the dataset on screen, which that list
    remembers when it is an upload."""
    offered = [
        html.Div(
            [html.A(shared_name, href=href, className="shared-dataset-link"), html.Span(f" {count:,} songs")],
            className="shared-dataset small",
        )
        for shared_name, count, href in shared
    ]
    rules = (
        f"A CSV with a title column and audio features (.csv, .csv.gz, .tsv), up to "
        f"{limits.upload_bytes / 2**20:,.0f} MB and {limits.rows:,} songs. The file stays on this server; "
        "whoever has the link can open it."
    )
    return dbc.Collapse(
        dbc.Card(
            dbc.CardBody(
                [
                    html.Div(
                        [
                            html.Div("Drop a CSV file here, or click to choose one", className="fw-bold"),
                            html.Div(rules, className="small text-muted"),
                        ],
                        id=ids.OPEN_DATA_DROP,
                        className="open-data-drop",
                    ),
                    html.Div(html.Div(className="progress-bar"), id=ids.UPLOAD_PROGRESS, className="progress d-none"),
                    html.Div(id=ids.UPLOAD_MESSAGE, className="upload-message", role="status"),
                    html.Div(id=ids.MAPPING_FORM, className="mapping-form"),
                    *([html.H6("Datasets on this server", className="mt-3 mb-1"), *offered] if offered else []),
                    html.H6("Datasets opened in this browser", className="mt-3 mb-1"),
                    html.Div(id=ids.DATASETS_LIST, className="datasets-list small"),
                    html.Div(
                        id=ids.CURRENT_DATASET,
                        hidden=True,
                        **{"data-id": data or "", "data-name": name, "data-songs": str(songs)},
                    ),
                ]
            ),
            className="mb-3",
        ),
        id=ids.OPEN_DATA_PANEL,
        is_open=False,
    )
