"""The embedded job manager forks jobs from the web worker: a job that runs K-means after the
worker itself has run OpenMP code (a neighbour query) must finish, not hang (see app.jobs).
Each check runs in a fresh interpreter, as a gunicorn worker is, so no earlier test has
touched OpenMP there."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

#: A web worker's life in short: build the job manager, answer a neighbour query (OpenMP),
#: then fork a job that fits K-means (OpenMP again) and wait for it.
_WORKER = """
import sys, numpy as np, multiprocess
from sklearn.cluster import KMeans
from sklearn.neighbors import NearestNeighbors
from core.config import Settings
{setup}
songs = np.random.default_rng(0).random((20_000, 8))
NearestNeighbors(n_neighbors=10).fit(songs).kneighbors(songs[:2000])
KMeans(6, n_init=1, random_state=0).fit(songs)
job = multiprocess.Process(target=lambda: KMeans(6, n_init=1, random_state=0).fit(songs))
job.start()
job.join(20)  # the fit takes a tenth of a second; a hung child never ends
finished = not job.is_alive()
job.kill()
print("finished" if finished and job.exitcode == 0 else "hung")
"""


def _run_worker(tmp_path: Path, setup: str) -> str:
    code = _WORKER.format(setup=setup)
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=Path(__file__).parents[1], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


@pytest.mark.slow
def test_a_job_forked_after_the_worker_used_openmp_finishes(tmp_path: Path) -> None:
    setup = "\n".join(
        [
            "from pathlib import Path",
            "from app.jobs import job_manager",
            f"job_manager(Settings(data_path=Path('songs.csv'), cache_dir=Path({str(tmp_path)!r})))",
        ]
    )
    assert _run_worker(tmp_path, setup) == "finished"
