"""A prepared copy of a catalog CSV: parsed once per host, memory-mapped by every process.

Parsing a 1M-song CSV takes seconds (about 3.5 s), scaling its default feature space about
0.4 s and building its search index about 2.5 s; every gunicorn worker used to pay all of it
and hold its own copy. ``load_prepared`` pays it once: the first process to load a CSV
(normally ``python -m app.prepare``, which ``make run`` runs before gunicorn; otherwise the
first worker, under a file lock, while the others wait for it) writes a prepared copy, and
every later process reads it back in a fraction of a second:

    <folder>/<key>/meta.json        written last: the format, the CSV's name, path and digest,
                                    the fingerprint, shapes, dtypes and sizes of every file
    <folder>/<key>/text.pkl         the songs' text columns (id, title, artist, ...), the
                                    candidate label columns and the LoadReport (pickle)
    <folder>/<key>/features.npy     the feature columns, (n_songs, n_features) float64
    <folder>/<key>/scaled/<i>.npy   the scaled matrix (float32) of the catalog's features
                                    with the default scaler (Engine.scaled)
    <folder>/<key>/search/          the search index's arrays (core.search.SearchIndex.save)
    <folder>/<key>.lock             the lock the builder of that copy holds (fcntl)

The numeric arrays are opened with ``np.load(mmap_mode=...)``: N workers share one copy in the
page cache instead of N private ones (the feature columns and the scaled matrix copy-on-write,
so they stay writable like parsed ones; the search index read-only). The text columns are
Python strings, which no process can share: each worker unpickles its own (about 0.2 s at 1M).

The key is a SHA-256 of the CSV's bytes (about 0.12 s for 140 MB), its file name (the report
names it), FORMAT, the pandas and numpy versions and the source of the modules whose output
is stored (loader, features, previews, search, scaling): a changed CSV, or a loader that would
now read it differently, gets a new copy; a stale one is never served. A copy is complete or
absent: it is written into a temporary folder and renamed into place, so a reader never sees
half of it. One that fails its checks (a missing, truncated or corrupted file, an unreadable
pickle) is ignored, logged and rebuilt; a folder that cannot be written (read-only, full)
only costs the speed-up: the CSV is parsed as before. After a build, the copies of earlier
contents of the same CSV path are removed.

The folder is a local file cache (``<cache_dir>/prepared``): with the Redis deployment each
host keeps its own prepared copy, which is fine because it is derived from the host's CSV
alone; models stay shared through Redis, keyed by the catalog's fingerprint, which a prepared
copy keeps exactly.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import mmap
import os
import pickle
import shutil
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from core import catalog as catalog_module
from core.catalog import Catalog, load_catalog
from core.clustering import DEFAULT_SCALER, scale
from core.errors import DatasetError
from core.search import SearchIndex

log = logging.getLogger(__name__)

#: The layout of a prepared copy; a copy of another format is never read.
FORMAT = 1
#: Catalog.memo's entry holding a loaded copy's extras (Prepared).
MEMO_KEY = "prepared"
#: Modules whose output a prepared copy stores: a change to any of them makes a new key.
_SOURCES = ("catalog.py", "features.py", "previews.py", "search.py", "clustering.py", "prepared.py")
#: Temporary folders older than this (seconds) are left-overs of a killed builder.
_STALE_TMP_S = 3600.0


@dataclass
class Prepared:
    """What a prepared copy holds beside the catalog: memory-mapped, shared by every process."""

    folder: Path
    #: (features, scaler) -> scaled matrix (n_songs, len(features)), float32.
    scaled: dict[tuple[tuple[str, ...], str], np.ndarray] = field(default_factory=dict)
    search_index: SearchIndex | None = None


def prepared_of(catalog: Catalog) -> Prepared | None:
    """The prepared copy a catalog was read from, or None (parsed, uploaded, demo)."""
    prepared = catalog.memo.get(MEMO_KEY)
    return prepared if isinstance(prepared, Prepared) else None


# -- keys -------------------------------------------------------------------------------------
_CODE_DIGEST: str | None = None


def _code_digest() -> str:
    """A digest of what turns a CSV into the stored arrays: FORMAT, library versions, sources."""
    global _CODE_DIGEST
    if _CODE_DIGEST is None:
        digest = hashlib.sha256(f"{FORMAT}|{pd.__version__}|{np.__version__}".encode())
        here = Path(catalog_module.__file__).parent
        for name in _SOURCES:
            with contextlib.suppress(OSError):
                digest.update(name.encode() + b"\0" + (here / name).read_bytes())
        _CODE_DIGEST = digest.hexdigest()
    return _CODE_DIGEST


def _file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes, read through a memory map (no private copy of the file)."""
    with path.open("rb") as file:
        if os.fstat(file.fileno()).st_size == 0:
            return hashlib.sha256(b"").hexdigest()
        with mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as view:
            return hashlib.sha256(view).hexdigest()


def prepared_key(csv_digest: str, name: str) -> str:
    """The folder name of the prepared copy of a CSV with that digest, read under that name."""
    body = f"{_code_digest()}|{name}|{csv_digest}".encode()
    return f"v{FORMAT}-{hashlib.sha256(body).hexdigest()[:32]}"


# -- loading ----------------------------------------------------------------------------------
def load_prepared(path: str | Path, folder: Path) -> Catalog:
    """The catalog of the CSV at ``path``, as ``load_catalog(path)`` would parse it, from its
    prepared copy in ``folder`` (written first when there is none, or none valid).

    Same songs, ids, dtypes, fingerprint, report and label columns as the parse; besides,
    ``prepared_of(catalog)`` has the shared scaled matrix and search index. Raises the
    loader's DatasetError when the file cannot serve (nothing is stored then).
    """
    path = Path(path)
    try:
        digest = _file_digest(path)
    except FileNotFoundError:
        raise DatasetError(f"There is no file at {path}.") from None
    except (OSError, ValueError):
        return load_catalog(path)  # unreadable (or not a regular file): the loader says why
    key = prepared_key(digest, path.name)
    found = _read_quietly(folder / key)
    if found is not None:
        return found
    with contextlib.ExitStack() as stack:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            stack.enter_context(_locked(folder / f"{key}.lock"))
        except OSError as exc:
            log.warning("cannot write prepared copies in %s (%s): parsing %s", folder, exc, path)
            return load_catalog(path)
        found = _read_quietly(folder / key)  # another process may have built it meanwhile
        if found is not None:
            return found
        return _build(path, folder, key)
    raise AssertionError("unreachable")  # pragma: no cover


def _read_quietly(copy: Path) -> Catalog | None:
    """The copy's catalog, or None when it is absent or fails any check (logged)."""
    if not (copy / "meta.json").exists():
        return None
    try:
        return read_prepared(copy)
    except Exception as exc:  # any damage means: rebuild, never crash
        log.warning("ignoring the damaged prepared copy %s: %s: %s", copy, type(exc).__name__, exc)
        return None


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _array(copy: Path, entry: dict, mode: str) -> np.ndarray:
    """One stored array, memory-mapped, after checking its size, shape and dtype."""
    file = copy / entry["file"]
    if file.stat().st_size != entry["bytes"]:
        raise ValueError(f"{entry['file']} has {file.stat().st_size} bytes, not {entry['bytes']}")
    array = np.load(file, mmap_mode=mode, allow_pickle=False)
    if list(array.shape) != entry["shape"] or str(array.dtype) != entry["dtype"]:
        raise ValueError(f"{entry['file']} holds {array.dtype}{array.shape}, not {entry['dtype']}{entry['shape']}")
    return np.asarray(array)  # a plain ndarray over the map (np.memmap's subclass is not needed)


def _checked_bytes(copy: Path, entry: dict) -> bytes:
    data = (copy / entry["file"]).read_bytes()
    if len(data) != entry["bytes"] or hashlib.sha256(data).hexdigest() != entry["sha256"]:
        raise ValueError(f"{entry['file']} does not match its digest")
    return data


def read_prepared(copy: Path) -> Catalog:
    """The catalog stored in the prepared copy at ``copy``; raises when anything is amiss."""
    meta = json.loads((copy / "meta.json").read_text(encoding="utf-8"))
    if meta.get("format") != FORMAT:
        raise ValueError(f"format {meta.get('format')!r}, not {FORMAT}")
    text, labels, report = pickle.loads(_checked_bytes(copy, meta["text"]))
    n = meta["songs"]
    if not isinstance(text, pd.DataFrame) or len(text) != n or len(labels) != n:
        raise ValueError("the text columns do not have one row per song")
    # One (n_songs, n_features) Fortran-ordered array, as the parse holds them: one float64
    # block whose rows are the columns, so feature_matrix is a view of the map, not a copy.
    values = _array(copy, meta["features"], "c")
    numbers = pd.DataFrame(values, columns=meta["features"]["columns"], index=text.index, copy=False)
    songs = pd.concat([text, numbers], axis=1)
    if list(songs.columns) != meta["columns"]:
        songs = songs[meta["columns"]]
    scaled = {(tuple(entry["features"]), entry["scaler"]): _array(copy, entry, "c") for entry in meta["scaled"]}
    index = SearchIndex.load(copy / "search", meta["search"], lambda entry: _array(copy / "search", entry, "r"))
    catalog = Catalog(
        songs=songs,
        features=tuple(meta["catalog_features"]),
        fingerprint=meta["fingerprint"],
        report=report,
        label_columns=labels,
    )
    catalog.memo[MEMO_KEY] = Prepared(copy, scaled, index)
    return catalog


# -- writing ----------------------------------------------------------------------------------
def _save_array(folder: Path, name: str, array: np.ndarray) -> dict:
    file = folder / name
    file.parent.mkdir(parents=True, exist_ok=True)
    np.save(file, array, allow_pickle=False)  # in its own memory order (a Fortran-ordered one stays so)
    return {"file": name, "bytes": file.stat().st_size, "shape": list(array.shape), "dtype": str(array.dtype)}


def write_prepared(catalog: Catalog, index: SearchIndex, target: Path, csv: Path) -> None:
    """Write ``catalog`` (with its default scaled matrix and ``index``) as a prepared copy at
    ``target``, atomically: into a temporary folder beside it, renamed into place. A copy
    already at ``target`` (a damaged one: the caller holds the lock) is moved aside first."""
    tmp = target.parent / f"tmp-{uuid.uuid4().hex}"
    tmp.mkdir(parents=True)
    try:
        songs = catalog.songs
        numeric = [c for c in catalog.features if c in songs.columns]
        text = songs[[c for c in songs.columns if c not in numeric]]
        blob = pickle.dumps((text, catalog.label_columns, catalog.report), protocol=pickle.HIGHEST_PROTOCOL)
        (tmp / "text.pkl").write_bytes(blob)
        meta: dict[str, object] = {
            "format": FORMAT,
            "csv": str(csv.resolve()),
            "name": csv.name,
            "songs": len(songs),
            "fingerprint": catalog.fingerprint,
            "catalog_features": list(catalog.features),
            "columns": [str(c) for c in songs.columns],
            "text": {"file": "text.pkl", "bytes": len(blob), "sha256": hashlib.sha256(blob).hexdigest()},
            "features": {
                "columns": numeric,
                **_save_array(tmp, "features.npy", np.asfortranarray(songs[numeric].to_numpy(dtype=np.float64))),
            },
            "scaled": [
                {
                    "features": list(catalog.features),
                    "scaler": DEFAULT_SCALER,
                    **_save_array(tmp, "scaled/0.npy", scale(catalog.feature_matrix(), DEFAULT_SCALER)),
                }
            ],
            "search": index.save(tmp / "search", lambda name, array: _save_array(tmp / "search", name, array)),
        }
        (tmp / "meta.json").write_text(json.dumps(meta, indent=1), encoding="utf-8")
        for file in tmp.rglob("*"):  # on disk before the rename makes the copy visible
            if file.is_file():
                with file.open("rb") as handle:
                    os.fsync(handle.fileno())
        if target.exists():
            aside = target.parent / f"tmp-{uuid.uuid4().hex}"
            target.rename(aside)
            shutil.rmtree(aside, ignore_errors=True)  # readers keep what they mapped
        tmp.rename(target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _build(path: Path, folder: Path, key: str) -> Catalog:
    """Parse the CSV (the bytes whose digest is ``key``'s), write its copy, return the catalog
    read back from it (so this process shares the mapped arrays too)."""
    data = path.read_bytes()
    parsed = load_catalog(data, name=path.name)
    if prepared_key(hashlib.sha256(data).hexdigest(), path.name) != key:
        return parsed  # replaced since it was hashed: serve what was read, prepare it next time
    del data
    started = time.perf_counter()
    try:
        index = SearchIndex(parsed.songs["title"], parsed.songs["artist"])
        write_prepared(parsed, index, folder / key, path)
        catalog = read_prepared(folder / key)
    except Exception as exc:  # a full or read-only disk costs the speed-up only
        log.warning("cannot write the prepared copy of %s in %s: %s: %s", path, folder, type(exc).__name__, exc)
        return parsed
    log.info(
        "prepared %s (%s songs) in %s in %.1f s",
        path.name,
        f"{len(catalog):,}",
        folder / key,
        time.perf_counter() - started,
    )
    _remove_older(folder, key, path)
    return catalog


def _remove_older(folder: Path, key: str, csv: Path) -> None:
    """Remove the copies of earlier contents of the same CSV path and forgotten temporary folders."""
    where = str(csv.resolve())
    for entry in folder.iterdir():
        with contextlib.suppress(OSError, ValueError):
            if entry.name.startswith("tmp-") and time.time() - entry.stat().st_mtime > _STALE_TMP_S:
                shutil.rmtree(entry, ignore_errors=True)
            elif entry.is_dir() and entry.name != key and entry.name.startswith("v"):
                meta = json.loads((entry / "meta.json").read_text(encoding="utf-8"))
                if meta.get("csv") == where:  # (its lock file stays: another process may hold it)
                    shutil.rmtree(entry, ignore_errors=True)
