"""Prepared copies of a catalog CSV (core.prepared): the same catalog as the parse, never stale,
one valid copy under concurrent preparation, damage ignored and repaired, the same search."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core import prepared as prepared_module
from core.cache import ModelCache
from core.catalog import Catalog, load_catalog
from core.clustering import DEFAULT_SCALER, scale
from core.demo import PREPARED_FOLDER, catalog_or_demo
from core.engine import Engine
from core.errors import DatasetError
from core.prepared import FORMAT, load_prepared, prepared_of
from core.search import SearchIndex

PROJECT = Path(__file__).resolve().parents[1]
QUERIES = ("love", "the", "a", "b", "beyonce", "señorita", "don't stop", "jay z", "#1", "ove", "zzzz", "é", "<b>")


def _awkward_csv(path: Path, n: int = 400, seed: int = 5) -> Path:
    """A catalog whose text is awkward: non-ASCII, empty and markup titles, a quoted line
    break, "NA" as a title, duplicate ids, URIs, previews both safe and not, a genre and a
    numeric label column."""
    rng = np.random.default_rng(seed)
    titles = ["Señorita", "", "<b>", "NA", "Don't Stop (Jay-Z Remix)", "東京", "Line\nbreak", "  padded  ", "x" * 400]
    artists = ["Beyoncé", "", "Straße Band", "जय हो", "Motörhead", "null"]
    frame = pd.DataFrame(
        {
            "track_id": [f"spotify:track:abc{i % (n - 7)}" if i % 9 else "" for i in range(n)],
            "track_name": [f"{titles[i % len(titles)]} {i}" if i % 11 else titles[i % len(titles)] for i in range(n)],
            "track_artist": [artists[i % len(artists)] for i in range(n)],
            "playlist_genre": rng.choice(["pop", "rock", "", "r&b"], size=n),
            "preview_url": ["https://p.scdn.co/mp3-preview/x" if i % 3 else "javascript:alert(1)" for i in range(n)],
            "target": rng.integers(0, 2, size=n),
            "danceability": rng.uniform(0, 1, size=n),
            "energy": rng.uniform(0, 1, size=n),
            "tempo": rng.uniform(60, 200, size=n),
            "loudness": rng.uniform(-30, 0, size=n),
            "duration_ms": rng.integers(60_000, 400_000, size=n),
        }
    )
    frame.loc[3, "energy"] = np.nan  # dropped: a missing feature value
    frame.loc[4, "tempo"] = 5_000  # dropped: outside the feature's range
    frame.to_csv(path, index=False)
    return path


def assert_same_catalog(got: Catalog, want: Catalog) -> None:
    """Column by column: values, dtypes and order; ids, fingerprint, report, label columns;
    the feature matrix in the same memory order (float sums depend on it)."""
    matrix, expected = got.feature_matrix(), want.feature_matrix()
    np.testing.assert_array_equal(matrix, expected)
    assert (matrix.flags.c_contiguous, matrix.flags.f_contiguous) == (
        expected.flags.c_contiguous,
        expected.flags.f_contiguous,
    )
    assert list(got.songs.columns) == list(want.songs.columns)
    for column in want.songs.columns:
        pd.testing.assert_series_equal(got.songs[column], want.songs[column], check_exact=True)
    pd.testing.assert_index_equal(got.songs.index, want.songs.index, exact=True)
    pd.testing.assert_frame_equal(got.label_columns, want.label_columns, check_exact=True)
    assert got.features == want.features
    assert got.fingerprint == want.fingerprint
    assert got.report.lines() == want.report.lines()
    assert got.report == want.report
    assert got.is_demo == want.is_demo
    assert got.row_of(str(want.songs["id"].iloc[-1])) == len(want) - 1


def assert_same_search(catalog: Catalog, parsed: Catalog) -> None:
    index = prepared_of(catalog).search_index
    built = SearchIndex(parsed.songs["title"], parsed.songs["artist"])
    titles = parsed.songs["title"].head(30).tolist() + parsed.songs["artist"].head(10).tolist()
    for query in (*QUERIES, *titles):
        for limit in (1, 5, 50):
            assert index.search(query, limit) == built.search(query, limit), query


def _copies(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_dir() and p.name.startswith("v"))


@pytest.mark.parametrize("name", ["spotify.csv", "spotify_songs_tidytuesday_sample.csv"])
def test_reference_data_loads_as_parsed(shared_data: Path, tmp_path: Path, name: str) -> None:
    """The reference file, and one in a legacy 8-bit encoding with genres and label columns."""
    csv = shared_data / name
    parsed = load_catalog(csv)
    first = load_prepared(csv, tmp_path)  # writes the copy
    again = load_prepared(csv, tmp_path)  # reads it
    for catalog in (first, again):
        assert_same_catalog(catalog, parsed)
        assert prepared_of(catalog) is not None
    assert_same_search(again, parsed)
    scaled = prepared_of(again).scaled[(parsed.features, DEFAULT_SCALER)]
    expected = scale(parsed.feature_matrix(), DEFAULT_SCALER)
    np.testing.assert_array_equal(scaled, expected)
    assert scaled.strides == expected.strides
    assert len(_copies(tmp_path)) == 1


def test_awkward_text_loads_as_parsed(tmp_path: Path) -> None:
    csv = _awkward_csv(tmp_path / "awkward.csv")
    parsed = load_catalog(csv)
    assert parsed.report.dropped and parsed.report.notes  # the awkward rows did something
    assert "<b>" in set(parsed.songs["title"]) and "" in set(parsed.songs["artist"])
    load_prepared(csv, tmp_path / "prepared")
    catalog = load_prepared(csv, tmp_path / "prepared")
    assert_same_catalog(catalog, parsed)
    assert_same_search(catalog, parsed)


def test_second_load_does_not_parse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    csv = _awkward_csv(tmp_path / "songs.csv")
    want = load_prepared(csv, tmp_path / "prepared")

    def no_parse(*args: object, **kwargs: object) -> Catalog:
        raise AssertionError("the CSV was parsed again")

    monkeypatch.setattr(prepared_module, "load_catalog", no_parse)
    monkeypatch.setattr(SearchIndex, "__init__", no_parse)  # nor the index rebuilt
    assert_same_catalog(load_prepared(csv, tmp_path / "prepared"), want)


def test_a_changed_csv_is_prepared_again(tmp_path: Path) -> None:
    csv = _awkward_csv(tmp_path / "songs.csv")
    folder = tmp_path / "prepared"
    before = load_prepared(csv, folder)
    # the same size and the same modification time: only the bytes tell
    stat = csv.stat()
    data = csv.read_bytes()
    position = data.index(b"Beyonc")
    csv.write_bytes(data[:position] + b"Beyonx" + data[position + 6 :])
    os.utime(csv, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert csv.stat().st_size == stat.st_size
    after = load_prepared(csv, folder)
    parsed = load_catalog(csv)
    assert after.fingerprint != before.fingerprint
    assert_same_catalog(after, parsed)
    assert_same_search(after, parsed)
    assert len(_copies(folder)) == 1  # the copy of the old content is gone


def test_same_bytes_under_another_name_keep_their_own_report(tmp_path: Path) -> None:
    csv = _awkward_csv(tmp_path / "one.csv")
    other = tmp_path / "two.csv"
    other.write_bytes(csv.read_bytes())
    folder = tmp_path / "prepared"
    load_prepared(csv, folder)
    assert load_prepared(other, folder).report.lines() == load_catalog(other).report.lines()


_LOADER = """
import sys
from pathlib import Path
from core.prepared import load_prepared, prepared_of
catalog = load_prepared(Path(sys.argv[1]), Path(sys.argv[2]))
assert prepared_of(catalog) is not None
print(catalog.fingerprint)
"""


def test_two_processes_preparing_at_once_leave_one_valid_copy(tmp_path: Path) -> None:
    csv = _awkward_csv(tmp_path / "songs.csv", n=3000)
    folder = tmp_path / "prepared"
    command = [sys.executable, "-c", _LOADER, str(csv), str(folder)]
    processes = [
        subprocess.Popen(command, cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [process.communicate(timeout=120) for process in processes]
    assert [process.returncode for process in processes] == [0, 0], [err for _, err in outputs]
    parsed = load_catalog(csv)
    assert [out.strip() for out, _ in outputs] == [parsed.fingerprint] * 2
    assert len(_copies(folder)) == 1
    assert not [p for p in folder.iterdir() if p.name.startswith("tmp-")]
    assert_same_catalog(load_prepared(csv, folder), parsed)


def _damage_truncate_npy(copy: Path) -> None:
    target = copy / "features.npy"
    target.write_bytes(target.read_bytes()[:-40])


def _damage_grow_npy(copy: Path) -> None:
    target = copy / "search" / "postings.npy"
    target.write_bytes(target.read_bytes() + b"\0" * 64)


def _damage_pickle(copy: Path) -> None:
    target = copy / "text.pkl"
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0xFF
    target.write_bytes(bytes(data))


def _damage_vocabulary(copy: Path) -> None:
    target = copy / "search" / "vocabulary.bin"
    target.write_bytes(target.read_bytes()[:10])


def _damage_meta(copy: Path) -> None:
    (copy / "meta.json").write_text('{"format": ', encoding="utf-8")


def _damage_meta_shape(copy: Path) -> None:
    meta = json.loads((copy / "meta.json").read_text(encoding="utf-8"))
    meta["scaled"][0]["shape"][0] += 1
    (copy / "meta.json").write_text(json.dumps(meta), encoding="utf-8")


def _damage_missing_file(copy: Path) -> None:
    (copy / "scaled" / "0.npy").unlink()


def _damage_npy_header(copy: Path) -> None:
    target = copy / "search" / "token_ranks.npy"
    target.write_bytes(b"garbage!" + target.read_bytes()[8:])


@pytest.mark.parametrize(
    "damage",
    [
        _damage_truncate_npy,
        _damage_grow_npy,
        _damage_pickle,
        _damage_vocabulary,
        _damage_meta,
        _damage_meta_shape,
        _damage_missing_file,
        _damage_npy_header,
    ],
)
def test_a_damaged_copy_is_ignored_and_rebuilt(tmp_path: Path, damage, caplog: pytest.LogCaptureFixture) -> None:
    csv = _awkward_csv(tmp_path / "songs.csv")
    folder = tmp_path / "prepared"
    parsed = load_catalog(csv)
    load_prepared(csv, folder)
    [copy] = _copies(folder)
    damage(copy)
    caplog.set_level("WARNING", logger="core.prepared")
    repaired = load_prepared(csv, folder)
    assert_same_catalog(repaired, parsed)
    assert "damaged prepared copy" in caplog.text
    caplog.clear()
    assert_same_catalog(load_prepared(csv, folder), parsed)  # the rebuilt copy reads cleanly
    assert "damaged" not in caplog.text
    assert_same_search(load_prepared(csv, folder), parsed)


def test_an_unwritable_folder_only_costs_the_speed_up(tmp_path: Path) -> None:
    csv = _awkward_csv(tmp_path / "songs.csv")
    not_a_folder = tmp_path / "file"
    not_a_folder.write_text("x")
    catalog = load_prepared(csv, not_a_folder / "prepared")
    assert_same_catalog(catalog, load_catalog(csv))
    assert prepared_of(catalog) is None


def test_an_unusable_csv_raises_and_stores_nothing(tmp_path: Path) -> None:
    csv = tmp_path / "bad.csv"
    csv.write_text("title,energy\nx,1\n", encoding="utf-8")
    folder = tmp_path / "prepared"
    with pytest.raises(DatasetError):
        load_prepared(csv, folder)
    with pytest.raises(DatasetError, match="There is no file"):
        load_prepared(tmp_path / "missing.csv", folder)
    assert not folder.exists() or not _copies(folder)


def test_the_format_is_part_of_the_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    csv = _awkward_csv(tmp_path / "songs.csv")
    folder = tmp_path / "prepared"
    load_prepared(csv, folder)
    monkeypatch.setattr(prepared_module, "FORMAT", FORMAT + 1)
    monkeypatch.setattr(prepared_module, "_CODE_DIGEST", None)
    with pytest.raises(ValueError, match="format"):
        prepared_module.read_prepared(_copies(folder)[0])
    assert_same_catalog(load_prepared(csv, folder), load_catalog(csv))


def test_the_engine_uses_the_shared_arrays(tmp_path: Path, model_cache: ModelCache) -> None:
    csv = _awkward_csv(tmp_path / "songs.csv")
    catalog = load_prepared(csv, tmp_path / "prepared")
    parsed = load_catalog(csv)
    engine, reference = Engine(catalog, model_cache), Engine(parsed, model_cache)
    kept = prepared_of(catalog)
    assert engine.scaled(catalog.features, DEFAULT_SCALER) is kept.scaled[(catalog.features, DEFAULT_SCALER)]
    assert engine.search_index() is kept.search_index
    assert engine.search("señorita") == reference.search("señorita")
    params = engine.params(4)
    ours = engine.clustering(params)  # the same fingerprint: the parsed catalog's engine reads it from the cache
    assert model_cache.times_computed(engine.clustering_key(params)) == 1
    np.testing.assert_array_equal(ours.labels, reference.clustering(reference.params(4)).labels)
    song = str(parsed.songs["id"].iloc[0])
    assert engine.neighbours(song, params, 5) == reference.neighbours(song, reference.params(4), 5)
    fresh = Engine(parsed, ModelCache(tmp_path / "fresh"))
    np.testing.assert_array_equal(fresh.clustering(fresh.params(4)).labels, ours.labels)
    subset = ("energy", "tempo")
    np.testing.assert_array_equal(engine.scaled(subset, "minmax"), reference.scaled(subset, "minmax"))


def test_catalog_or_demo_reads_and_writes_prepared_copies(tmp_path: Path) -> None:
    csv = _awkward_csv(tmp_path / "songs.csv")
    catalog, notices = catalog_or_demo(csv, tmp_path / "cache")
    assert notices == [] and prepared_of(catalog) is not None
    assert _copies(tmp_path / "cache" / PREPARED_FOLDER)
    demo, notices = catalog_or_demo(tmp_path / "missing.csv", tmp_path / "cache")
    assert demo.is_demo and notices
    (tmp_path / "two.csv").write_text("title,energy,tempo\na,0.5,100\n", encoding="utf-8")
    demo, notices = catalog_or_demo(tmp_path / "two.csv", tmp_path / "cache")
    assert demo.is_demo and "at least 3" in notices[0]
