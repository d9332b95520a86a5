"""Datasets people bring: a content-addressed store on disk, with limits and eviction.

A dataset's id derives from the bytes of its CSV and the column mapping it was read with
(24 hex digits, 96 bits: not found by guessing), so the same file uploaded twice, by two
people at once, is one dataset, parsed once (a per-id file lock) and fitted once (the model
cache keys by the catalog's content). Nothing lists the uploads: a dataset is reached by its
link only.

Layout under the store folder (every process of a host shares it; hosts that share
nothing need it on a shared volume, see the README):

    files/<sha256>            an upload as received, decompressed; kept to map it again
    resolved/<key>            for a file opened with its headers recognised: the id it got
    datasets/<id>/pinned      an operator's dataset (share_folder): never evicted
    datasets/<id>/songs.pkl   the parsed songs table (pickle: 1M songs load in 0.2 s, their
                              136 MB CSV in 3.5 s)
    datasets/<id>/labels.pkl  its candidate label columns (Catalog.label_columns; format 2)
    datasets/<id>/meta.json   the loader's report (name, songs, features, mapping), sizes,
                              the format of the stored copy (STORE_FORMAT)
    tmp/                      writes in progress; renamed into place only when complete

A rejected upload leaves nothing behind. Uploads unused for ``max_age_days`` go, and
while the store is over ``max_store_bytes`` the least recently used go first.

A dataset stored in an older format (1: no labels.pkl) still serves: its catalog's label
columns are its genre column, if any, as before. Opening its file again (an upload of the
same file, or the operator's shared folder at start-up) adds what the format lacks, without
changing its id, its songs or its fingerprint (so its models stay cached).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import pickle
import shutil
import time
import uuid
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import BinaryIO

from core.catalog import Catalog, LoadLimits, LoadReport, clusterable, load_catalog
from core.errors import DatasetError

_CHUNK = 1 << 20
_GZIP_MAGIC = b"\x1f\x8b"
#: A dataset's last use is written at most this often (seconds): reads stay reads.
_TOUCH_EVERY_S = 3600.0
ID_HEX_DIGITS = 24
#: The format of a stored dataset: 1 songs.pkl alone; 2 with labels.pkl.
STORE_FORMAT = 2


@dataclass(frozen=True)
class StoreLimits:
    """What one upload and the whole store may take; every limit has a clear message."""

    #: Bytes of CSV an upload may hold (after decompressing a .gz).
    upload_bytes: int = 200 * 2**20
    rows: int = 2_000_000
    columns: int = 1_000
    #: Total bytes of uploads and parsed copies kept; beyond it the least recently used go.
    store_bytes: int = 5 * 2**30
    #: Uploads nobody opened for this long are removed.
    max_age_days: float = 30.0


@dataclass(frozen=True)
class DatasetInfo:
    """What the store knows of one dataset without loading it."""

    id: str
    #: What the loader did; its source is the name the file was uploaded under.
    load_report: LoadReport
    #: Seconds since the epoch.
    created: float
    #: The catalog's content digest (core.catalog.fingerprint), which keys its models.
    fingerprint: str
    file_sha256: str
    size_bytes: int
    #: The stored copy's format (STORE_FORMAT when written; 1 for metas written before it was kept).
    format: int = 1

    @property
    def name(self) -> str:
        return self.load_report.source

    @property
    def songs(self) -> int:
        return self.load_report.rows_kept

    @property
    def features(self) -> tuple[str, ...]:
        return self.load_report.features

    @property
    def mapping(self) -> dict[str, str]:
        """Role or feature -> the file's column it was read from."""
        return self.load_report.roles

    @property
    def report(self) -> tuple[str, ...]:
        return tuple(self.load_report.lines())


class UploadTooLargeError(DatasetError):
    """An upload over the size limit (HTTP 413)."""

    def __init__(self, name: str, limit_bytes: int) -> None:
        super().__init__(f"{name} is larger than the {_megabytes(limit_bytes)} an upload may be.")


class UnknownDatasetError(DatasetError):
    """No dataset has this id here: never uploaded, removed after long disuse, or evicted."""


def dataset_id(file_sha256: str, mapping: Mapping[str, str]) -> str:
    """The id of the dataset read from the file with this digest under this mapping."""
    canonical = json.dumps(sorted(mapping.items()), separators=(",", ":"))
    return hashlib.sha256(f"{file_sha256}\n{canonical}".encode()).hexdigest()[:ID_HEX_DIGITS]


def is_dataset_id(text: object) -> bool:
    return isinstance(text, str) and len(text) == ID_HEX_DIGITS and all(c in "0123456789abcdef" for c in text)


class DatasetStore:
    """The datasets of one host (or of a shared volume); safe for many processes at once."""

    def __init__(self, root: Path, limits: StoreLimits | None = None) -> None:
        self.root, self.limits = root, limits or StoreLimits()
        for folder in ("files", "datasets", "tmp", "locks", "resolved"):
            (root / folder).mkdir(parents=True, exist_ok=True)

    # -- receiving ------------------------------------------------------------------------

    def receive(self, stream: BinaryIO, name: str, expected_bytes: int | None = None) -> str:
        """Store the bytes ``stream`` yields (a CSV, or a gzip of one) and return their
        digest. DatasetError, with nothing kept, when it is over the size limit, a broken
        gzip, or ends before ``expected_bytes`` (an upload cut off: a server may see that
        as a plain end of stream); the stream is read in 1 MB chunks, never held whole."""
        partial = self.root / "tmp" / f"upload-{uuid.uuid4().hex}"
        digest, limit, counted = hashlib.sha256(), self.limits.upload_bytes, _CountingReader(stream)
        try:
            with partial.open("wb") as out:
                for chunk in _decompressed(counted, name):
                    out.write(chunk)
                    digest.update(chunk)
                    if out.tell() > limit:
                        raise UploadTooLargeError(name, limit)
            if expected_bytes is not None and counted.bytes_read != expected_bytes:
                raise DatasetError(f"The upload of {name} was interrupted; nothing was kept. Try again.")
            if partial.stat().st_size == 0:
                raise DatasetError(f"{name} is empty.")
            sha = digest.hexdigest()
            os.replace(partial, self.root / "files" / sha)
            return sha
        finally:
            partial.unlink(missing_ok=True)

    def open(
        self, file_sha256: str, name: str, mapping: Mapping[str, str] | None = None, pinned: bool = False
    ) -> DatasetInfo:
        """The dataset of a received file under ``mapping`` (None: recognised by the headers),
        parsed once however many processes ask at once. Raises the loader's DatasetError
        (MappingNeededError when the columns must be chosen by hand). A ``pinned`` dataset
        (the operator's) is kept whatever its age or the store's size."""
        source = self.root / "files" / file_sha256
        if not source.is_file():
            raise UnknownDatasetError("This upload is no longer here; open the file again.")
        asked = dataset_id(file_sha256, mapping if mapping is not None else {"": "recognised by the headers"})
        with self._locked(asked):
            known = self._read_info(self._resolved(asked) or asked)
            if known and known.format >= STORE_FORMAT:
                return known
            catalog = clusterable(load_catalog(source, name=name, mapping=mapping, limits=self._load_limits()))
            ident = dataset_id(file_sha256, catalog.report.roles)
            info = self._read_info(ident)
            if info is not None and info.format < STORE_FORMAT:
                info = self._upgraded(info, catalog)
            info = info or self._write(ident, catalog, file_sha256, source.stat().st_size)
            if ident != asked:
                (self.root / "resolved" / asked).write_text(ident)
        if pinned:
            self.pin(ident)
        elif info.size_bytes > self.limits.store_bytes:
            shutil.rmtree(self.root / "datasets" / ident, ignore_errors=True)
            raise DatasetError(f"{name} is larger than this server keeps ({_megabytes(self.limits.store_bytes)}).")
        self.evict(keep=ident)
        return info

    # -- reading --------------------------------------------------------------------------

    def exists(self, ident: str) -> bool:
        """Whether the dataset is here (one stat: cheap enough for every request)."""
        return is_dataset_id(ident) and (self.root / "datasets" / ident / "meta.json").is_file()

    def info(self, ident: str) -> DatasetInfo:
        found = self._read_info(ident) if is_dataset_id(ident) else None
        if found is None:
            raise UnknownDatasetError("This dataset is no longer here: it was removed after a long time unused.")
        return found

    def catalog(self, ident: str) -> Catalog:
        """The dataset's Catalog, read from its parsed copy; UnknownDatasetError if gone."""
        info = self.info(ident)
        folder = self.root / "datasets" / ident
        try:
            with (folder / "songs.pkl").open("rb") as file:
                songs = pickle.load(file)
            labels = None
            if info.format >= STORE_FORMAT:
                with (folder / "labels.pkl").open("rb") as file:
                    labels = pickle.load(file)
        except FileNotFoundError:
            raise UnknownDatasetError("This dataset was just removed; open the file again.") from None
        self._touch(folder)
        return Catalog(
            songs=songs,
            features=info.features,
            fingerprint=info.fingerprint,
            report=info.load_report,
            label_columns=labels,
        )

    # -- limits ---------------------------------------------------------------------------

    def evict(self, now: float | None = None, keep: str | None = None) -> list[str]:
        """Remove datasets unused for ``max_age_days``, then the least recently used while the
        store is over ``store_bytes``, never ``keep`` (the dataset just opened); returns the
        removed ids. Files no dataset uses any more go with them, as do uploads left waiting
        for a mapping for a day."""
        now = time.time() if now is None else now
        # least recently used first; the one to keep last, as if just used
        entries = sorted(self._entries(), key=lambda entry: (entry[0] == keep, entry[1]))
        total = sum(size for _, _, size, _ in entries) + self._orphan_bytes({sha for *_, sha in entries})
        removed = []
        for ident, used, size, _sha in entries:
            too_old = now - used > self.limits.max_age_days * 86400
            pinned = (self.root / "datasets" / ident / "pinned").exists()
            if ident == keep or pinned or (not too_old and total <= self.limits.store_bytes):
                continue
            shutil.rmtree(self.root / "datasets" / ident, ignore_errors=True)
            removed.append(ident)
            total -= size
        kept = {sha for ident, _, _, sha in entries if ident not in removed}
        freed = {sha for ident, _, _, sha in entries if ident in removed}
        for file in (self.root / "files").iterdir():
            if file.name not in kept and (file.name in freed or now - file.stat().st_mtime > 86400):
                file.unlink(missing_ok=True)
        return removed

    def pin(self, ident: str) -> None:
        """Keep the dataset whatever its age or the store's size (an operator's dataset)."""
        (self.root / "datasets" / ident / "pinned").touch()

    # -- internals ------------------------------------------------------------------------

    def _load_limits(self) -> LoadLimits:
        return LoadLimits(rows=self.limits.rows, columns=self.limits.columns)

    def _resolved(self, asked: str) -> str | None:
        """The id a file opened with its headers recognised turned out to have."""
        try:
            return (self.root / "resolved" / asked).read_text().strip()
        except FileNotFoundError:
            return None

    def _read_info(self, ident: str) -> DatasetInfo | None:
        try:
            raw = json.loads((self.root / "datasets" / ident / "meta.json").read_text())
        except (FileNotFoundError, NotADirectoryError, json.JSONDecodeError):
            return None
        report = raw["load_report"]
        for listed in ("features", "missing_features"):
            report[listed] = tuple(report[listed])
        return DatasetInfo(**{**raw, "load_report": LoadReport(**report)})

    def _write(self, ident: str, catalog: Catalog, file_sha256: str, file_bytes: int) -> DatasetInfo:
        staging = self.root / "tmp" / f"dataset-{uuid.uuid4().hex}"
        staging.mkdir()
        try:
            with (staging / "songs.pkl").open("wb") as file:
                pickle.dump(catalog.songs, file, protocol=pickle.HIGHEST_PROTOCOL)
            with (staging / "labels.pkl").open("wb") as file:
                pickle.dump(catalog.label_columns, file, protocol=pickle.HIGHEST_PROTOCOL)
            info = DatasetInfo(
                id=ident,
                load_report=catalog.report,
                created=time.time(),
                fingerprint=catalog.fingerprint,
                file_sha256=file_sha256,
                size_bytes=sum((staging / f).stat().st_size for f in ("songs.pkl", "labels.pkl")) + file_bytes,
                format=STORE_FORMAT,
            )
            (staging / "meta.json").write_text(json.dumps(asdict(info)))
            try:
                os.replace(staging, self.root / "datasets" / ident)
            except OSError:  # written meanwhile under another mapping that resolved the same
                return self._read_info(ident) or info
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        return info

    def _upgraded(self, info: DatasetInfo, catalog: Catalog) -> DatasetInfo:
        """``info``'s dataset, stored in an older format, brought to STORE_FORMAT with what
        ``catalog`` (its file parsed again) adds; as it was when the songs parsed now differ
        from the stored ones (rows could not be matched). labels.pkl is in place before the
        meta says so: a reader sees the old format or the whole new one."""
        if catalog.fingerprint != info.fingerprint:
            return info
        folder = self.root / "datasets" / info.id
        partial = self.root / "tmp" / f"labels-{uuid.uuid4().hex}"
        try:
            with partial.open("wb") as file:
                pickle.dump(catalog.label_columns, file, protocol=pickle.HIGHEST_PROTOCOL)
            size = partial.stat().st_size
            os.replace(partial, folder / "labels.pkl")
            upgraded = replace(info, format=STORE_FORMAT, size_bytes=info.size_bytes + size)
            partial.write_text(json.dumps(asdict(upgraded)))
            os.replace(partial, folder / "meta.json")
        except OSError:  # removed meanwhile (evicted): serve what was read
            return info
        finally:
            partial.unlink(missing_ok=True)
        return upgraded

    @contextlib.contextmanager
    def _locked(self, ident: str) -> Iterator[None]:
        with (self.root / "locks" / ident).open("w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    def _touch(self, folder: Path) -> None:
        meta = folder / "meta.json"
        with contextlib.suppress(OSError):
            if time.time() - meta.stat().st_mtime > _TOUCH_EVERY_S:
                os.utime(meta)

    def _entries(self) -> Iterator[tuple[str, float, int, str]]:
        """(id, last used, bytes, file digest) of every dataset."""
        for folder in (self.root / "datasets").iterdir():
            info = self._read_info(folder.name)
            if info is not None:
                yield info.id, (folder / "meta.json").stat().st_mtime, info.size_bytes, info.file_sha256

    def _orphan_bytes(self, used: set[str]) -> int:
        return sum(f.stat().st_size for f in (self.root / "files").iterdir() if f.name not in used)


class _CountingReader:
    """A stream's ``read`` that counts the bytes it gave."""

    def __init__(self, stream: BinaryIO) -> None:
        self.stream, self.bytes_read = stream, 0

    def read(self, size: int) -> bytes:
        data = self.stream.read(size)
        self.bytes_read += len(data)
        return data


def _decompressed(stream: BinaryIO | _CountingReader, name: str) -> Iterator[bytes]:
    """The stream's bytes in chunks, gunzipped on the fly when they are a gzip (by their
    first bytes, whatever the name says); DatasetError when the gzip is broken."""
    first = stream.read(_CHUNK)
    if not first.startswith(_GZIP_MAGIC):
        while first:
            yield first
            first = stream.read(_CHUNK)
        return
    inflater = zlib.decompressobj(wbits=zlib.MAX_WBITS | 16)
    chunk = first
    try:
        while chunk:
            data = inflater.decompress(chunk, _CHUNK)
            while data:
                yield data
                data = inflater.decompress(inflater.unconsumed_tail, _CHUNK)
            chunk = stream.read(_CHUNK)
    except zlib.error:
        raise DatasetError(f"{name} is not a gzip file we can read.") from None
    if not inflater.eof:
        raise DatasetError(f"{name} ends before its gzip data does: the file is truncated.")


def _megabytes(n: int) -> str:
    return f"{n / 2**20:,.0f} MB"


SHARED_SUFFIXES = (".csv", ".csv.gz", ".tsv")


def share_folder(store: DatasetStore, folder: Path) -> tuple[list[DatasetInfo], list[str]]:
    """Open every CSV in ``folder`` (not its subfolders) as a pinned dataset: an operator's
    datasets, offered to every visitor and never evicted. Returns them by name, and a
    notice per file that cannot serve (naming the file, never the folder)."""
    shared, notices = [], []
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.name.lower().endswith(SHARED_SUFFIXES))
    for path in files:
        try:
            with path.open("rb") as file:
                info = store.open(store.receive(file, path.name), path.name, pinned=True)
        except DatasetError as refused:
            notices.append(f"The shared dataset {path.name!r} cannot be offered: {refused}")
            continue
        shared.append(info)
    return shared, notices
