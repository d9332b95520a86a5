"""Callback requests a browser running this app could send, and no others.

Dash hands a callback the JSON values its request carried. A forged request can put a
string where a store holds a dict, or a path outside the app where the page router
expects its own: the function (ours, or Dash's own page routing) then raised, and 56 of
310 fuzzed posts ended in a logged traceback and the "something went wrong" apology.
Before Dash sees a callback post, each input and state value is checked against the
JSON types its property can hold in this app; a value no browser would send is refused
with a plain 400, as malformed JSON already is. Values of the right type but wrong
content (a query store with unknown parameters) are the callbacks' to validate, as URL
parameters are (core.query).
"""

from __future__ import annotations

from typing import Any

_NONE = type(None)

#: The JSON types each property holds in this app. ``data``: every store holds a dict
#: (queries, settings, picks) or, for a page's job-stop store, a timestamp.
PROPERTY_TYPES: dict[str, tuple[type, ...]] = {
    "data": (dict, int, float, _NONE),
    "id": (dict, str),
    "pathname": (str, _NONE),
    "search": (str, _NONE),
    "hash": (str, _NONE),
    "href": (str, _NONE),
    "n_clicks": (int, _NONE),
    "clickData": (dict, _NONE),
    "hoverData": (dict, _NONE),
    "relayoutData": (dict, _NONE),
    "selectedData": (dict, _NONE),
    "is_open": (bool, _NONE),
    "className": (str, _NONE),
    "options": (list,),
}


def _refusal(dependency: Any, prefix: str) -> str | None:
    if not isinstance(dependency, dict):
        return "an input that is not an object"
    prop, value = dependency.get("property"), dependency.get("value")
    allowed = PROPERTY_TYPES.get(prop) if isinstance(prop, str) else None
    if allowed is None:
        return None
    if not isinstance(value, allowed) or (isinstance(value, bool) and bool not in allowed):
        return f"{prop} cannot be {type(value).__name__}"
    if prop == "pathname" and isinstance(value, str) and not value.startswith(prefix):
        return f"a path outside the app ({value[:40]!r})"
    return None


def malformed_callback(body: object, prefix: str = "/") -> str | None:
    """Why ``body`` (a callback post's JSON) is not one a browser on this app could send,
    in a few words; None when it could be. ``prefix``: the app's URL prefix."""
    if not isinstance(body, dict):
        return "not a JSON object"
    for group in ("inputs", "state"):
        items = body.get(group, [])
        if not isinstance(items, list):
            return f"{group} is not a list"
        for item in items:
            for dependency in item if isinstance(item, list) else [item]:
                reason = _refusal(dependency, prefix)
                if reason:
                    return reason
    return None
