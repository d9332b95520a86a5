"""Background work: Dash background callbacks on the deployment's job manager.

Embedded (no AUDIOSPACE_REDIS_URL): Dash's ``DiskcacheManager`` runs each job in a
subprocess of the web worker and keeps results in ``<cache dir>/jobs``, so ``make run``
needs no other service. With AUDIOSPACE_REDIS_URL: ``CeleryManager`` on a Celery app
whose broker and result backend are that Redis; jobs run in Celery worker processes on
any host (``celery -A app.worker:celery worker``, the Procfile's ``worker:`` line).

Embedded jobs are forked by a launcher process, not by the multi-threaded web worker
(see app.launcher for the two hangs that forking from the worker causes), and the web
worker keeps OpenMP on one thread. Celery workers do not fork from a process that
computed, so Redis deployments need neither.

A job that dies with its worker (kill -9, OOM) is not lost: tasks are acknowledged
only when they finish (``task_acks_late``), a task whose pool process died is put back
(``task_reject_on_worker_lost``), and a whole worker that vanished has its tasks
delivered again after ``visibility_timeout`` seconds. Running a job twice is harmless:
the model cache computes each value once.
"""

from __future__ import annotations

import secrets
from typing import Any

import diskcache
from dash import CeleryManager
from threadpoolctl import threadpool_limits

from app.launcher import LaunchingDiskcacheManager
from core.config import Settings
from core.shared import SQLITE_SETTINGS

#: Seconds a finished job's result waits for its page to fetch it.
RESULT_EXPIRE_S = 600


class _OwnResultKeys:
    """Every job request gets a result key of its own.

    Dash derives the key from the callback's source and arguments, which is meant for
    memoising with ``cache_by``. We do not memoise (the model cache does), so the first page
    to fetch a result deletes it: two pages asking for one view at once (two people opening a
    shared link, one file uploaded on two servers) shared a key, and one of them waited for
    ever on a result the other had taken.
    """

    def build_cache_key(self, fn: Any, args: Any, cache_args_to_ignore: Any, triggered: Any) -> str:
        return f"{super().build_cache_key(fn, args, cache_args_to_ignore, triggered)}-{secrets.token_hex(8)}"  # type: ignore[misc]


class EmbeddedJobs(_OwnResultKeys, LaunchingDiskcacheManager):
    """Jobs forked by this worker's launcher, results in a disk cache."""


class CeleryJobs(_OwnResultKeys, CeleryManager):
    """Jobs run by Celery workers, results in Redis."""


def job_manager(settings: Settings) -> Any:
    """The background-callback manager of this deployment (see the module docstring). The
    embedded one forks jobs from this process, which therefore runs OpenMP on one thread;
    call its ``start_launcher`` once the app is built (app.factory does)."""
    if not settings.redis_url:
        threadpool_limits(1, user_api="openmp")
        results = diskcache.Cache(str(settings.cache_dir / "jobs"), **SQLITE_SETTINGS)
        return EmbeddedJobs(results, expire=RESULT_EXPIRE_S)
    from celery import Celery  # imported here: the embedded deployment never needs Celery

    celery = Celery("audiospace", broker=settings.redis_url, backend=settings.redis_url)
    celery.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_transport_options={"visibility_timeout": settings.job_redelivery_s},
        result_expires=RESULT_EXPIRE_S,
        broker_connection_retry_on_startup=True,
    )
    return CeleryJobs(celery, expire=RESULT_EXPIRE_S)


def manager_name(manager: Any) -> str:
    return "celery" if isinstance(manager, CeleryManager) else "diskcache"
