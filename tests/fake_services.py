"""Small HTTP servers on 127.0.0.1 that answer like the iTunes Search and Deezer APIs."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class FakeService:
    """What the fake answers, and what it was asked.

    ``itunes`` and ``deezer`` map a word that must appear in the query to the results
    returned (iTunes: dicts with trackName, artistName, previewUrl; Deezer: dicts with
    title, artist.name, preview). ``status`` and ``delay_s`` simulate failures.
    """

    itunes: dict[str, list[dict]] = field(default_factory=dict)
    deezer: dict[str, list[dict]] = field(default_factory=dict)
    status: dict[str, int] = field(default_factory=dict)
    delay_s: dict[str, float] = field(default_factory=dict)
    requests: list[tuple[str, str, float]] = field(default_factory=list)
    base_url: str = ""

    def asked(self, service: str) -> list[str]:
        return [query for name, query, _ in self.requests if name == service]


def _handler(fake: FakeService) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            service = parts.path.strip("/").split("/")[0]
            params = parse_qs(parts.query)
            query = (params.get("term") or params.get("q") or [""])[0]
            fake.requests.append((service, query, time.time()))
            time.sleep(fake.delay_s.get(service, 0))
            status = fake.status.get(service, 200)
            if status != 200:
                self.send_response(status)
                self.end_headers()
                return
            table = fake.itunes if service == "itunes" else fake.deezer
            results = [r for word, rs in table.items() if word.lower() in query.lower() for r in rs]
            body = {"resultCount": len(results), "results": results} if service == "itunes" else {"data": results}
            payload = json.dumps(body).encode()
            try:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (the timeout tests do that on purpose)

    return Handler


@contextmanager
def fake_services(fake: FakeService | None = None) -> Iterator[FakeService]:
    """Serve ``fake`` on a free loopback port: iTunes at /itunes/search, Deezer at /deezer/search."""
    fake = fake or FakeService()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
