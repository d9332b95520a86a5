"""What every page and route of one app works on: settings, the engine, previews, notices.

``create_app`` keeps one ``AppContext`` on its Flask server (``server.extensions``), and
code serving a request reaches it with ``app_context()`` through ``flask.current_app``:
two apps in one process each see their own. It is identical in every worker (same
settings, same dataset file), so it is not state that differs per worker. Models are
never kept here: the engine answers from the shared cache.

``AppContext.resolve`` turns a validated ViewQuery into a ``ResolvedView``: the
parameters and the models of that view, fetched once per callback and passed down.

A view's dataset is the operator's (no ``data=``) or an upload (``data=<id>``, read from
the dataset store). Each worker keeps the engines of the uploads last used, at most
``settings.catalogs_in_memory`` of them, so twenty datasets in use do not hold twenty
catalogs in every worker; the models themselves are in the shared cache.
"""

from __future__ import annotations

import contextlib
import ctypes
import gc
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import dash
import flask

from core.clustering import Clustering
from core.config import K_MIN, Settings
from core.datasets import DatasetInfo, DatasetStore, UnknownDatasetError
from core.demo import catalog_or_demo
from core.engine import Engine
from core.genres import usable_label_columns
from core.methods import ClusterParams
from core.previews import PreviewFinder
from core.projection import Projection
from core.query import QueryLimits, ViewQuery, dataset_param, parse_query
from core.slots import limited
from core.trust import MapTrust

EXTENSION = "audiospace"
#: Seconds between two looks at the music library's table (follow_library).
LIBRARY_CHECK_S = 2.0
#: Shown while a music folder's first analysis runs and the demo data stands in.
LIBRARY_PENDING_NOTICE = (
    "Your music folder is being analysed: the demo data is shown until it is ready (progress on the overview)."
)


def _return_freed_memory() -> None:
    """Hand the memory of a dropped catalog back to the system: glibc keeps freed blocks for
    reuse, so without this a worker's resident memory only ever grows."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _signature(path: Path) -> tuple[int, int] | None:
    """(mtime in ns, size) of a file, None when it is not there."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size


@dataclass
class AppContext:
    settings: Settings
    engine: Engine
    previews: PreviewFinder
    #: The background-job manager in use: "diskcache" (embedded) or "celery".
    jobs: str = "diskcache"
    #: Shown on every page: demo data in use, a dataset that could not be read, ...
    startup_notices: list[str] = field(default_factory=list)

    #: Uploaded datasets; None when the app was built without a store (embedding, tests).
    datasets: DatasetStore | None = None
    #: The operator's datasets from AUDIOSPACE_SHARED_DATASETS, offered to every visitor.
    shared_datasets: list[DatasetInfo] = field(default_factory=list)
    _engines: OrderedDict[str, Engine] = field(default_factory=OrderedDict, repr=False)
    _engines_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    #: The music library's table as last loaded: (mtime ns, size), and when it was last looked at.
    _library_loaded: tuple[int, int] | None = field(default=None, repr=False)
    _library_checked: float = field(default=float("-inf"), repr=False)

    def __post_init__(self) -> None:
        if self.settings.music_dir is not None:
            self._library_loaded = _signature(self.settings.data_path)

    def follow_library(self) -> None:
        """With a music folder (settings.music_dir): serve its table anew once an analysis has
        rewritten it (core.music_library), looking at most every LIBRARY_CHECK_S seconds. Every
        worker does the same, so all serve the same table within that time."""
        if self.settings.music_dir is None or time.monotonic() - self._library_checked < LIBRARY_CHECK_S:
            return
        self._library_checked = time.monotonic()
        signature = _signature(self.settings.data_path)
        with self._engines_lock:
            if signature is None or signature == self._library_loaded:
                return
            self._library_loaded = signature
        catalog, notices = catalog_or_demo(self.settings.data_path, self.settings.cache_dir)
        self.engine = Engine(catalog, self.engine.cache, seed=self.engine.seed)
        self.startup_notices = [n for n in self.startup_notices if n != LIBRARY_PENDING_NOTICE] + notices

    def engine_for(self, data: str | None) -> Engine:
        """The engine of dataset ``data`` (None: the operator's); UnknownDatasetError when no
        dataset has that id here."""
        if data is None:
            return self.engine
        if self.datasets is None or not self.datasets.exists(data):  # evicted: gone for every worker
            with self._engines_lock:
                self._engines.pop(data, None)
            raise UnknownDatasetError("This dataset is no longer here: it was removed after a long time unused.")
        with self._engines_lock:
            if data in self._engines:
                self._engines.move_to_end(data)
                return self._engines[data]
        engine = Engine(self.datasets.catalog(data), self.engine.cache, seed=self.engine.seed)
        with self._engines_lock:
            engine = self._engines.setdefault(data, engine)
            surplus = len(self._engines) - self.settings.catalogs_in_memory
            dropped = [self._engines.popitem(last=False) for _ in range(surplus)]
        if dropped:
            del dropped
            _return_freed_memory()
        return engine

    def taking_turns(self) -> contextlib.AbstractContextManager[None]:
        """Where a background job runs: its computations take turns with the host's other
        jobs (core.slots) when jobs run embedded; Celery's concurrency bounds its own."""
        if self.jobs == "celery":
            return contextlib.nullcontext()
        return limited(self.settings.cache_dir / "job-slots", self.settings.job_slots)

    def loaded_datasets(self) -> tuple[str, ...]:
        """Ids of the uploads this worker holds in memory, least recently used first."""
        with self._engines_lock:
            return tuple(self._engines)

    def k_max_of(self, engine: Engine) -> int:
        return max(K_MIN, min(self.settings.k_max, len(engine.catalog) - 1))

    @property
    def k_max(self) -> int:
        return self.k_max_of(self.engine)

    def limits(self, engine: Engine | None = None) -> QueryLimits:
        engine = engine or self.engine
        catalog = engine.catalog
        k_max = self.k_max_of(engine)
        return QueryLimits(
            default_k=min(self.settings.default_k, k_max),
            k_max=k_max,
            features=catalog.features,
            song_exists=lambda song_id: catalog.row_of(song_id) is not None,
            labels=tuple(column.name for column in usable_label_columns(catalog)),
        )

    def parse(self, raw: Mapping[str, object]) -> tuple[ViewQuery, list[str]]:
        """The validated query of raw URL parameters on the dataset they name, and a notice
        per replaced value. UnknownDatasetError when ``data`` names no dataset here."""
        data = dataset_param(raw)
        query, notices = parse_query(raw, self.limits(self.engine_for(data)))
        return query.with_changes(data=data), notices

    def resolve(self, query: ViewQuery) -> ResolvedView:
        """The view of ``query``: its parameters now, its clustering and projection when first asked."""
        engine = self.engine_for(query.data)
        params = engine.params(query.k, query.features, query.scaler, query.algo, **dict(query.options))
        return ResolvedView(self, query, params, engine)


@dataclass
class ResolvedView:
    """One view's query, parameters and models, resolved once per request and passed down.

    ``clustering`` and ``projection`` are fetched from the engine (the shared cache, or
    fitted once) the first time they are read.
    """

    context: AppContext
    query: ViewQuery
    params: ClusterParams
    #: The engine of the query's dataset.
    engine: Engine

    _models: dict[str, object] = field(default_factory=dict, repr=False)

    def _model(self, name: str, fetch: Callable[[ClusterParams], object]) -> object:
        """``fetch(params)``, once per view. Not functools.cached_property: before Python 3.12
        it holds one lock for every instance of the class, so one request reading a slow (or
        damaged) cache held up every other request of the worker at the same line."""
        if name not in self._models:
            self._models[name] = fetch(self.params)
        return self._models[name]

    @property
    def clustering(self) -> Clustering:
        return self._model("clustering", self.engine.clustering)  # type: ignore[return-value]

    @property
    def projection(self) -> Projection:
        return self._model("projection", self.engine.projection)  # type: ignore[return-value]

    @property
    def map_trust(self) -> MapTrust:
        """How well the explorer's view of this query keeps each song's neighbours (core.trust)."""
        dims = 3 if self.query.view == "3d" else 2
        return self._model("map_trust", lambda params: self.engine.map_trust(params, self.query.proj, dims))  # type: ignore[return-value]

    @property
    def catalog(self):
        return self.engine.catalog

    @property
    def k_max(self) -> int:
        return self.context.k_max_of(self.engine)


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
