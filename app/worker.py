"""The Celery app of a Redis deployment, for ``celery -A app.worker:celery worker`` (the
Procfile's ``worker:`` line): it builds the same Dash app as the web processes, so the
background callbacks it runs are the ones the pages registered, on the same settings
and dataset.

Jobs lost with a worker that died (kill -9, OOM) stay unacknowledged in Redis. kombu puts
such messages back only on every tenth of its 10-second polls, so a lost job would wait up
to 100 s beyond AUDIOSPACE_JOB_REDELIVERY; each worker therefore also restores them itself,
every half of that delay (the restore holds a Redis mutex, so workers never restore twice).

Job processes run at the same lower CPU priority as embedded jobs (app.launcher), so a web
process on the same host keeps answering pages while they fit.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any

from celery.signals import worker_process_init, worker_ready
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError

from app.context import context_of
from app.launcher import JOB_NICENESS
from app.wsgi import app as dash_app
from core.embedding import warm_up

celery = dash_app._background_manager.handle  # CeleryManager keeps its Celery app as ``handle``
log = logging.getLogger(__name__)


def restore_lost_jobs() -> None:
    """Put back every job message unacknowledged for longer than the redelivery delay."""
    with celery.connection_for_write() as connection:
        connection.default_channel.qos.restore_visible(num=1000, interval=1)


@worker_process_init.connect
def _yield_cpu_to_requests(**_: Any) -> None:
    os.nice(JOB_NICENESS)


@worker_process_init.connect
def _warm_map_code(**_: Any) -> None:
    """Compile UMAP's code in each job process as it starts, beside its first jobs (a job
    process forks nothing, so a thread is safe here), unless AUDIOSPACE_WARM_MAPS=0."""
    settings = context_of(dash_app.server).settings
    if settings.warm_maps:
        threading.Thread(target=warm_up, args=(settings.seed,), name="warm-maps", daemon=True).start()


@worker_ready.connect
def _restore_lost_jobs_promptly(**_: Any) -> None:
    period = max(1.0, context_of(dash_app.server).settings.job_redelivery_s / 2)

    def every_period() -> None:
        while True:
            time.sleep(period)
            try:
                restore_lost_jobs()
            except (OSError, OperationalError, RedisError) as error:  # Redis away: try again later
                log.warning("could not restore lost jobs: %s", error)

    threading.Thread(target=every_period, name="restore-lost-jobs", daemon=True).start()
