"""The upload routes: a CSV streamed to the dataset store, then opened as a dataset.

``POST <prefix>datasets?name=<file name>`` takes the file as the raw request body (what the
browser's upload sends, read in 1 MB chunks, never as a base64 callback payload) and
answers JSON:

- 200 ``{"id", "name", "songs", "report"}``: the dataset, whose views are ``/?data=<id>``;
- 422 ``{"error", "upload", "columns": [{"name", "values"}]}``: the columns must be chosen
  by hand; ``POST <prefix>datasets/<upload>/mapping?name=…`` with the JSON body
  ``{"title": column, "energy": column, …}`` then opens it;
- 400 / 404 / 413 ``{"error"}``: a message for the person who uploaded, never a path.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, Response, jsonify, request

from app.context import app_context
from core.catalog import MappingNeededError
from core.datasets import DatasetInfo, DatasetStore, UnknownDatasetError, UploadTooLargeError
from core.errors import DatasetError

_NAME_SAFE = re.compile(r"[^\w .()+-]+")
_SHA256 = re.compile(r"^[0-9a-f]{64}$")


def _file_name(raw: str | None) -> str:
    """The uploaded file's name as shown back: its last path part, plain characters, short."""
    name = _NAME_SAFE.sub("_", (raw or "").replace("\\", "/").rsplit("/", 1)[-1]).strip()[:80]
    return name or "upload.csv"


def _answer(payload: dict[str, Any], status: int = 200) -> Response:
    response = jsonify(payload)
    response.status_code = status
    return response


def _opened(store: DatasetStore, upload: str, name: str, mapping: dict[str, str] | None) -> Response:
    try:
        info: DatasetInfo = store.open(upload, name, mapping)
    except MappingNeededError as needed:
        columns = [{"name": column.name, "values": list(column.values)} for column in needed.columns]
        return _answer({"error": str(needed), "upload": upload, "columns": columns}, 422)
    except UnknownDatasetError as gone:
        return _answer({"error": str(gone)}, 404)
    except DatasetError as refused:
        return _answer({"error": str(refused)}, 400)
    return _answer({"id": info.id, "name": info.name, "songs": info.songs, "report": list(info.report)})


def register_upload_routes(server: Flask, prefix: str = "/") -> None:
    @server.post(prefix + "datasets")
    def upload_dataset() -> Response:
        store = app_context().datasets
        name = _file_name(request.args.get("name"))
        if store is None:
            return _answer({"error": "This server does not take uploads."}, 404)
        limit = store.limits.upload_bytes
        if request.content_length is not None and request.content_length > limit * 2:
            # Even a gzip could not make this fit; refuse before reading it.
            return _answer({"error": str(UploadTooLargeError(name, limit))}, 413)
        try:
            upload = store.receive(request.stream, name, request.content_length)
        except UploadTooLargeError as refused:
            return _answer({"error": str(refused)}, 413)
        except DatasetError as refused:
            return _answer({"error": str(refused)}, 400)
        except OSError:  # the connection broke while reading
            return _answer({"error": f"The upload of {name} was interrupted; nothing was kept."}, 400)
        return _opened(store, upload, name, None)

    @server.post(prefix + "datasets/<upload>/mapping")
    def map_dataset(upload: str) -> Response:
        store = app_context().datasets
        name = _file_name(request.args.get("name"))
        mapping = request.get_json(silent=True)
        if store is None or not _SHA256.match(upload):
            return _answer({"error": "This upload is no longer here; open the file again."}, 404)
        if not isinstance(mapping, dict) or not all(
            isinstance(k, str) and isinstance(v, str) and v for k, v in mapping.items()
        ):
            return _answer({"error": "The column mapping must name a column for each role."}, 400)
        return _opened(store, upload, name, mapping)
