"""Which audio preview URLs may reach an ``<audio src>``.

Dash does not sanitise ``html.Audio.src``: only https URLs on the hosts of the preview
services below, or the app's own ``/previews/`` route, are ever placed in a page.
"""

from __future__ import annotations

from urllib.parse import urlsplit

#: Exact hosts, and suffixes (leading dot) of hosts, that serve 30-second previews.
ALLOWED_PREVIEW_HOSTS = (
    "p.scdn.co",  # Spotify
    "audio-ssl.itunes.apple.com",  # Apple Music / iTunes
    ".mzstatic.com",  # Apple Music / iTunes
    ".dzcdn.net",  # Deezer
)
LOCAL_PREFIX = "/previews/"


def safe_preview_url(url: object) -> str | None:
    """``url`` when it may be played, else None (javascript:, http:, other hosts, junk)."""
    if not isinstance(url, str) or not url or len(url) > 2048 or any(c in url for c in "\"'<> \n\r\t\\"):
        return None
    if url.startswith(LOCAL_PREFIX) and ".." not in url:
        return url
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme != "https" or parts.username or parts.password or parts.port not in (None, 443):
        return None
    allowed = any(host == h or (h.startswith(".") and host.endswith(h)) for h in ALLOWED_PREVIEW_HOSTS)
    return url if allowed else None


def preview_source(url: str) -> str:
    """Plain name of where a preview comes from, shown next to the player."""
    host = (urlsplit(url).hostname or "").lower()
    if url.startswith(LOCAL_PREFIX):
        return "local file"
    if host.endswith("dzcdn.net"):
        return "Deezer"
    if host.endswith("scdn.co"):
        return "Spotify"
    return "Apple Music"
