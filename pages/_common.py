"""What every page does the same way: read the URL, render, follow the shell's controls,
and hand slow work to a background job.

A page module sets ``layout = page_layout(PAGE, body)``, where ``body(view)`` builds the
page's content from a ResolvedView (the validated query, its parameters and models,
resolved once). The frame holds the page's query store (see app.shell), the URL
notices, a job strip and the body; ``follow_settings(page, body)`` re-renders the body
when K or the method controls change, without a reload.

Requests only read the model cache (core.cache.cached_only, set by app.factory). When a
view needs a model nobody has computed yet, ``draw`` returns ``Deferred``: the page keeps
its last view (or shows a skeleton on a first load) and writes the query into its job
store, which starts the page's background callback. That job computes what is missing,
reports what and how far in the job strip, can be cancelled, and draws the body.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import dash
import dash_bootstrap_components as dbc
from dash import ClientsideFunction, Input, Output, State, ctx, dcc, html
from dash.exceptions import PreventUpdate

from app.context import ResolvedView, app_context
from app.links import link, playable
from components import ids
from components.ui import job_panel, notices, view_skeleton
from core import progress
from core.cache import NotReady, computing
from core.clustering import Clustering, ClusterProfile
from core.datasets import UnknownDatasetError
from core.engine import SongView, song_view
from core.errors import DatasetError
from core.neighbours import Closeness
from core.query import ViewQuery, shared_param_names
from core.shared import StoreUnavailableError

Body = Callable[[ResolvedView], Any]
#: Cards, heatmap rows and profile tables show at most this many clusters (the largest).
MAX_CLUSTERS_SHOWN = 30


def error_alert(exc: Exception) -> dbc.Alert:
    return dbc.Alert(str(exc), color="danger", className="page-error")


class Deferred:
    """What ``draw`` returns when the view needs work that runs as a background job."""

    def __init__(self, what: str) -> None:
        self.what = what


def store_alert(exc: StoreUnavailableError) -> dbc.Alert:
    return dbc.Alert(
        f"The shared cache cannot be reached right now ({exc}). This view comes back by itself once it is "
        "reachable again: reload the page in a moment.",
        color="warning",
        className="page-error store-unavailable",
    )


def draw(build: Callable[[], Any]) -> Any:
    """``build()``, or a plain message when the data cannot serve the view or the shared cache
    is unreachable, or ``Deferred`` when it needs a model not computed yet."""
    try:
        return build()
    except NotReady as missing:
        return Deferred(missing.what)
    except DatasetError as exc:
        return error_alert(exc)
    except StoreUnavailableError as exc:
        return store_alert(exc)


def render(body: Body, query: ViewQuery) -> Any:
    """The body of ``query``'s view (see ``draw``)."""
    return draw(lambda: body(app_context().resolve(query)))


def page_layout(
    page: str, body: Body, skeleton: Callable[[ViewQuery, str], Any] | None = None
) -> Callable[..., html.Div]:
    """The ``layout`` of a page: the raw URL query in, the whole page (store, notices for
    bad values, job strip, body) out. Registers the page's background job.

    ``skeleton(query, what)`` draws the page while its first view is computed; pages whose
    callbacks follow the shell's controls into the body give one with the body's component
    ids (Dash refuses a callback whose outputs are missing). Default: a placeholder."""
    _register_job(page, body)

    def layout(**raw_query: object) -> html.Div:
        try:
            query, problems = app_context().parse(raw_query)
        except UnknownDatasetError as gone:
            return dataset_gone(gone)
        content = render(body, query)
        deferred = isinstance(content, Deferred)
        return html.Div(
            [
                dcc.Store(id=ids.page_query(page), data=query.to_params()),
                dcc.Store(id=ids.page_job_request(page), data=query.to_params() if deferred else None),
                dcc.Store(id=ids.page_job(page)),
                dcc.Store(id=ids.page_job_stop(page)),
                notices(problems, ids.page_notices(page)),
                job_panel(ids.job_panel(page), ids.job_progress(page), ids.job_cancel(page)),
                html.Div(
                    (skeleton or _placeholder)(query, content.what) if deferred else content,
                    id=ids.page_body(page),
                    className="page-body",
                ),
            ]
        )

    return layout


def dataset_gone(error: UnknownDatasetError) -> html.Div:
    """The page of a link to a dataset that is not here (never was, or removed after long disuse)."""
    return html.Div(
        [
            dbc.Alert(
                [
                    html.H4("This dataset is no longer here", className="alert-heading"),
                    html.P(str(error)),
                    html.P("Whoever has the file can open it again with Open data, at the top of the page."),
                ],
                color="warning",
                id=ids.DATASET_GONE,
            ),
            dcc.Link("Explore the default dataset instead", href=link("/")),
        ]
    )


def _placeholder(_query: ViewQuery, what: str) -> Any:
    return view_skeleton(what)


def _register_job(page: str, body: Body) -> None:
    """The page's background job: draw ``body`` for the query written to its job store,
    computing what is missing, with progress and Cancel; and the clientside glue that starts
    it for a first load the cache could not serve, and stops it when the page moves on to
    another view before it is done."""
    dash.clientside_callback(
        "function (request) { return request || window.dash_clientside.no_update; }",
        Output(ids.page_job(page), "data"),
        Input(ids.page_job_request(page), "data"),
    )
    dash.clientside_callback(  # after Cancel the controls go back to the view on screen
        "function (clicks, query) { return clicks ? Object.assign({}, query) : window.dash_clientside.no_update; }",
        Output(ids.page_query(page), "data", allow_duplicate=True),
        Input(ids.job_cancel(page), "n_clicks"),
        State(ids.page_query(page), "data"),
        prevent_initial_call=True,
    )
    dash.clientside_callback(
        ClientsideFunction("audiospace", "stopOutdatedJob"),
        Output(ids.page_job_stop(page), "data"),
        Input(ids.page_query(page), "data"),
        State(ids.page_job(page), "data"),
        State(ids.job_panel(page), "className"),
        prevent_initial_call=True,
    )

    @dash.callback(
        Output(ids.page_body(page), "children", allow_duplicate=True),
        Output(ids.page_query(page), "data", allow_duplicate=True),
        Input(ids.page_job(page), "data"),
        background=True,
        progress=Output(ids.job_progress(page), "children"),
        running=[
            (Output(ids.job_panel(page), "className"), "job-panel running", "job-panel"),
            (Output(ids.page_body(page), "className"), "page-body computing", "page-body"),
        ],
        cancel=[Input(ids.job_cancel(page), "n_clicks"), Input(ids.page_job_stop(page), "data")],
        interval=300,
        prevent_initial_call=True,
    )
    def compute(set_progress: Callable[[str], None], job: dict[str, str] | None) -> tuple[Any, dict[str, str]]:
        if not isinstance(job, dict):
            raise PreventUpdate
        query = stored_query(job)
        with computing(), progress.reporting(lambda step: set_progress(step.text())), app_context().taking_turns():
            return render(body, query), query.to_params()


def stored_query(data: dict[str, str] | None, **changes: object) -> ViewQuery:
    """The page's current ViewQuery from its store, with ``changes`` applied and re-validated
    (a change to None removes that parameter). A store that is not a dict (only a forged
    request sends one) changes nothing: PreventUpdate."""
    if data is not None and not isinstance(data, dict):
        raise PreventUpdate
    params = {**(data or {}), **{name: str(v) for name, v in changes.items() if v is not None}}
    for name, value in changes.items():
        if value is None:
            params.pop(name, None)
    query, _ = app_context().parse(params)
    return query


def settings_query(settings: dict[str, str] | None, data: dict[str, str]) -> ViewQuery | None:
    """The page's query under the shell's clustering settings; None when they already agree.

    A cluster in focus is dropped: under other settings it is another cluster. Settings or a
    page store that are not a dict (no settings yet, or a forged payload) change nothing:
    PreventUpdate.
    """
    if not isinstance(settings, dict) or not isinstance(data, dict):
        raise PreventUpdate
    shared = shared_param_names()
    changes = {name: settings.get(name) for name in shared}
    if all(changes[name] == data.get(name) for name in shared):
        return None
    return stored_query(data, **changes, cluster=None)


def view_kept(page: str, outputs: Sequence[Output], data: dict[str, str]) -> tuple:
    """For a callback with ``outputs`` asked for the view ``page`` already shows: no change
    but its query written again, which stops a job still computing a view asked for before."""
    query_output = (ids.page_query(page), "data")
    return tuple(
        data if (output.component_id, output.component_property) == query_output else dash.no_update
        for output in outputs
    )


def follow_settings(page: str, body: Body) -> None:
    """Re-render ``page``'s body when K or the clustering method changes (and put them in its URL)."""
    outputs = [
        Output(ids.page_body(page), "children"),
        Output(ids.page_query(page), "data", allow_duplicate=True),
        Output(ids.page_job(page), "data", allow_duplicate=True),
    ]

    @dash.callback(
        *outputs, Input(ids.SETTINGS, "data"), State(ids.page_query(page), "data"), prevent_initial_call=True
    )
    def rerender(settings: dict[str, str] | None, data: dict[str, str]) -> tuple[Any, Any, Any]:
        query = settings_query(settings, data)
        if query is None:
            return view_kept(page, outputs, data)
        content = render(body, query)
        if isinstance(content, Deferred):
            return dash.no_update, dash.no_update, query.to_params()
        return content, query.to_params(), dash.no_update


def or_job(query: ViewQuery, outputs: int, build: Callable[[], tuple]) -> tuple:
    """For a callback that also writes its page's job store (last output): ``build()``'s
    ``outputs`` values and no job, or, when they need a model nobody has computed yet,
    no change anywhere and ``query`` for the job (which then redraws the page)."""
    try:
        return (*build(), dash.no_update)
    except NotReady:
        return (*[dash.no_update] * outputs, query.to_params())


def picked_song(pick: dict | None = None) -> str:
    """The song a click chose: a pick-song button (``ids.pick_song``) that was really
    clicked, or the ``pick`` store a plot click wrote; PreventUpdate otherwise."""
    trigger = ctx.triggered_id
    if isinstance(trigger, dict) and trigger.get("type") == "pick-song":
        if not ctx.triggered[0]["value"]:
            raise PreventUpdate  # the button was just drawn, not clicked
        return str(trigger["song"])
    if isinstance(pick, dict) and pick.get("song"):
        return str(pick["song"])
    raise PreventUpdate


def no_clusters(view: ResolvedView) -> dbc.Alert:
    """What a page comparing clusters shows when the method found none (DBSCAN: all noise)."""
    return dbc.Alert(
        f"{view.params.describe()} put all {view.clustering.noise:,} songs in no cluster, so there are no "
        "clusters to compare. A larger eps or a smaller min_samples finds some; the overview's k-distance "
        "plot suggests an eps.",
        color="info",
        id=ids.NO_CLUSTERS,
    )


def shown_profiles(clustering: Clustering) -> tuple[tuple[ClusterProfile, ...], str]:
    """The profiles of the largest MAX_CLUSTERS_SHOWN clusters, and a note when some are left out."""
    profiles = clustering.profiles[:MAX_CLUSTERS_SHOWN]
    hidden = len(clustering.profiles) - len(profiles)
    note = f" Showing the {len(profiles)} largest of {len(clustering.profiles):,} clusters." if hidden else ""
    return profiles, note


def song_views(view: ResolvedView, rows: Sequence[int]) -> list[SongView]:
    """SongViews of catalog rows, each with its preview if known now, or marked pending."""
    previews = view.context.previews
    views = []
    for row in rows:
        song = replace(song_view(view.catalog, view.clustering, int(row)), dataset=view.query.data)
        if song.preview is None:
            row_data = view.catalog.songs.iloc[int(row)]
            file, duration = row_data.get("path"), row_data.get("duration_ms")
            preview, pending = previews.resolve_now(song.id, song.title, song.artist, file, duration)
            song = replace(song, preview=preview, preview_pending=pending)
        views.append(replace(song, preview=playable(song.preview)))
    return views


def neighbour_views(view: ResolvedView, song_id: str, n: int = 10) -> list[tuple[SongView, float, Closeness]]:
    """The n nearest songs to ``song_id`` as (view, distance, why they are close)."""
    found = view.engine.neighbours(song_id, view.params, n)
    songs = song_views(view, [nb.row for nb in found])
    return [(song, nb.distance, nb.closeness) for song, nb in zip(songs, found, strict=True)]
