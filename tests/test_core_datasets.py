"""The dataset store (core.datasets): content-addressed ids, one parse per file, limits that
keep nothing of a rejected file, eviction, and columns mapped by hand."""

from __future__ import annotations

import gzip
import io
import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

import core.datasets
from core.catalog import MappingNeededError, load_catalog
from core.datasets import STORE_FORMAT, DatasetStore, StoreLimits, UnknownDatasetError, is_dataset_id, share_folder
from core.errors import DatasetError
from tests.conftest import blob_frame


def _csv_bytes(songs: int = 200, seed: int = 0) -> bytes:
    frame, _ = blob_frame((songs // 2, songs - songs // 2), seed=seed)
    return frame.to_csv(index=False).encode()


def _upload(store: DatasetStore, data: bytes, name: str = "songs.csv") -> str:
    return store.receive(io.BytesIO(data), name)


def _leftovers(store: DatasetStore) -> list[str]:
    """What a rejected upload might have left: partial writes and stored files."""
    return sorted(p.name for folder in ("tmp", "files", "datasets") for p in (store.root / folder).iterdir())


def test_the_same_file_is_one_dataset_whatever_its_name_or_compression(tmp_path: Path) -> None:
    store, data = DatasetStore(tmp_path), _csv_bytes()
    first = store.open(_upload(store, data), "mine.csv")
    again = store.open(_upload(store, data), "theirs.csv")
    zipped = store.open(_upload(store, gzip.compress(data), "songs.csv.gz"), "songs.csv.gz")
    other = store.open(_upload(store, _csv_bytes(seed=1)), "other.csv")
    assert is_dataset_id(first.id) and first.id == again.id == zipped.id != other.id
    assert first.songs == 200 and first.name == "mine.csv"
    assert any("Kept 200 songs" in line for line in first.report)


def test_a_stored_catalog_is_the_catalog_the_csv_gives(tmp_path: Path) -> None:
    store, data = DatasetStore(tmp_path), _csv_bytes()
    csv = tmp_path / "songs.csv"
    csv.write_bytes(data)
    stored = store.catalog(store.open(_upload(store, data), "songs.csv").id)
    direct = load_catalog(csv)
    pd.testing.assert_frame_equal(stored.songs, direct.songs)
    assert stored.features == direct.features and stored.fingerprint == direct.fingerprint
    assert stored.report.lines() == direct.report.lines()


def _labelled_bytes(songs: int = 200) -> bytes:
    frame, truth = blob_frame((songs // 2, songs - songs // 2))
    frame["genre"] = [("pop", "rock")[t] for t in truth]
    frame["mood"] = [("calm", "wild", "sad")[i % 3] for i in range(len(frame))]
    return frame.to_csv(index=False).encode()


def test_a_stored_catalog_keeps_its_label_columns(tmp_path: Path) -> None:
    """The stored copy holds the candidate label columns (labels.pkl, format STORE_FORMAT) as the
    CSV gives them."""
    store, data = DatasetStore(tmp_path), _labelled_bytes()
    info = store.open(_upload(store, data), "labelled.csv")
    assert info.format == STORE_FORMAT
    assert (tmp_path / "datasets" / info.id / "labels.pkl").is_file()
    stored, direct = store.catalog(info.id), load_catalog(data)
    pd.testing.assert_frame_equal(stored.label_columns, direct.label_columns)
    assert list(stored.label_columns.columns) == ["genre", "mood"]


def test_a_dataset_stored_before_label_columns_serves_and_is_completed_when_opened_again(tmp_path: Path) -> None:
    """A copy in format 1 (no labels.pkl, no format in its meta) serves with its genre column as
    its only label column; opening its file again adds the others under the same id, with the
    same songs and fingerprint (its models stay cached)."""
    store, data = DatasetStore(tmp_path), _labelled_bytes()
    info = store.open(_upload(store, data), "labelled.csv")
    folder = tmp_path / "datasets" / info.id
    (folder / "labels.pkl").unlink()
    meta = json.loads((folder / "meta.json").read_text())
    del meta["format"]
    (folder / "meta.json").write_text(json.dumps(meta))

    old = store.catalog(info.id)
    assert store.info(info.id).format == 1
    assert list(old.label_columns.columns) == ["genre"]

    again = store.open(_upload(store, data), "labelled.csv")
    assert again.id == info.id and again.format == STORE_FORMAT and again.fingerprint == info.fingerprint
    assert again.size_bytes > meta["size_bytes"]
    upgraded = store.catalog(info.id)
    assert list(upgraded.label_columns.columns) == ["genre", "mood"]
    pd.testing.assert_frame_equal(upgraded.songs, old.songs)


def test_four_people_uploading_one_file_at_once_get_one_dataset_parsed_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store, data, parses = DatasetStore(tmp_path), _csv_bytes(2000), []

    def counted(*args, **kwargs):
        parses.append(1)
        return load_catalog(*args, **kwargs)

    monkeypatch.setattr(core.datasets, "load_catalog", counted)
    with ThreadPoolExecutor(4) as pool:
        infos = list(pool.map(lambda _: store.open(_upload(store, data), "songs.csv"), range(4)))
    assert len({info.id for info in infos}) == 1
    assert len(parses) == 1
    assert [p.name for p in (tmp_path / "datasets").iterdir()] == [infos[0].id]


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"a" * (2 * 2**20), "big.csv", "larger than the 1 MB an upload may be"),
        (gzip.compress(b"x" * (50 * 2**20)), "bomb.csv.gz", "larger than the 1 MB an upload may be"),
        (gzip.compress(b"song_title,energy\n" * 1000)[:-30], "cut.csv.gz", "truncated"),
        (b"\x1f\x8b\x08\x00garbage-not-deflate-data", "bad.csv.gz", "not a gzip file"),
        (b"", "empty.csv", "empty"),
    ],
)
def test_an_upload_over_the_limit_or_broken_keeps_nothing(tmp_path: Path, content: bytes, name: str, message: str):
    store = DatasetStore(tmp_path, StoreLimits(upload_bytes=2**20))
    with pytest.raises(DatasetError, match=message):
        _upload(store, content, name)
    assert _leftovers(store) == []


def test_an_upload_that_ends_before_its_announced_length_keeps_nothing(tmp_path: Path) -> None:
    store, data = DatasetStore(tmp_path), _csv_bytes()
    with pytest.raises(DatasetError, match="interrupted"):
        store.receive(io.BytesIO(data[:1000]), "cut.csv", expected_bytes=len(data))
    assert _leftovers(store) == []
    assert store.receive(io.BytesIO(data), "whole.csv", expected_bytes=len(data))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"<!DOCTYPE html><html><body>song_title,energy</body></html>", "web page"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200), "binary data"),
        (",".join(f"c{i}" for i in range(10_000)).encode() + b"\n" + b"1," * 9999 + b"1\n", "10,000 columns"),
        (_csv_bytes(300), "more than 250 rows"),
    ],
)
def test_a_file_that_is_not_a_usable_csv_is_refused_with_its_reason(tmp_path: Path, content: bytes, message: str):
    store = DatasetStore(tmp_path, StoreLimits(rows=250))
    sha = _upload(store, content, "file.csv")
    with pytest.raises(DatasetError, match=message):
        store.open(sha, "file.csv")
    assert list((tmp_path / "datasets").iterdir()) == []


def test_a_fifty_megabyte_title_is_cut_not_kept(tmp_path: Path) -> None:
    store = DatasetStore(tmp_path)
    data = b"song_title,energy,danceability\n" + b"x" * (50 * 2**20) + b",0.5,0.5\nshort,0.1,0.2\nok,0.3,0.4\n"
    catalog = store.catalog(store.open(_upload(store, data), "long.csv").id)
    assert catalog.songs["title"].str.len().max() == 300
    assert len(catalog) == 3


def test_columns_that_cannot_be_recognised_are_mapped_by_hand(tmp_path: Path) -> None:
    frame, _ = blob_frame((60, 60))
    odd = frame.rename(columns={"song_title": "Track", "artist": "Singer", "energy": "nrg", "tempo": "bpm"})
    store = DatasetStore(tmp_path)
    sha = _upload(store, odd.to_csv(index=False).encode(), "odd.csv")
    with pytest.raises(MappingNeededError) as needed:
        store.open(sha, "odd.csv")
    columns = {column.name: column.values for column in needed.value.columns}
    assert set(columns) == set(odd.columns)
    assert columns["Track"] == ("Song 0", "Song 1", "Song 2", "Song 3", "Song 4")

    mapping = {"title": "Track", "artist": "Singer", "energy": "nrg", "tempo": "bpm", "valence": "valence"}
    mapped = store.open(sha, "odd.csv", mapping)
    assert mapped.songs == 120 and set(mapped.features) == {"energy", "tempo", "valence"}
    assert store.open(sha, "odd.csv", dict(reversed(mapping.items()))).id == mapped.id
    assert store.open(sha, "odd.csv", {**mapping, "danceability": "danceability"}).id != mapped.id
    with pytest.raises(DatasetError, match="no column named 'Tempo'"):
        store.open(sha, "odd.csv", {**mapping, "tempo": "Tempo"})


def test_the_least_recently_used_uploads_go_when_the_store_is_full(tmp_path: Path) -> None:
    store = DatasetStore(tmp_path)
    ids = [store.open(_upload(store, _csv_bytes(seed=seed)), f"{seed}.csv").id for seed in range(3)]
    one = store.info(ids[0]).size_bytes
    for age, ident in zip((300, 100, 200), ids, strict=True):  # the second was used last
        stamp = time.time() - age
        os.utime(tmp_path / "datasets" / ident / "meta.json", (stamp, stamp))
    small = DatasetStore(tmp_path, StoreLimits(store_bytes=int(2.5 * one)))
    assert small.evict() == [ids[0]]
    with pytest.raises(UnknownDatasetError, match="no longer here"):
        small.catalog(ids[0])
    assert len(small.catalog(ids[1])) == 200


def test_an_upload_unused_for_its_maximum_age_goes(tmp_path: Path) -> None:
    store = DatasetStore(tmp_path, StoreLimits(max_age_days=30))
    info = store.open(_upload(store, _csv_bytes()), "old.csv")
    assert store.evict(now=time.time() + 29 * 86400) == []
    assert store.evict(now=time.time() + 31 * 86400) == [info.id]
    assert _leftovers(store) == []


def test_an_unknown_or_malformed_id_is_not_found(tmp_path: Path) -> None:
    store = DatasetStore(tmp_path)
    for ident in ("0" * 24, "../../etc/passwd", "", "ABC"):
        with pytest.raises(UnknownDatasetError):
            store.catalog(ident)


def test_a_shared_folder_is_offered_pinned_and_a_bad_file_in_it_named(tmp_path: Path) -> None:
    folder = tmp_path / "shared"
    folder.mkdir()
    (folder / "radio.csv").write_bytes(_csv_bytes(seed=5))
    (folder / "notes.txt").write_text("not a dataset")
    (folder / "broken.csv").write_bytes(b"\x00\x01")
    store = DatasetStore(tmp_path / "store", StoreLimits(max_age_days=0, store_bytes=1))
    shared, notices = share_folder(store, folder)
    assert [info.name for info in shared] == ["radio.csv"] and shared[0].songs == 200
    assert len(notices) == 1 and "'broken.csv'" in notices[0] and str(tmp_path) not in notices[0]
    assert store.evict(now=time.time() + 365 * 86400) == []  # over every limit, but the operator's
    assert len(store.catalog(shared[0].id)) == 200
