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
from dash import ALL, MATCH, Dash, Input, Output, State, dcc, html

from app.context import AppContext, current
from components.ui import K_CONTROL_ID, audio_player, k_control, notices
from core.query import GLOBAL_PARAMS

PAGE_QUERY = {"type": "page-query", "page": ALL}
NAV_LINK = {"type": "nav-link", "path": ALL}
CALLBACK_ERROR_ID = "callback-error"
PREVIEW_SLOT = {"type": "preview-slot", "song": MATCH, "where": MATCH}


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
        """
        function(queries, currentK) {
            const nav = dash_clientside.callback_context.outputs_list[0].map(o => o.id.path);
            if (!queries.length || !queries[0]) {
                return [nav, dash_clientside.no_update];
            }
            const query = queries[0];
            const search = "?" + new URLSearchParams(query).toString();
            if (window.location.search !== search) {
                window.history.replaceState(window.history.state, "", window.location.pathname + search);
            }
            const shared = new URLSearchParams();
            GLOBAL_PARAMS.forEach(name => { if (query[name] !== undefined) shared.set(name, query[name]); });
            const k = parseInt(query.k, 10);
            return [nav.map(path => path + "?" + shared.toString()), k === currentK ? dash_clientside.no_update : k];
        }
        """.replace("GLOBAL_PARAMS", str(list(GLOBAL_PARAMS))),
        Output(NAV_LINK, "href"),
        Output(K_CONTROL_ID, "value"),
        Input(PAGE_QUERY, "data"),
        State(K_CONTROL_ID, "value"),
    )
    app.clientside_callback(
        "function(n) { return window.location.href; }",
        Output("copy-link", "content"),
        Input("copy-link", "n_clicks"),
        prevent_initial_call=True,
    )
