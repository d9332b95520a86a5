"""What every page and route of one app works on: settings, the engine, previews, notices.

``create_app`` keeps one ``AppContext`` on its Flask server (``server.extensions``), and
code serving a request reaches it with ``app_context()`` through ``flask.current_app``:
two apps in one process each see their own. It is identical in every worker (same
settings, same dataset file), so it is not state that differs per worker. Models are
never kept here: the engine answers from the shared cache.

``AppContext.resolve`` turns a validated ViewQuery into a ``ResolvedView``: the
parameters and the models of that view, fetched once per callback and passed down.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import dash
import flask

from core.clustering import Clustering
from core.config import K_MIN, Settings
from core.engine import Engine
from core.methods import ClusterParams
from core.previews import PreviewFinder
from core.projection import Projection
from core.query import QueryLimits, ViewQuery

EXTENSION = "audiospace"


@dataclass
class AppContext:
    settings: Settings
    engine: Engine
    previews: PreviewFinder
    #: The background-job manager in use: "diskcache" (embedded) or "celery".
    jobs: str = "diskcache"
    #: Shown on every page: demo data in use, a dataset that could not be read, ...
    startup_notices: list[str] = field(default_factory=list)

    @property
    def k_max(self) -> int:
        return max(K_MIN, min(self.settings.k_max, len(self.engine.catalog) - 1))

    def limits(self) -> QueryLimits:
        catalog = self.engine.catalog
        return QueryLimits(
            default_k=min(self.settings.default_k, self.k_max),
            k_max=self.k_max,
            features=catalog.features,
            song_exists=lambda song_id: catalog.row_of(song_id) is not None,
        )

    def params(self, query: ViewQuery) -> ClusterParams:
        return self.engine.params(query.k, query.features, query.scaler, query.algo, **dict(query.options))

    def resolve(self, query: ViewQuery) -> ResolvedView:
        """The view of ``query``: its parameters now, its clustering and projection when first asked."""
        return ResolvedView(self, query, self.params(query))


@dataclass
class ResolvedView:
    """One view's query, parameters and models, resolved once per request and passed down.

    ``clustering`` and ``projection`` are fetched from the engine (the shared cache, or
    fitted once) the first time they are read.
    """

    context: AppContext
    query: ViewQuery
    params: ClusterParams

    @cached_property
    def clustering(self) -> Clustering:
        return self.context.engine.clustering(self.params)

    @cached_property
    def projection(self) -> Projection:
        return self.context.engine.projection(self.params)

    @property
    def catalog(self):
        return self.context.engine.catalog


def attach(server: flask.Flask, context: AppContext) -> None:
    server.extensions[EXTENSION] = context


def context_of(server: flask.Flask) -> AppContext:
    """The context ``create_app`` attached to ``server``."""
    try:
        return server.extensions[EXTENSION]
    except KeyError:
        raise RuntimeError("create_app attaches the app context before any page is served") from None


def app_context() -> AppContext:
    """The context of the app serving this request (or of the app Dash is dispatching to)."""
    return context_of(flask.current_app if flask.has_app_context() else dash.get_app().server)
