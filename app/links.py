"""Every link the app writes, built one way: under the app's URL prefix, query last.

The prefix is the app's own (``Settings.url_prefix``, from AUDIOSPACE_URL_PREFIX, which
``create_app`` also gives Dash as ``url_base_pathname``), read from the app serving the
request rather than from ``dash.get_relative_path``, whose configuration is the last
app built in the process. A link never spells the prefix itself.
"""

from __future__ import annotations

from urllib.parse import urlencode

from app.context import app_context
from core.previews import Preview


def link(path: str, **params: object) -> str:
    """``path`` ("/explorer", "/download/songs.csv") under the prefix, with the query
    ``params`` (None values left out)."""
    kept = {name: value for name, value in params.items() if value is not None}
    if not path.startswith("/"):
        raise ValueError(f"links are built from absolute paths, not {path!r}")
    base = app_context().settings.url_prefix.rstrip("/") + path
    return f"{base}?{urlencode(kept)}" if kept else base


def playable(preview: Preview | None) -> Preview | None:
    """A preview whose URL the browser can fetch: the app's own routes (``/previews/...``)
    moved under the prefix, other URLs as they are."""
    if preview is None or not preview.url.startswith("/"):
        return preview
    return Preview(link(preview.url), preview.source)
