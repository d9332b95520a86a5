"""The deployment that spans hosts: two gunicorn instances with separate local folders ("two
hosts") and a Celery worker share one real redis-server on loopback. Pages are opened in
headless Chromium, so background jobs go through Dash's own protocol."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By

from core.cache import ModelCache
from core.catalog import load_catalog
from core.engine import Engine
from core.shared import RedisStore
from tests.browser.conftest import MISSING, pytest_setup_options
from tests.services import CeleryWorker, RedisServer, free_port, gunicorn_command, wait_for
from tests.test_serving import _songs_csv

pytestmark = [
    pytest.mark.slow,
    pytest.mark.browser,
    pytest.mark.skipif(bool(MISSING), reason=f"needs {' and '.join(MISSING)}"),
    pytest.mark.filterwarnings("ignore:HTTPResponse.getheader:DeprecationWarning"),
]


class Host:
    """gunicorn with 2 workers on its own port and its own cache folder, on the shared Redis."""

    def __init__(self, env: dict[str, str], cwd: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            gunicorn_command(self.port, timeout_s=60),
            env=env,
            cwd=cwd,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        wait_for(self._answers, f"gunicorn on port {self.port}", timeout=60)

    def _answers(self) -> bool:
        try:
            return requests.get(self.url + "/healthz", timeout=2).status_code in (200, 503)
        except requests.RequestException:
            return False

    def health(self) -> tuple[int, dict]:
        response = requests.get(self.url + "/healthz", timeout=10)
        return response.status_code, response.json()

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    folder = tmp_path_factory.mktemp("deployment")
    redis = RedisServer(folder).start()
    csv = _songs_csv(folder / "songs.csv", n=3000)

    def env(name: str) -> dict[str, str]:
        return {
            **os.environ,
            "AUDIOSPACE_DATA": str(csv),
            "AUDIOSPACE_CACHE_DIR": str(folder / name / "cache"),
            "AUDIOSPACE_REDIS_URL": redis.url,
            "AUDIOSPACE_PREVIEWS_ONLINE": "0",
            "AUDIOSPACE_LOCK_LEASE": "3",
            "AUDIOSPACE_JOB_REDELIVERY": "5",
        }

    worker = CeleryWorker(env("worker"), folder, folder / "celery.log").start()
    hosts = [Host(env("host-a"), folder), Host(env("host-b"), folder)]
    running = {"redis": redis, "csv": csv, "hosts": hosts, "worker": worker, "env": env, "folder": folder}
    yield running
    for host in hosts:
        host.stop()
    running["worker"].stop()  # a test may have replaced the first one
    redis.stop()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator:
    from dash.testing.browser import Browser

    with Browser(browser="Chrome", options=[pytest_setup_options()], download_path=str(tmp_path)) as opened:
        opened.driver.implicitly_wait(0)
        yield opened


def _shown(browser, selector: str, timeout: float = 90) -> str:
    element = browser.wait_for_element(selector, timeout=timeout)
    return element.text


def test_health_names_redis_and_celery(deployment: dict) -> None:
    for host in deployment["hosts"]:
        status, health = host.health()
        assert status == 200
        assert health["cache"] == {"backend": "redis", "reachable": True}
        assert health["jobs"] == {"manager": "celery", "reachable": True}


def test_a_view_computed_through_one_host_is_served_cached_by_the_other(deployment: dict, browser) -> None:
    """Host A's page has nothing cached: it shows a skeleton, its job runs on the Celery
    worker, and the view appears. Host B then serves the same view at once from Redis (its
    download is read-only: it would answer 503 if the model were missing); one fit in all."""
    host_a, host_b = deployment["hosts"]
    view = "/?k=7&scaler=minmax"
    browser.driver.get(host_a.url + view)
    assert _shown(browser, "#metric-k").startswith("K (clusters)\n7")
    engine = Engine(load_catalog(deployment["csv"]), ModelCache(RedisStore(deployment["redis"].url, "models")))
    key = engine.clustering_key(engine.params(7, scaler="minmax"))
    assert engine.cache.times_computed(key) == 1

    download = requests.get(host_b.url + "/download/songs.csv" + view[1:], timeout=30)
    assert download.status_code == 200 and download.text.count("\n") == 3001
    browser.driver.get(host_b.url + view)
    assert _shown(browser, "#metric-k", timeout=20).startswith("K (clusters)\n7")
    assert browser.driver.find_elements(By.CSS_SELECTOR, ".view-skeleton") == []
    assert engine.cache.times_computed(key) == 1


def test_a_job_whose_worker_is_killed_is_finished_by_a_new_worker(deployment: dict, browser) -> None:
    """kill -9 the Celery worker while it computes a UMAP map (its first UMAP compiles numba code
    for seconds: the worker's warm-up is off here, so the job cannot end before the kill; t-SNE
    of 3,000 songs now takes about 2 s): the job is delivered again
    (after AUDIOSPACE_JOB_REDELIVERY), the dead worker's lease lapses (AUDIOSPACE_LOCK_LEASE),
    and a new worker finishes it: the page shows the map without a reload."""
    host_a = deployment["hosts"][0]
    worker: CeleryWorker = deployment["worker"]
    log = worker.log.read_bytes()
    browser.driver.get(host_a.url + "/explorer?proj=umap")
    wait_for(lambda: worker.log.read_bytes().count(b"received") > log.count(b"received"), "the job to reach the worker")
    time.sleep(1.0)
    worker.kill()
    replacement = CeleryWorker(
        deployment["env"]("worker-2"), deployment["folder"], deployment["folder"] / "celery-2.log"
    )
    deployment["worker"] = replacement.start()
    wait_for(lambda: "UMAP fitted on" in _text(browser, "explorer-note"), "the map the new worker drew", timeout=150)
    assert b"succeeded" in (deployment["folder"] / "celery-2.log").read_bytes()


def _text(browser, element_id: str) -> str:
    found = browser.driver.find_elements(By.ID, element_id)
    try:
        return found[0].text if found else ""
    except StaleElementReferenceException:
        return ""


def test_redis_going_away_gives_a_message_and_it_recovers(deployment: dict, browser) -> None:
    host = deployment["hosts"][1]
    redis: RedisServer = deployment["redis"]
    redis.stop()
    try:
        status, health = host.health()
        assert status == 503 and health["cache"]["reachable"] is False and "Redis" in health["cache"]["error"]
        browser.driver.get(host.url + "/?k=4")
        assert "cannot be reached right now" in _shown(browser, ".store-unavailable", timeout=30)
        assert host.health()[0] == 503  # the workers are alive and answering
    finally:
        redis.start()
    wait_for(lambda: host.health()[0] == 200, "recovery once Redis is back")
    browser.driver.get(host.url + "/?k=4")
    assert _shown(browser, "#metric-k").startswith("K (clusters)\n4")
