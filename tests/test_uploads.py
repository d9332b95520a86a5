"""The upload routes (app.uploads) on an app built in the test, over Flask's test client:
what a person gets back for a good file, a file to map by hand, and each kind of bad file,
and the pages of an uploaded dataset."""

from __future__ import annotations

import gzip
from pathlib import Path

import dash
import pytest

from app.context import context_of
from app.factory import create_app
from app.shell import shell_layout
from core.config import Settings
from core.datasets import StoreLimits
from tests.conftest import blob_frame


@pytest.fixture
def app(tmp_path: Path, blobs_csv: tuple[Path, object]) -> dash.Dash:
    csv, _ = blobs_csv
    limits = StoreLimits(upload_bytes=2**20, rows=5000, columns=50)
    return create_app(Settings(data_path=csv, cache_dir=tmp_path / "cache", store_limits=limits))


def _csv(songs: int = 300, seed: int = 1) -> bytes:
    frame, _ = blob_frame((songs // 3, songs // 3, songs - 2 * (songs // 3)), seed=seed)
    return frame.to_csv(index=False).encode()


def _post(app: dash.Dash, body: bytes, name: str = "mine.csv"):
    with app.server.test_client() as client:
        return client.post("/datasets", query_string={"name": name}, data=body)


def test_an_uploaded_csv_becomes_a_dataset_its_pages_show(app: dash.Dash) -> None:
    answer = _post(app, _csv())
    assert answer.status_code == 200
    dataset = answer.get_json()
    assert dataset["songs"] == 300 and dataset["name"] == "mine.csv"
    assert any("Kept 300 songs" in line for line in dataset["report"])
    assert _post(app, gzip.compress(_csv()), "mine.csv.gz").get_json()["id"] == dataset["id"]

    context = context_of(app.server)
    with app.server.test_request_context():
        query, notices = context.parse({"data": dataset["id"], "k": "3"})
        assert notices == [] and query.to_params() == {"k": "3", "data": dataset["id"]}
        assert len(context.resolve(query).catalog) == 300
        assert len(context.resolve(query.with_changes(data=None)).catalog) == len(context.engine.catalog)


def test_workers_keep_a_bounded_number_of_uploaded_catalogs(app: dash.Dash) -> None:
    context = context_of(app.server)
    ids = [_post(app, _csv(seed=seed), f"{seed}.csv").get_json()["id"] for seed in range(6)]
    for ident in ids:
        context.engine_for(ident)
    assert context.loaded_datasets() == tuple(ids[-context.settings.catalogs_in_memory :])
    assert len(context.engine_for(ids[0]).catalog) == 300  # loaded again from the store
    assert context.loaded_datasets()[-1] == ids[0]


@pytest.mark.parametrize(
    ("body", "name", "status", "message"),
    [
        (b"x" * (2**20 + 10), "big.csv", 413, "larger than the 1 MB an upload may be"),
        (gzip.compress(b"0" * (20 * 2**20)), "bomb.csv.gz", 413, "larger than the 1 MB"),
        (gzip.compress(b"song_title,energy,tempo\n" + b"a,1,2\n" * 5000)[:-40], "cut.csv.gz", 400, "truncated"),
        (b"<html><head><title>Songs</title></head></html>", "page.csv", 400, "web page"),
        (b"\x89PNG\r\n\x1a\n" + bytes(500), "cover.csv", 400, "binary data"),
        (",".join(f"c{i}" for i in range(10_000)).encode() + b"\n", "wide.csv", 400, "10,000 columns"),
        (b"", "empty.csv", 400, "empty"),
        (b"song_title,energy,tempo\nA,0.5,120\nB,0.4,90\n", "duo.csv", 400, "2 usable songs; at least 3"),
        (b"song_title,energy,tempo\nA,1e308,120\nB,0.4,inf\nC,0.3,90\nD,0.1,80\n", "extreme.csv", 400, "2 usable"),
    ],
)
def test_a_bad_file_gets_its_reason_and_nothing_is_kept(
    app: dash.Dash, tmp_path: Path, body: bytes, name: str, status: int, message: str
) -> None:
    answer = _post(app, body, name)
    assert answer.status_code == status
    assert message in answer.get_json()["error"]
    assert str(tmp_path) not in answer.get_data(as_text=True)
    store = context_of(app.server).datasets
    assert list((store.root / "datasets").iterdir()) == [] and list((store.root / "tmp").iterdir()) == []


def test_columns_under_other_names_are_mapped_by_hand(app: dash.Dash) -> None:
    frame, _ = blob_frame((50, 50))
    odd = frame.rename(columns={"song_title": "Track", "energy": "nrg", "tempo": "bpm"}).to_csv(index=False)
    needed = _post(app, odd.encode(), "odd.csv")
    assert needed.status_code == 422
    answer = needed.get_json()
    assert "no song title column" in answer["error"]
    assert {c["name"] for c in answer["columns"]} == {"Track", "artist", "danceability", "nrg", "bpm", "valence"}
    mapping = {"title": "Track", "artist": "artist", "energy": "nrg", "tempo": "bpm", "valence": "valence"}
    with app.server.test_client() as client:
        url = f"/datasets/{answer['upload']}/mapping"
        mapped = client.post(url, query_string={"name": "odd.csv"}, json=mapping)
        assert mapped.status_code == 200 and mapped.get_json()["songs"] == 100
        assert client.post(url, json=["title"]).status_code == 400
        assert client.post(url, json={"title": 3}).status_code == 400
        assert client.post(url, query_string={"name": "odd.csv"}, json={**mapping, "tempo": "BPM"}).get_json()[
            "error"
        ] == ("odd.csv has no column named 'BPM'.")
        assert client.post("/datasets/..%5Cetc/mapping", json=mapping).status_code == 404
        assert client.post("/datasets/" + "f" * 64 + "/mapping", json=mapping).status_code == 404


def test_an_unknown_dataset_gets_a_clear_page_and_download_message(app: dash.Dash, tmp_path: Path) -> None:
    with app.server.test_client() as client:
        download = client.get("/download/songs.csv", query_string={"data": "0" * 24, "k": "3"})
    assert download.status_code == 404 and "no longer here" in download.get_data(as_text=True)
    overview = next(p for p in dash.page_registry.values() if p["path"] == "/")
    with app.server.test_request_context():
        page = str(overview["layout"](data="0" * 24))
    assert "This dataset is no longer here" in page and str(tmp_path) not in page


def test_the_operators_datasets_are_offered_to_every_visitor(tmp_path: Path, blobs_csv) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    (folder / "station-mix.csv").write_bytes(_csv(seed=8))
    (folder / "broken.csv").write_bytes(b"")
    csv, _ = blobs_csv
    shared_app = create_app(Settings(data_path=csv, cache_dir=tmp_path / "cache", shared_datasets_dir=folder))
    context = context_of(shared_app.server)
    [offered] = context.shared_datasets
    with shared_app.server.test_client() as client:
        shell = client.get("/_dash-layout").get_data(as_text=True)
    assert "Datasets on this server" in shell and "station-mix.csv" in shell
    with shared_app.server.test_request_context("/"):
        links = [c for c in shell_layout(context)._traverse() if getattr(c, "className", "") == "shared-dataset-link"]
    # first the operator's own dataset: the way back from an upload
    assert [(a.children, a.href) for a in links] == [(csv.name, "/"), ("station-mix.csv", f"/?data={offered.id}")]
    assert f"?data={offered.id}" in shell  # the link (Dash writes its slash as \u002f)
    assert any("'broken.csv'" in notice for notice in context.startup_notices)
    assert not any(str(tmp_path) in notice for notice in context.startup_notices)
