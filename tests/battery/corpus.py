"""A corpus of malformed song files, each as an attacker or an unlucky export would make it.

``CORPUS`` maps a case name to the file's bytes. Every case must either load (a
catalog of at least three songs with every feature value finite and in its range) or
be refused with a DatasetError whose message says why: never another exception, never a
hang, never a traceback or a server error.
"""

from __future__ import annotations

import codecs
import gzip
import io
import zipfile

GOOD_HEADER = "song_title,artist,danceability,energy,tempo,valence,duration_ms"
GOOD_ROWS = [
    f"Song {i},Artist {i % 5},0.{i % 9 + 1},0.{(i * 7) % 9 + 1},{90 + i},0.{(i * 3) % 9 + 1},{180000 + i}"
    for i in range(30)
]


def _csv(header: str = GOOD_HEADER, rows: list[str] | None = None, newline: str = "\n") -> bytes:
    return newline.join([header, *(GOOD_ROWS if rows is None else rows)]).encode() + newline.encode()


def _with(column: int, value: str, every: int = 3) -> list[str]:
    """The good rows with field ``column`` set to ``value`` in every ``every``-th row."""
    rows = []
    for i, row in enumerate(GOOD_ROWS):
        fields = row.split(",")
        if i % every == 0:
            fields[column] = value
        rows.append(",".join(fields))
    return rows


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("songs.csv", _csv())
    return buffer.getvalue()


CORPUS: dict[str, bytes] = {
    # not a table at all
    "empty": b"",
    "whitespace-only": b"  \n\t\n  \n",
    "header-only": GOOD_HEADER.encode() + b"\n",
    "header-only-no-newline": GOOD_HEADER.encode(),
    "png-image": b"\x89PNG\r\n\x1a\n" + bytes(2000),
    "nul-bytes-in-text": _csv().replace(b"Song 3", b"So\x00ng 3"),
    "html-page": b"<!DOCTYPE html><html><head><title>Songs</title></head><body>x</body></html>",
    "xml-document": b'<?xml version="1.0"?><songs><song title="a"/></songs>',
    "svg-image": b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>',
    "json-array": b'[{"song_title": "a", "energy": 0.5, "tempo": 120}]',
    "gzip-not-declared": gzip.compress(_csv()),
    "zip-archive": _zip(),
    # shapes that made the parser hang or blow up
    "10mb-of-commas": b"," * 10_000_000,
    "200k-duplicate-columns": (",".join(["energy"] * 200_000) + "\n" + ",".join(["1"] * 200_000) + "\n").encode(),
    "1001-columns": (",".join(f"c{i}" for i in range(1001)) + "\n" + ",".join("1" * 1001) + "\n").encode(),
    "duplicate-feature-names": _csv(
        "song_title,energy,energy,tempo,tempo", [f"S{i},0.{i % 9},0.5,{100 + i},90" for i in range(10)]
    ),
    "empty-header-names": _csv(",,,,", [f"S{i},0.5,0.4,120,0.3" for i in range(10)]),
    "one-5mb-line": _csv(rows=[*GOOD_ROWS, "x" * 5_000_000]),
    # columns that cannot be told apart
    "no-title-column": _csv("naam,energy,tempo", [f"S{i},0.5,{100 + i}" for i in range(10)]),
    "one-feature-only": _csv("song_title,energy", [f"S{i},0.5" for i in range(10)]),
    "features-all-text": _csv("song_title,energy,tempo", [f"S{i},loud,fast" for i in range(10)]),
    "features-half-text": _csv(
        "song_title,energy,tempo", [f"S{i},{'loud' if i % 2 else '0.5'},120" for i in range(10)]
    ),
    # numbers no song can have
    "1e308-energy": _csv(rows=_with(3, "1e308")),
    "inf-and-nan": _csv(rows=_with(4, "inf", 2) + _with(5, "-inf", 3)[:5] + _with(2, "nan")[:5]),
    "negative-duration": _csv(rows=_with(6, "-180000")),
    "duration-overflow": _csv(rows=_with(6, "1e300")),
    "scores-above-one": _csv(rows=_with(2, "7.5", 2)),
    "every-value-absurd": _csv(rows=[f"S{i},A,9,9,-1,9,-5" for i in range(10)]),
    # delimiters, quotes and line endings
    "semicolons-decimal-commas": _csv(
        GOOD_HEADER.replace(",", ";"), [r.replace(",", ";").replace(".", ",") for r in GOOD_ROWS]
    ),
    "semicolons-exponent-commas": _csv(
        "song_title;energy;tempo;instrumentalness", [f"S{i};0,5;120;6,34e-06" for i in range(10)]
    ),
    "tab-separated": _csv(GOOD_HEADER.replace(",", "\t"), [r.replace(",", "\t") for r in GOOD_ROWS]),
    "pipe-separated": _csv(GOOD_HEADER.replace(",", "|"), [r.replace(",", "|") for r in GOOD_ROWS]),
    "mixed-delimiters": _csv(rows=[r.replace(",", ";") if i % 2 else r for i, r in enumerate(GOOD_ROWS)]),
    "rows-with-extra-fields": _csv(rows=[r + ",extra,more" if i % 4 == 0 else r for i, r in enumerate(GOOD_ROWS)]),
    "rows-with-missing-fields": _csv(
        rows=[",".join(r.split(",")[:3]) if i % 4 == 0 else r for i, r in enumerate(GOOD_ROWS)]
    ),
    "trailing-delimiter": _csv(GOOD_HEADER, [r + "," for r in GOOD_ROWS]),
    "unterminated-quote": _csv(rows=[*GOOD_ROWS, '"Never closed,A,0.5,0.5,120,0.5,180000']),
    "quote-inside-field": _csv(rows=[r.replace("Song", 'So"ng') for r in GOOD_ROWS]),
    "crlf-line-endings": _csv(newline="\r\n"),
    "cr-only-line-endings": _csv(newline="\r"),
    # encodings
    "utf8-bom": codecs.BOM_UTF8 + _csv(),
    "utf16-with-bom": _csv().decode().encode("utf-16"),
    "windows-1252": _csv(rows=[r.replace("Song", "Café Señor ‘quoted’") for r in GOOD_ROWS]).decode().encode("cp1252"),
    "invalid-utf8-bytes": _csv().replace(b"Song 1,", b"Song \xff\xfe\xc3,"),
    # hostile text
    "1mb-title": _csv(rows=[("T" * 1_000_000 if i == 0 else "") + r for i, r in enumerate(GOOD_ROWS)]),
    "markup-titles": _csv(rows=[r.replace("Song", '<img src=x onerror="alert(1)">') for r in GOOD_ROWS]),
    "formula-titles": _csv(rows=[r.replace("Song", '=HYPERLINK("http://evil.example";"x")') for r in GOOD_ROWS]),
    "unsafe-ids": _csv("id," + GOOD_HEADER, [f"../../etc/passwd {i}," + r for i, r in enumerate(GOOD_ROWS)]),
    "javascript-previews": _csv(GOOD_HEADER + ",preview_url", [r + ",javascript:alert(1)" for r in GOOD_ROWS]),
    # too few songs once cleaned
    "one-song": _csv(rows=GOOD_ROWS[:1]),
    "two-songs": _csv(rows=GOOD_ROWS[:2]),
    "every-row-the-same-song": _csv(rows=[GOOD_ROWS[0]] * 500),
    "every-title-empty": _csv(rows=["," + r.split(",", 1)[1] for r in GOOD_ROWS]),
}
