"""The shell around every page: navbar from the page registry, K control, copy link,
startup notices, and the clientside glue that keeps the URL in step with the view.

Each page renders a store ``ids.page_query(name)`` holding its canonical query. Whenever
it changes, the URL is rewritten in place (replaceState: no reload, no re-render, still
shareable), nav links get the shared parameters, and the K and method controls follow
the page. The glue (assets/url_sync.js) receives the URL contract from the server
(core.query.url_contract, with what the controls check: ``shell_config``) and the
controls in that order.

The controls keep one rule each, checked in the browser so the view never moves on a
value the server would refuse: at least two features (with two ticked, neither can be
unticked, and a hint says why); a number option outside its bounds stays in its box,
marked invalid with the range it accepts, while the view keeps the last valid value;
K is disabled, still legible, for a method that finds its own number of clusters, and
its number box applies on Enter as on leaving it (assets/k_enter.js).
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import dash
import dash_bootstrap_components as dbc
import flask
from dash import ALL, MATCH, ClientsideFunction, Dash, Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from app.context import AppContext, app_context
from app.links import link, playable
from components import ids
from components.ui import (
    audio_player,
    copy_link_button,
    dataset_badge,
    k_control,
    method_controls,
    notices,
    open_data_button,
    open_data_panel,
)
from core.catalog import Catalog
from core.clustering import SCALER_LABELS
from core.datasets import is_dataset_id
from core.errors import DatasetError
from core.genres import has_labels
from core.methods import METHODS
from core.query import dataset_param, url_contract


def _shell_controls() -> list[str]:
    """Control ids in contract order: K, method, scaling, features, then every method option."""
    options = [ids.method_option(o.name) for o in METHODS.options()]
    return [ids.K_CONTROL, ids.ALGO_CONTROL, ids.SCALER_CONTROL, ids.FEATURES_CONTROL, *options]


def _number_options() -> list[str]:
    """The method options typed as numbers (checked in the browser), in contract order."""
    return [o.name for o in METHODS.options() if o.choices is None and o.kind is not str]


def shell_config() -> dict[str, object]:
    """The URL contract (core.query.url_contract) plus what the controls check before the
    view follows them: each number option's kind and bounds, low exclusive and high
    inclusive as ``MethodOption.parse`` has them, and each method's label."""
    options = {o.name: o for o in METHODS.options()}
    return {
        **url_contract(),
        "numbers": {
            name: {
                "whole": options[name].kind is int,
                "low": options[name].bounds[0] if options[name].bounds else None,
                "high": options[name].bounds[1] if options[name].bounds else None,
            }
            for name in _number_options()
        },
        "labels": {m.name: m.label for m in METHODS.methods.values()},
    }


def page_dataset() -> str | None:
    """The dataset id in the URL of the page being loaded, or None (the operator's dataset).

    Dash asks for the layout with a request of its own, whose Referer is the page's URL, so
    the shell (badge, features, K range) is built for the dataset the page shows. Changing
    dataset loads a new page (an upload, the Datasets list), so the shell stays right."""
    if not flask.has_request_context() or not flask.request.referrer:
        return None
    data = dataset_param(parse_qs(urlsplit(flask.request.referrer).query))
    return data if is_dataset_id(data) else None


def _dataset_name(catalog: Catalog) -> str:
    return "demo data" if catalog.is_demo else catalog.report.source


def _offered(page: dict, catalog: Catalog) -> bool:
    """Whether the nav links ``page``: the genre check only where there is a label column to check."""
    return page["path"] != "/genres" or has_labels(catalog)


def shell_layout(context: AppContext, data: str | None = None) -> html.Div:
    try:
        engine = context.engine_for(data)
    except DatasetError:  # the page says the dataset is gone; the shell shows the default
        engine, data = context.engine, None
    catalog = engine.catalog
    pages = [p for p in dash.page_registry.values() if p.get("nav", True) and _offered(p, catalog)]
    nav = [
        dbc.NavItem(dbc.NavLink(p["name"], href=link(p["path"]), id=ids.nav_link(link(p["path"])), active="exact"))
        for p in sorted(pages, key=lambda p: p["order"])
    ]
    badge = f"{_dataset_name(catalog)} · {len(catalog):,} songs"
    navbar = dbc.Navbar(
        dbc.Container(
            [
                dbc.NavbarBrand("Audio Space Explorer", href=link("/", data=data)),
                dbc.NavbarToggler(id=ids.NAV_TOGGLER, className="ms-auto"),
                # Under 1200 px the links, Open data, Copy link and the badge fold behind the
                # toggler; K stays in view on any screen (every page answers to it).
                dbc.Collapse(
                    [
                        dbc.Nav(nav, navbar=True, className="me-auto"),
                        html.Div(
                            [open_data_button(), copy_link_button(), dataset_badge(badge, catalog.is_demo)],
                            className="navbar-tools",
                        ),
                    ],
                    id=ids.NAV_COLLAPSE,
                    is_open=False,
                    navbar=True,
                ),
                k_control(context.k_max_of(engine), context.limits(engine).default_k),
            ],
            fluid=True,
        ),
        color="dark",
        dark=True,
        expand="xl",
        className="mb-3",
    )
    methods = list(METHODS.methods.values())
    return html.Div(
        [
            navbar,
            dbc.Container(
                [
                    dcc.Store(id=ids.SETTINGS),
                    dcc.Store(id=ids.SHELL_CONFIG, data=shell_config()),
                    open_data_panel(
                        data,
                        catalog.report.source,
                        len(catalog),
                        context.settings.store_limits,
                        [
                            (_dataset_name(context.engine.catalog), len(context.engine.catalog), link("/")),
                            *[(info.name, info.songs, link("/", data=info.id)) for info in context.shared_datasets],
                        ],
                    ),
                    method_controls(catalog.features, methods, SCALER_LABELS),
                    notices(context.startup_notices, ids.STARTUP_NOTICES),
                    dbc.Alert(id=ids.CALLBACK_ERROR, is_open=False, color="danger", dismissable=True, className="py-2"),
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
    slot = ids.preview_slot(MATCH, MATCH, MATCH)

    @app.callback(Output(slot, "children"), Output(slot, "className"), Input(slot, "id"))
    def fill_preview_slot(slot_id: dict[str, str]) -> tuple[html.Div, str]:
        """Each placeholder asks once, on its own request, so a slow or offline service never
        holds up the page; the player appears when its URL is known."""
        if not isinstance(slot_id, dict):
            raise PreventUpdate  # only a forged request gives a slot a plain id
        context = app_context()
        try:
            catalog = context.engine_for(str(slot_id.get("data") or "") or None).catalog
        except DatasetError:
            return audio_player(None, ""), "preview-slot"
        row = catalog.row_of(str(slot_id.get("song")))
        if row is None:
            return audio_player(None, ""), "preview-slot"
        song = catalog.songs.iloc[row]
        preview = context.previews.look_up(str(song["title"]), str(song["artist"]))
        return audio_player(playable(preview), str(song["title"])), "preview-slot"

    controls = _shell_controls()
    option_boxes = [ids.method_option_box(o.name) for o in METHODS.options()]
    app.clientside_callback(
        ClientsideFunction("audiospace", "settingsFromControls"),
        Output(ids.SETTINGS, "data"),
        Output(ids.METHOD_HINT, "children"),
        *[Output(box, "style") for box in option_boxes],
        Output(ids.K_CONTROL, "disabled"),
        Output(ids.K_CONTROL_BOX, "title"),
        Output(ids.FEATURES_CONTROL, "options"),
        Output(ids.FEATURES_CONTROL, "value", allow_duplicate=True),
        *[Output(ids.method_option(name), "invalid") for name in _number_options()],
        *[Input(control, "value") for control in controls],
        State(ids.FEATURES_CONTROL, "options"),
        State(ids.SETTINGS, "data"),
        State(ids.SHELL_CONFIG, "data"),
        # The features control is also followPageQuery's; this callback still runs on load.
        prevent_initial_call="initial_duplicate",
    )
    app.clientside_callback(
        ClientsideFunction("audiospace", "followPageQuery"),
        Output(ids.nav_link(ALL), "href"),
        *[Output(control, "value") for control in controls],
        Input(ids.page_query(ALL), "data"),
        State(ids.FEATURES_CONTROL, "options"),
        State(ids.SHELL_CONFIG, "data"),
        State(ids.SETTINGS, "data"),
        *[State(control, "value") for control in controls],
    )
    for button, panel in ((ids.OPEN_DATA_BUTTON, ids.OPEN_DATA_PANEL), (ids.NAV_TOGGLER, ids.NAV_COLLAPSE)):
        app.clientside_callback(  # the button opens and closes its panel
            "function (clicks, open) { return clicks ? !open : window.dash_clientside.no_update; }",
            Output(panel, "is_open"),
            Input(button, "n_clicks"),
            State(panel, "is_open"),
            prevent_initial_call=True,
        )
    app.clientside_callback(
        ClientsideFunction("audiospace", "copyLink"),
        Output(ids.COPY_LINK, "content"),
        Input(ids.COPY_LINK, "n_clicks"),
        prevent_initial_call=True,
    )
