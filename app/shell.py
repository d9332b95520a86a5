"""The shell around every page: navbar from the page registry, K control, copy link,
startup notices, and the clientside glue that keeps the URL in step with the view.

Each page renders a store ``{"type": "page-query", "page": name}`` holding its
canonical query. Whenever it changes, the URL is rewritten in place (replaceState: no
reload, no re-render, still shareable), nav links get the shared parameters, and the
K control follows the page's K.
"""

from __future__ import annotations

import dash
import dash_bootstrap_components as dbc
from dash import ALL, MATCH, ClientsideFunction, Dash, Input, Output, State, dcc, html

from app.context import AppContext, current
from components.ui import (
    K_CONTROL_ID,
    METHOD_CONTROL_IDS,
    SETTINGS_ID,
    audio_player,
    k_control,
    method_controls,
    notices,
)
from core.query import GLOBAL_PARAMS

PAGE_QUERY = {"type": "page-query", "page": ALL}
NAV_LINK = {"type": "nav-link", "path": ALL}
CALLBACK_ERROR_ID = "callback-error"
PREVIEW_SLOT = {"type": "preview-slot", "song": MATCH, "where": MATCH}
#: The method controls in the order the clientside callbacks list them (after K).
SHELL_CONFIG_ID = "shell-config"
_CONTROL_ORDER = ("algo", "scaler", "features", "eps", "min_samples", "linkage")


def shell_layout(context: AppContext) -> html.Div:
    catalog = context.engine.catalog
    pages = [p for p in dash.page_registry.values() if p.get("nav", True)]
    nav = [
        dbc.NavItem(dbc.NavLink(p["name"], href=p["path"], id={"type": "nav-link", "path": p["path"]}, active="exact"))
        for p in sorted(pages, key=lambda p: p["order"])
    ]
    source = "demo data" if catalog.is_demo else catalog.report.source
    navbar = dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand("Audio Space Explorer", href="/"),
                dbc.Nav(nav, navbar=True, className="me-auto"),
                k_control(context.k_max, context.limits().default_k),
                html.Div(
                    [
                        dcc.Clipboard(
                            id="copy-link", title="Copy a link to this view", className="btn btn-sm btn-outline-light"
                        ),
                        html.Span("Copy link", className="ms-1 small text-white-50"),
                    ],
                    className="d-flex align-items-center ms-3",
                ),
                dbc.Badge(
                    f"{source} · {len(catalog):,} songs",
                    color="warning" if catalog.is_demo else "secondary",
                    className="ms-3 dataset-badge",
                    id="dataset-badge",
                ),
            ],
            fluid=True,
        ),
        color="dark",
        dark=True,
        className="mb-3",
    )
    return html.Div(
        [
            navbar,
            dbc.Container(
                [
                    dcc.Store(id=SETTINGS_ID),
                    dcc.Store(id=SHELL_CONFIG_ID, data={"globalParams": list(GLOBAL_PARAMS)}),
                    method_controls(catalog.features),
                    notices(context.startup_notices, "startup-notices"),
                    dbc.Alert(id=CALLBACK_ERROR_ID, is_open=False, color="danger", dismissable=True, className="py-2"),
                    dcc.Loading(
                        dash.page_container,
                        target_components={"_pages_content": "children"},
                        delay_show=250,
                        type="circle",
                        overlay_style={"visibility": "visible", "opacity": 0.5},
                    ),
                ],
                fluid=True,
            ),
        ]
    )


def register_shell_callbacks(app: Dash) -> None:
    @app.callback(Output(PREVIEW_SLOT, "children"), Output(PREVIEW_SLOT, "className"), Input(PREVIEW_SLOT, "id"))
    def fill_preview_slot(slot: dict[str, str]) -> tuple[html.Div, str]:
        """Each placeholder asks once, on its own request, so a slow or offline service never
        holds up the page; the player appears when its URL is known."""
        catalog = current().engine.catalog
        row = catalog.row_of(slot["song"])
        if row is None:
            return audio_player(None, ""), "preview-slot"
        song = catalog.songs.iloc[row]
        preview = current().previews.look_up(str(song["title"]), str(song["artist"]))
        return audio_player(preview, str(song["title"])), "preview-slot"

    app.clientside_callback(
        ClientsideFunction("audiospace", "settingsFromControls"),
        Output(SETTINGS_ID, "data"),
        Output("method-hint", "children"),
        Output("hierarchical-settings", "style"),
        Output("dbscan-eps", "style"),
        Output("dbscan-min-samples", "style"),
        Output(K_CONTROL_ID, "disabled"),
        Input(K_CONTROL_ID, "value"),
        *[Input(METHOD_CONTROL_IDS[name], "value") for name in _CONTROL_ORDER],
        State(METHOD_CONTROL_IDS["features"], "options"),
    )
    app.clientside_callback(
        ClientsideFunction("audiospace", "followPageQuery"),
        Output(NAV_LINK, "href"),
        Output(K_CONTROL_ID, "value"),
        *[Output(METHOD_CONTROL_IDS[name], "value") for name in _CONTROL_ORDER],
        Input(PAGE_QUERY, "data"),
        State(METHOD_CONTROL_IDS["features"], "options"),
        State(SHELL_CONFIG_ID, "data"),
        State(K_CONTROL_ID, "value"),
        *[State(METHOD_CONTROL_IDS[name], "value") for name in _CONTROL_ORDER],
    )
    app.clientside_callback(
        ClientsideFunction("audiospace", "copyLink"),
        Output("copy-link", "content"),
        Input("copy-link", "n_clicks"),
        prevent_initial_call=True,
    )
