"""Flask routes beside the Dash pages: health check and CSV downloads."""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable

import numpy as np
from dash.exceptions import DependencyException
from flask import Flask, Response, jsonify, request, send_file
from werkzeug.exceptions import HTTPException

from app.callback_guard import malformed_callback
from app.context import ResolvedView, app_context
from core.cache import NotReady
from core.errors import DatasetError
from core.export import labelled_songs, to_csv_bytes
from core.previews import AUDIO_TYPES
from core.selection import m3u8_playlist, spotify_uris
from core.shared import SharedStore, StoreUnavailableError

_FILENAME_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")
log = logging.getLogger(__name__)
#: Bytes any request but an upload may carry. The largest callback payload is a few kB
#: (25 players' ids on a search page); a 64 MB post was read whole and logged as one line.
MAX_REQUEST_BYTES = 2**20
#: Characters of a malformed request's error that reach the log.
MAX_LOGGED_CHARS = 300
#: How long a browser keeps a versioned asset (seconds): a year, as Dash does for its bundles.
ASSET_MAX_AGE_S = 365 * 24 * 3600


def _plain(message: str, status: int) -> Response:
    return Response(message + "\n", status=status, mimetype="text/plain")


def _reachability(store: SharedStore | None) -> dict[str, object]:
    """{"reachable": bool, "error": why not}; no store (subprocess jobs) is always reachable."""
    if store is None:
        return {"reachable": True}
    try:
        store.ping()
    except StoreUnavailableError as exc:
        return {"reachable": False, "error": str(exc)}
    return {"reachable": True}


def _every(view: ResolvedView, rows: np.ndarray | None) -> np.ndarray:
    """``rows``, or every song of the view's catalog when None."""
    return np.arange(len(view.catalog)) if rows is None else rows


def register_routes(server: Flask, prefix: str = "/") -> None:
    """Register the routes under ``prefix`` (the app's URL prefix, ending in "/")."""

    @server.before_request
    def refuse_oversized_requests() -> Response | None:
        if request.path.startswith((prefix + "datasets", prefix + "place-song")):
            return None  # uploads have their own limits (core.datasets.StoreLimits, app.placement)
        if (request.content_length or 0) > MAX_REQUEST_BYTES:
            return _plain("This request is larger than this server takes.", 413)
        request.max_content_length = MAX_REQUEST_BYTES  # bodies without a length (chunked) too
        return None

    @server.before_request
    def refuse_forged_callbacks() -> Response | None:
        if not request.path.endswith("/_dash-update-component") or request.method != "POST":
            return None
        reason = malformed_callback(request.get_json(silent=True), prefix)
        if reason is None:
            return None
        log.info("refused a callback request: %.*s", MAX_LOGGED_CHARS, reason)
        return _plain("Malformed callback request.", 400)

    @server.after_request
    def name_worker(response: Response) -> Response:
        """Which worker process answered: for operators reading logs, and the serving tests."""
        response.headers["X-Worker-Pid"] = str(os.getpid())
        return response

    @server.after_request
    def cache_versioned_assets(response: Response) -> Response:
        """Dash links every file in assets/ with ``?m=<modification time>``, so such a URL
        never changes content: the browser may keep it a year instead of asking again on
        every visit (Dash's own bundles carry a version in their name and get the same)."""
        if response.status_code == 200 and request.path.startswith(prefix + "assets/") and "m" in request.args:
            response.cache_control.public = True
            response.cache_control.max_age = ASSET_MAX_AGE_S
            response.cache_control.no_cache = None
        return response

    @server.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        """No traceback page, ever. Errors inside callbacks are handled by the app's on_error,
        so one that reaches here from the callback route comes from a malformed request."""
        if isinstance(error, HTTPException):
            return error
        if "/_dash-component-suites/" in request.path and isinstance(error, DependencyException | OSError):
            return _plain("Not found.", 404)  # a script Dash does not serve (or a path probing for one)
        if request.path.endswith("/_dash-update-component"):
            log.warning("malformed callback request: %s: %.*s", type(error).__name__, MAX_LOGGED_CHARS, str(error))
            return _plain("Malformed callback request.", 400)
        log.exception("request failed: %s", request.path, exc_info=error)
        return _plain("Something went wrong on the server; it has been logged.", 500)

    @server.get(prefix + "healthz")
    def healthz() -> Response:
        """200 while the app can serve: the catalog is loaded and the shared stores answer
        (the model cache and the job queue: the same Redis when there is one); else 503
        with the same JSON, saying which is unreachable."""
        context = app_context()
        catalog = context.engine.catalog
        cache = _reachability(context.engine.cache.store)
        jobs = cache if context.jobs == "celery" else _reachability(None)
        ok = cache["reachable"] and jobs["reachable"]
        body = jsonify(
            status="ok" if ok else "unavailable",
            songs=len(catalog),
            dataset=catalog.report.source,
            demo=catalog.is_demo,
            fingerprint=catalog.fingerprint,
            cache={"backend": context.engine.cache.backend, **cache},
            jobs={"manager": context.jobs, **jobs},
        )
        return body if ok else (body, 503)

    @server.get(prefix + "previews/<path:song_id>")
    def preview_file(song_id: str) -> Response:
        """A song's local audio file, with HTTP Range support so the player can seek.

        The URL names a song id, never a path: the file is looked up among the audio
        files directly inside the previews folder (symlinks leading out are ignored)."""
        context = app_context()
        row = context.engine.catalog.row_of(song_id)
        if row is None:
            return _plain("No such song.", 404)
        song = context.engine.catalog.songs.iloc[row]
        path = context.previews.local_file(song_id, str(song["title"]), str(song["artist"]), song.get("path"))
        if path is None:
            return _plain("No local preview for this song.", 404)
        return send_file(path, mimetype=AUDIO_TYPES[path.suffix.lower()], conditional=True, max_age=3600)

    def download(make: Callable[[ResolvedView, np.ndarray | None], str | bytes], suffix: str, mimetype: str):
        """A download of the view the query names: all its songs, or one cluster with ``cluster=``;
        a plain 4xx/503 when the query is bad or its models are not computed yet."""
        context = app_context()
        try:
            query, problems = context.parse(request.args.to_dict())
        except DatasetError as exc:
            return _plain(f"Cannot download: {exc}", 404)
        if problems:
            return _plain("Cannot download: " + " ".join(problems), 400)
        try:
            view = context.resolve(query)
            rows = None if query.cluster is None else (view.clustering.labels == query.cluster).nonzero()[0]
            body = make(view, rows)
        except DatasetError as exc:
            return _plain(f"Cannot download: {exc}", 400)
        except NotReady as missing:
            response = _plain(
                f"Not ready yet: {missing.what} is still being computed. Open this view in the app, "
                "then download again.",
                503,
            )
            response.headers["Retry-After"] = "30"
            return response
        name = f"{view.catalog.report.source.rsplit('.', 1)[0]}-k{query.k}"
        if query.cluster is not None:
            name += f"-cluster{query.cluster}"
        filename = _FILENAME_SAFE.sub("_", name) + suffix
        return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{filename}"'})

    @server.get(prefix + "download/songs.csv")
    def download_songs() -> Response:
        """The labelled songs as CSV (cluster, features, PCA coordinates)."""
        return download(
            lambda view, rows: to_csv_bytes(labelled_songs(view.catalog, view.clustering, view.projection, rows)),
            ".csv",
            "text/csv",
        )

    @server.get(prefix + "download/playlist.m3u8")
    def download_playlist() -> Response:
        """The songs that have their own audio file, as an M3U8 playlist of paths relative to
        the music (previews) folder: save it there and any player plays the cluster."""
        return download(
            lambda view, rows: m3u8_playlist(
                view.catalog,
                _every(view, rows),
                app_context().previews.local_file,
                app_context().previews.settings.folder,
            ),
            ".m3u8",
            "audio/x-mpegurl",
        )

    @server.get(prefix + "download/spotify-uris.txt")
    def download_spotify_uris() -> Response:
        """The songs with Spotify track ids as ``spotify:track:`` URIs, one per line: paste them
        into a Spotify playlist."""
        return download(
            lambda view, rows: "".join(uri + "\n" for uri in spotify_uris(view.catalog, _every(view, rows))),
            ".txt",
            "text/plain",
        )
