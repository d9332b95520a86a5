"""The malformed-file corpus (tests/battery/corpus.py) through every door a file comes in:
the loader, the command line, an upload to gunicorn, and the dataset the server starts on.

Each case loads into a sound catalog or is refused with a message; nothing raises anything
else, prints a traceback, answers 5xx, shows a server path or takes a worker down."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import requests

from app.context import context_of
from app.factory import create_app
from core.catalog import MAX_TEXT_CHARS, MIN_SONGS, Catalog, MappingNeededError, load_catalog
from core.cli import main as cli_main
from core.config import Settings
from core.errors import DatasetError
from core.features import FEATURE_RANGES
from tests.battery.corpus import CORPUS
from tests.services import serving

CASES = sorted(CORPUS)


def _sound(catalog: Catalog, songs_at_least: int = 1) -> None:
    """What every catalog the loader hands out must be (a served one: songs enough to cluster)."""
    assert len(catalog) >= songs_at_least
    values = catalog.feature_matrix()
    assert np.isfinite(values).all()
    for column, feature in enumerate(catalog.features):
        low, high = FEATURE_RANGES[feature]
        assert ((values[:, column] >= low) & (values[:, column] <= high)).all(), feature
    for text in ("title", "artist"):
        assert catalog.songs[text].str.len().max() <= MAX_TEXT_CHARS


@pytest.mark.parametrize("case", CASES)
def test_the_loader_loads_a_sound_catalog_or_says_why(case: str) -> None:
    try:
        catalog = load_catalog(CORPUS[case], name=f"{case}.csv")
    except MappingNeededError as needed:
        assert str(needed) and needed.columns
    except DatasetError as refused:
        assert f"{case}.csv" in str(refused) or "song" in str(refused), str(refused)
    else:
        _sound(catalog)


@pytest.mark.parametrize("case", CASES)
def test_the_command_line_prints_a_result_or_one_error_line(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / f"{case}.csv"
    path.write_bytes(CORPUS[case])
    status = cli_main(["cluster", str(path), "--k", "3", "--cache-dir", str(tmp_path / "cache")])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    if status == 0:
        assert "K=3" in out
    else:
        assert status == 2 and err.startswith("error: ") and err.count("\n") == 1, err


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES)
def test_the_server_starts_on_it_serving_it_or_the_demo_with_a_notice(case: str, tmp_path: Path) -> None:
    path = tmp_path / f"{case}.csv"
    path.write_bytes(CORPUS[case])
    app = create_app(Settings(data_path=path, cache_dir=tmp_path / "cache"))
    context = context_of(app.server)
    if context.engine.catalog.is_demo:
        assert context.startup_notices and all(str(tmp_path) not in n for n in context.startup_notices)
    else:
        _sound(context.engine.catalog, MIN_SONGS)
    with app.server.test_client() as client:
        assert client.get("/_dash-layout").status_code == 200


@pytest.fixture(scope="module")
def upload_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    folder = tmp_path_factory.mktemp("corpus-uploads")
    (folder / "songs.csv").write_bytes(CORPUS["crlf-line-endings"])
    env = {
        **os.environ,
        "AUDIOSPACE_DATA": str(folder / "songs.csv"),
        "AUDIOSPACE_CACHE_DIR": str(folder / "cache"),
        "AUDIOSPACE_DATASETS_DIR": str(folder / "datasets"),
        "AUDIOSPACE_UPLOAD_MB": "20",
        "AUDIOSPACE_PREVIEWS_ONLINE": "0",
    }
    with serving(env, folder) as base:
        yield base, folder / "datasets"


@pytest.mark.slow
def test_every_case_uploaded_to_gunicorn_gets_an_answer_and_no_worker_dies(upload_server: tuple[str, Path]) -> None:
    base, store = upload_server
    workers: set[str] = set()
    answers: dict[str, int] = {}
    for case in CASES:
        answer = requests.post(f"{base}/datasets", params={"name": f"{case}.csv"}, data=CORPUS[case], timeout=60)
        answers[case] = answer.status_code
        assert answer.status_code in (200, 400, 413, 422), (case, answer.status_code, answer.text[:200])
        assert "error" in answer.json() or "id" in answer.json()
        assert str(store) not in answer.text
        workers.add(answer.headers["X-Worker-Pid"])
    health = [requests.get(base + "/healthz", timeout=10) for _ in range(8)]
    assert {h.status_code for h in health} == {200}
    assert len({h.headers["X-Worker-Pid"] for h in health} | workers) <= 2, "a worker was replaced"
    assert not list((store / "tmp").iterdir()), "a refused upload left a partial file"
    loaded = sum(status == 200 for status in answers.values())
    print(f"\n{len(CASES)} cases uploaded: {loaded} loaded, {len(CASES) - loaded} refused with a reason")
