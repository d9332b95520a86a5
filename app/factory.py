"""The Dash app factory: one call builds a complete app on given settings or data."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import dash
import diskcache
from dash import set_props

from app.context import AppContext, attach
from app.routes import register_routes
from app.shell import register_shell_callbacks, shell_layout
from components import ids
from core.cache import ModelCache
from core.catalog import Catalog
from core.config import Settings
from core.demo import catalog_or_demo
from core.engine import Engine
from core.errors import DatasetError
from core.previews import PreviewFinder

ROOT = Path(__file__).resolve().parents[1]
log = logging.getLogger(__name__)


def show_callback_error(error: Exception) -> None:
    """Any callback that raises: the view keeps what it showed, and the shell says why.

    A DatasetError is the user's to fix and is shown as is; anything else is logged with
    its traceback and shown as a short apology. The worker carries on either way.
    """
    if isinstance(error, DatasetError):
        message = str(error)
    else:
        log.exception("callback failed", exc_info=error)
        message = "Something went wrong while updating this view; it is logged on the server. Try again or reload."
    set_props(ids.CALLBACK_ERROR, {"children": message, "is_open": True})


def create_app(settings: Settings | None = None, catalog: Catalog | None = None) -> dash.Dash:
    """Build the app on ``settings`` (default: from the environment).

    ``catalog`` overrides the dataset file (tests, embedding); otherwise the file at
    ``settings.data_path`` is served, or the demo catalog when it is missing or unusable.
    """
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    settings = settings or Settings.from_env()
    startup_notices: list[str] = []
    if catalog is None:
        catalog, startup_notices = catalog_or_demo(settings.data_path)
    engine = Engine(catalog, ModelCache(settings.cache_dir, settings.lock_expire_s), seed=settings.seed)
    previews = PreviewFinder(settings.preview_settings(), diskcache.Cache(str(settings.cache_dir / "previews")))
    context = AppContext(settings=settings, engine=engine, previews=previews, startup_notices=startup_notices)
    # The search index takes about 10 s to build at 1M songs: build it now, beside the
    # first requests, rather than on the first search.
    threading.Thread(target=engine.search_index, name="search-index", daemon=True).start()

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
    )
    attach(app.server, context)
    app.layout = lambda: shell_layout(context)
    register_shell_callbacks(app)
    register_routes(app.server, settings.url_prefix)
    # Dash fills its table of servable scripts while it renders the index page for the
    # first time; a script request reaching a threaded worker before or during that
    # render fails with a 500 and the page never loads (plotly/dash#3971). Render it
    # once here, before this process serves anyone.
    with app.server.test_client() as client:
        client.get(app.config.requests_pathname_prefix)
    return app
