"""The route behind the explorer's "Where does this song land?": one audio file in, its features out.

``POST <prefix>place-song?name=<file name>`` takes the file as the raw request body (what
assets/placement.js sends; never a base64 callback payload, which the 1 MB callback limit of
app.routes would refuse), writes it to a temporary file, analyses it (core.audio.features), deletes
it, and answers JSON:

- 200 ``{"name", "features": {feature: value}, "notes": [...]}``: the explorer then places the
  song in the view on screen (pages.explorer, core.placement: milliseconds, no refit);
- 400 / 413 / 503 ``{"error"}``: a message for the visitor (not audio, empty, silent, too big,
  the audio libraries missing, the server busy), never a server path.

Analysis takes a few seconds of one CPU, so a worker analyses at most ``CONCURRENT`` files at
once and answers "busy" beyond that rather than queueing requests behind them. The browser shows
the upload's progress and then "Analysing …" while it waits (assets/placement.js).
"""

from __future__ import annotations

import logging
import os
import re
import tempfile
import threading
from pathlib import Path

from flask import Flask, Response, jsonify, request

from core.audio import missing_libraries

log = logging.getLogger(__name__)

#: Largest audio file taken, in MB (a 10-minute MP3 at 320 kbit/s is 24 MB, a FLAC album track ~40).
MAX_FILE_MB = 60
MAX_FILE_BYTES = MAX_FILE_MB * 2**20
#: Files one worker process analyses at the same time.
CONCURRENT = 2
#: The route's path under the app's URL prefix.
ROUTE = "place-song"
_CHUNK = 2**20
_NAME_SAFE = re.compile(r"[^\w .()+-]+")
_analysing = threading.BoundedSemaphore(CONCURRENT)


def display_name(raw: str | None) -> str:
    """The file's name as shown back: its last path part, plain characters, at most 80."""
    name = _NAME_SAFE.sub("_", (raw or "").replace("\\", "/").rsplit("/", 1)[-1]).strip()[:80]
    return name or "your file"


def _answer(payload: dict, status: int = 200) -> Response:
    response = jsonify(payload)
    response.status_code = status
    return response


def _too_big(name: str) -> Response:
    return _answer({"error": f"{name} is larger than {MAX_FILE_MB} MB, the most this server analyses."}, 413)


def _receive(name: str) -> Path | Response:
    """The request body in a temporary file (its extension kept: decoders choose by it), or the
    answer refusing it (too big, empty, interrupted)."""
    suffix = Path(name).suffix.lower()
    handle, temporary = tempfile.mkstemp(prefix="place-", suffix=suffix if re.fullmatch(r"\.\w{1,5}", suffix) else "")
    path = Path(temporary)
    size = 0
    try:
        with os.fdopen(handle, "wb") as out:
            while chunk := request.stream.read(_CHUNK):
                size += len(chunk)
                if size > MAX_FILE_BYTES:
                    path.unlink(missing_ok=True)
                    return _too_big(name)
                out.write(chunk)
    except OSError:
        path.unlink(missing_ok=True)
        return _answer({"error": f"The upload of {name} was interrupted; try again."}, 400)
    if size == 0:
        path.unlink(missing_ok=True)
        return _answer({"error": f"{name} is empty (0 bytes): it holds no audio."}, 400)
    return path


def analysed(name: str) -> Response:
    """Analyse the request's body as the audio file ``name``; the temporary copy is always deleted."""
    from core.audio.decode import DecodeError
    from core.audio.features import AnalysisError, analyse_file

    received = _receive(name)
    if isinstance(received, Response):
        return received
    try:
        features, notes = analyse_file(received)
    except (DecodeError, AnalysisError) as refused:
        return _answer({"error": f"{name} could not be analysed: {refused}."}, 400)
    except OSError as failed:
        log.warning("analysing an uploaded song failed: %s", type(failed).__name__)
        return _answer({"error": f"{name} could not be read as audio."}, 400)
    finally:
        received.unlink(missing_ok=True)
    return _answer({"name": name, "features": features, "notes": notes})


def register_placement_route(server: Flask, prefix: str = "/") -> None:
    """``POST <prefix>place-song`` (see the module docstring)."""

    @server.post(prefix + ROUTE)
    def place_song() -> Response:
        name = display_name(request.args.get("name"))
        missing = missing_libraries()
        if missing:
            return _answer(
                {"error": f"This server cannot analyse audio: {', '.join(missing)} not installed (the audio extra)."},
                503,
            )
        if request.content_length is not None and request.content_length > MAX_FILE_BYTES:
            return _too_big(name)  # refused before reading it
        if not _analysing.acquire(blocking=False):
            busy = "This server is analysing other songs right now; try again in a few seconds."
            return _answer({"error": busy}, 503)
        try:
            return analysed(name)
        finally:
            _analysing.release()
