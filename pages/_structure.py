"""Parts of a page that a background job of their own computes after the page is shown.

Is the structure real? (core.stability, core.null_model, core.k_advice,
core.cluster_tree) takes a second to minutes when nobody has asked before; a page's
body (pages._common) must not wait for it. So a body reads these answers with
``cached``, which never computes, even inside the page's own job. For what is missing
it draws a pending block and writes a request into the part's request store
(``SectionJob.stores``).

The request starts the part's job (``SectionJob.register``): it computes what the part
needs, taking its turn with the host's other jobs and reporting its progress in the
part's strip, and then writes the query it computed into the part's ``done`` store. A
plain callback redraws the part from the cache, and only if the page still shows that
query: a job that ends after the user moved on to another view draws nothing. A job
that fails says why in the part instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import dash
from dash import Input, Output, State, dcc
from dash.exceptions import PreventUpdate

from app.context import ResolvedView, app_context
from components import ids
from core import progress
from core.cache import NotReady, cached_only, computing
from core.errors import DatasetError
from core.query import ViewQuery
from core.shared import StoreUnavailableError
from pages._common import stored_query

T = TypeVar("T")


class Missing:
    """What ``cached`` returns for an answer nobody has computed yet."""

    def __bool__(self) -> bool:
        return False


MISSING = Missing()


def cached(fetch: Callable[[], T]) -> T | Missing:
    """``fetch()`` read from the model cache only (never computed, whoever calls), or MISSING."""
    with cached_only():
        try:
            return fetch()
        except NotReady:
            return MISSING


def _steps(set_progress: Callable[[str], None]) -> Callable[[progress.Step], None]:
    """A progress listener that keeps the outer step of nested work in view: the K advice
    reports each K, the stability inside it each resample; the strip shows both."""
    outer: list[progress.Step] = []

    def listen(step: progress.Step) -> None:
        if step.what.startswith("Is the structure real?"):
            outer[:] = [step]
            set_progress(step.text())
        elif outer:
            head = outer[0]
            where = f" ({head.done} of {head.total})" if head.total else ""
            inner = f" ({step.done} of {step.total})" if step.total else ""
            what = head.what.removeprefix("Is the structure real? ")
            set_progress(f"Which K? {what}{where} · {step.what}{inner} · {step.elapsed_s:.0f} s")
        else:
            set_progress(step.text())

    return listen


@dataclass(frozen=True)
class SectionJob:
    """The background job of one part (``name``) of ``page``, and its component ids."""

    page: str
    name: str

    def _id(self, part: str) -> str:
        return f"{self.page}-{self.name}-{part}"

    @property
    def request(self) -> str:
        """Holds {"query": ...} when the part needs its job (else None)."""
        return self._id("request")

    @property
    def job(self) -> str:
        return self._id("job")

    @property
    def done(self) -> str:
        """What the job computed: {"query": ..., "error": None or why it failed, ...}."""
        return self._id("done")

    @property
    def strip(self) -> str:
        """The strip that shows while the job runs."""
        return self._id("strip")

    @property
    def progress(self) -> str:
        """Inside the strip: the job's progress text."""
        return self._id("progress")

    @staticmethod
    def ask(query: ViewQuery, **extra: object) -> dict[str, Any]:
        """A request for the job to compute ``query``'s part; ``extra`` comes back in ``done``."""
        return {"query": query.to_params(), **extra}

    def stores(self, request: dict[str, Any] | None) -> list[dcc.Store]:
        """The part's stores; a ``request`` (``ask``) starts its job as soon as they are drawn."""
        return [dcc.Store(id=self.request, data=request), dcc.Store(id=self.job), dcc.Store(id=self.done)]

    def register(
        self,
        compute: Callable[[ResolvedView], object],
        outputs: Sequence[Output],
        show: Callable[[ResolvedView, dict[str, Any]], tuple],
    ) -> Callable[[dict[str, Any] | None, dict[str, str] | None], Any]:
        """``compute(view)`` runs in the job (computing); then ``show(view, done)`` (a request:
        cache only) gives the values of ``outputs`` for the view the page shows. Returns that
        redrawing callback, ``redraw(done, shown_query)``, for tests to call."""
        dash.clientside_callback(
            "function (request) { return request || window.dash_clientside.no_update; }",
            Output(self.job, "data"),
            Input(self.request, "data"),
        )

        @dash.callback(
            Output(self.done, "data"),
            Input(self.job, "data"),
            background=True,
            progress=Output(self.progress, "children"),
            interval=400,
            prevent_initial_call=True,
        )
        def run(set_progress: Callable[[str], None], job: dict[str, Any] | None) -> dict[str, Any]:
            if not isinstance(job, dict) or not isinstance(job.get("query"), dict):
                raise PreventUpdate
            try:
                query = stored_query(job["query"])
                with computing(), progress.reporting(_steps(set_progress)), app_context().taking_turns():
                    compute(app_context().resolve(query))
            except (DatasetError, StoreUnavailableError) as exc:
                return {**job, "error": str(exc)}
            return {**job, "query": query.to_params(), "error": None}

        @dash.callback(
            *outputs,
            Input(self.done, "data"),
            State(ids.page_query(self.page), "data"),
            prevent_initial_call=True,
        )
        def redraw(done: dict[str, Any] | None, shown: dict[str, str] | None) -> tuple:
            if not isinstance(done, dict) or not isinstance(shown, dict) or done.get("query") != shown:
                raise PreventUpdate  # not a job's answer, or one for a view no longer shown
            values = show(app_context().resolve(stored_query(shown)), done)
            return values if len(outputs) > 1 else values[0]

        return redraw
