"""Every component id shared between modules: one home, so a layout and the callbacks
(and the browser tests) that address it cannot drift apart.

Ids used inside a single page module stay there, prefixed with the page's name.
Pattern-matching ids are built by the factories below; ``ALL``/``MATCH`` stand in for a
part when a callback listens to every such component.
"""

from __future__ import annotations

from typing import Any

from dash import ALL

#: The shell's store of the clustering settings the controls show, in URL form (strings,
#: defaults left out); pages re-render when it differs from their own query.
SETTINGS = "settings"
#: The URL contract (core.query.url_contract) sent to the browser's URL glue.
SHELL_CONFIG = "shell-config"
K_CONTROL = "k-control"
K_CONTROL_BOX = "k-control-box"
CALLBACK_ERROR = "callback-error"
COPY_LINK = "copy-link"
DATASET_BADGE = "dataset-badge"
NAV_TOGGLER = "nav-toggler"
NAV_COLLAPSE = "nav-collapse"
DATASET_GONE = "dataset-gone"
#: The note of a page comparing clusters when the method found none.
NO_CLUSTERS = "no-clusters"
#: The Open data control (assets/upload.js drives everything inside the panel).
OPEN_DATA_BUTTON = "open-data-button"
OPEN_DATA_PANEL = "open-data-panel"
OPEN_DATA_DROP = "open-data-drop"
UPLOAD_PROGRESS = "upload-progress"
UPLOAD_MESSAGE = "upload-message"
MAPPING_FORM = "mapping-form"
DATASETS_LIST = "datasets-list"
CURRENT_DATASET = "current-dataset"
STARTUP_NOTICES = "startup-notices"
ALGO_CONTROL = "algo-control"
SCALER_CONTROL = "scaler-control"
FEATURES_CONTROL = "features-control"
METHOD_HINT = "method-hint"
#: The explorer's "Where does this song land?" (components.placement; assets/placement.js fills
#: the drop zone and the status, and writes the analysis answer into its store).
PLACE_CARD = "place-card"
PLACE_DROP = "place-drop"
PLACE_STATUS = "place-status"
PLACE_ANALYSIS = "place-analysis"
PLACE_RESULT = "place-result"
PLACE_MARKER = "place-marker"


def method_option(name: str) -> str:
    """The control of a method option (core.methods), e.g. ``option-min-samples``."""
    return "option-" + name.replace("_", "-")


def method_option_box(name: str) -> str:
    """The labelled box around a method option's control (shown only for its method)."""
    return method_option(name) + "-box"


def page_query(page: Any) -> dict[str, Any]:
    """The store holding a page's canonical query (core.query.ViewQuery.to_params)."""
    return {"type": "page-query", "page": page}


def page_body(page: str) -> str:
    return f"{page}-body"


def page_notices(page: str) -> str:
    return f"{page}-notices"


def nav_link(path: Any) -> dict[str, Any]:
    """A navbar link; ``path`` is the page's path under the app's URL prefix."""
    return {"type": "nav-link", "path": path}


def pick_song(page: Any, song_id: Any, source: Any) -> dict[str, Any]:
    """A control that selects ``song_id`` on ``page``; ``source`` tells lists apart (a
    song may be both a search result and a neighbour)."""
    return {"type": "pick-song", "page": page, "song": song_id, "from": source}


def every_pick_song(page: str) -> dict[str, Any]:
    return pick_song(page, ALL, ALL)


def preview_slot(song_id: Any, where: Any, data: Any) -> dict[str, Any]:
    """A placeholder that the app fills with a player once a preview lookup answers;
    ``data`` is the song's dataset id ("" for the operator's)."""
    return {"type": "preview-slot", "song": song_id, "where": where, "data": data}


def page_job_request(page: str) -> str:
    """Holds the query of a view the page could not draw from the cache when it loaded."""
    return f"{page}-job-request"


def page_job(page: str) -> str:
    """Writing a query here starts the page's background job for it."""
    return f"{page}-job"


def job_panel(page: str) -> str:
    """What a running job shows: what it computes, how far it is, and a Cancel button."""
    return f"{page}-job-panel"


def job_progress(page: str) -> str:
    return f"{page}-job-progress"


def job_cancel(page: str) -> str:
    return f"{page}-job-cancel"


def page_job_stop(page: str) -> str:
    """Written in the browser when the page moves on to another view while a job computes
    one it no longer wants: stops that job (it would otherwise draw over the newer view)."""
    return f"{page}-job-stop"


def selection_download(fmt: object) -> dict[str, object]:
    """A download button of the explorer's selection panel: ``fmt`` csv, uris or m3u8 (or ALL)."""
    return {"type": "selection-download", "format": fmt}
