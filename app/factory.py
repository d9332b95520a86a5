"""The Dash app factory: one call builds a complete app on given settings or data."""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

import dash
import flask
from dash import set_props

from app.context import LIBRARY_PENDING_NOTICE, AppContext, attach
from app.jobs import job_manager, manager_name
from app.launcher import LaunchingDiskcacheManager
from app.placement import register_placement_route
from app.routes import register_routes
from app.shell import page_dataset, register_shell_callbacks, shell_layout
from app.uploads import register_upload_routes
from components import ids
from core.cache import cached_only, open_model_cache
from core.catalog import Catalog
from core.config import Settings
from core.datasets import DatasetInfo, DatasetStore, share_folder
from core.demo import catalog_or_demo
from core.embedding import warm_up
from core.engine import Engine
from core.errors import DatasetError
from core.music_library import start_analysis
from core.previews import PreviewFinder
from core.shared import StoreUnavailableError, open_store

ROOT = Path(__file__).resolve().parents[1]
log = logging.getLogger(__name__)


def show_callback_error(error: Exception) -> None:
    """Any callback that raises: the view keeps what it showed, and the shell says why.

    A DatasetError is the user's to fix and is shown as is; anything else is logged with
    its traceback and shown as a short apology. The worker carries on either way.
    """
    if isinstance(error, DatasetError | StoreUnavailableError):
        message = str(error)
    else:
        log.exception("callback failed", exc_info=error)
        message = "Something went wrong while updating this view; it is logged on the server. Try again or reload."
    set_props(ids.CALLBACK_ERROR, {"children": message, "is_open": True})


def read_only_requests(server: flask.Flask) -> None:
    """Every request only reads the model cache: what is missing is computed by a background
    job (pages._common), never by a request thread (core.cache.cached_only). Jobs that Dash
    forks from a request switch computing back on."""
    serve = server.wsgi_app

    def read_only(environ: dict, start_response: Callable) -> Iterable[bytes]:
        with cached_only():
            return serve(environ, start_response)

    server.wsgi_app = read_only  # type: ignore[method-assign]


def follow_music_folder(settings: Settings, notices: list[str]) -> list[str]:
    """Start (or find running) the music folder's analysis, which picks up new files; while
    its first run has no table yet, a notice says what the visitor sees instead."""
    assert settings.music_dir is not None
    start_analysis(settings.music_dir, settings.cache_dir)
    return notices if settings.data_path.exists() else [LIBRARY_PENDING_NOTICE]


def create_app(settings: Settings | None = None, catalog: Catalog | None = None) -> dash.Dash:
    """Build the app on ``settings`` (default: from the environment).

    ``catalog`` overrides the dataset file (tests, embedding); otherwise the file at
    ``settings.data_path`` is served, or the demo catalog when it is missing or unusable.
    """
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = settings or Settings.from_env()
    startup_notices: list[str] = []
    if catalog is None:
        catalog, startup_notices = catalog_or_demo(settings.data_path, settings.cache_dir)
        if settings.music_dir is not None:
            startup_notices = follow_music_folder(settings, startup_notices)
    engine = Engine(catalog, open_model_cache(settings), seed=settings.seed)
    datasets = DatasetStore(settings.datasets_folder, settings.store_limits)
    shared: list[DatasetInfo] = []
    if settings.shared_datasets_dir is not None and settings.shared_datasets_dir.is_dir():
        shared, shared_notices = share_folder(datasets, settings.shared_datasets_dir)
        startup_notices += shared_notices
    preview_store = open_store(settings.redis_url, settings.cache_dir / "previews", "previews")
    previews = PreviewFinder(settings.preview_settings(), preview_store)
    jobs = job_manager(settings)
    context = AppContext(
        settings=settings,
        engine=engine,
        previews=previews,
        jobs=manager_name(jobs),
        startup_notices=startup_notices,
        datasets=datasets,
        shared_datasets=shared,
    )
    # Bootstrap's CSS is served from assets/ (vendored), never from a CDN: the app works offline.
    app = dash.Dash(
        __name__,
        use_pages=True,
        pages_folder=str(ROOT / "pages"),
        assets_folder=str(ROOT / "assets"),
        title="Audio Space Explorer",
        url_base_pathname=settings.url_prefix,
        suppress_callback_exceptions=True,
        on_error=show_callback_error,
        background_callback_manager=jobs,
        # gzip every answer a browser can take compressed (flask-compress): the explorer's
        # figure JSON shrinks about 4x, plotly.js from 4.6 MB to 1.4 MB (bench/UI_RESULTS.md).
        compress=True,
    )
    attach(app.server, context)
    read_only_requests(app.server)
    if settings.music_dir is not None:
        app.server.before_request(context.follow_library)
    app.layout = lambda: shell_layout(context, page_dataset())
    register_shell_callbacks(app)
    register_routes(app.server, settings.url_prefix)
    register_upload_routes(app.server, settings.url_prefix)
    register_placement_route(app.server, settings.url_prefix)
    # Dash fills its table of servable scripts while it renders the index page for the
    # first time; a script request reaching a threaded worker before or during that
    # render fails with a 500 and the page never loads (plotly/dash#3971). Render it
    # once here, before this process serves anyone.
    with app.server.test_client() as client:
        client.get(app.config.requests_pathname_prefix)
    if isinstance(jobs, LaunchingDiskcacheManager):
        # Still a single thread here, as the launcher needs. Once idle, it compiles UMAP's code
        # for the jobs it forks, so no user's first map pays it (Settings.warm_maps).
        warm = functools.partial(warm_up, settings.seed, will_fork=True) if settings.warm_maps else None
        jobs.start_launcher(app.server, warm=warm)
    # The search index is read from the dataset's prepared copy (core.prepared, shared by the
    # workers) in milliseconds; a catalog without one (the demo, an unwritable cache folder) builds
    # it, about 2.5 s at 1M songs: now, beside the first requests, rather than on the first search.
    threading.Thread(target=engine.search_index, name="search-index", daemon=True).start()
    return app
