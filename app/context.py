"""What every page and route of one app process works on: settings, the engine, notices.

Set once per process by ``create_app``; identical in every worker (same settings, same
dataset file), so it is not state that differs per worker. Models are never kept here:
the engine answers from the shared disk cache.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from core.clustering import Clustering
from core.config import K_MIN, Settings
from core.engine import ClusterParams, Engine
from core.previews import PreviewFinder
from core.projection import Projection
from core.query import QueryLimits, ViewQuery


@dataclass
class AppContext:
    settings: Settings
    engine: Engine
    previews: PreviewFinder
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
        return self.engine.params(
            query.k, query.features, query.scaler, query.algo, query.eps, query.min_samples, query.linkage
        )

    def models(self, query: ViewQuery) -> tuple[ClusterParams, Clustering, Projection]:
        """Parameters, clustering and projection of a view (cached; fitted once if cold)."""
        params = self.params(query)
        return params, self.engine.clustering(params), self.engine.projection(params)


_current: AppContext | None = None


def set_current(context: AppContext) -> None:
    global _current
    _current = context


def current() -> AppContext:
    if _current is None:
        raise RuntimeError("the app context is set by app.factory.create_app before any page is served")
    return _current
