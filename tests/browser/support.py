"""What the browser tests do the way a user would: open pages, move the K slider, click
points in the WebGL plot, and wait for what they would see (never for a fixed time).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

import numpy as np
from dash.testing.browser import Browser
from scipy.spatial import cKDTree
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException, WebDriverException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.actions.action_builder import ActionBuilder
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

TIMEOUT = 20
#: Console messages that are not errors of the app: WebGL on a software rasteriser
#: (SwiftShader in headless Chromium) reports slow paths; Chromium warns, it does not fail.
BENIGN_CONSOLE = re.compile(
    r"GPU stall due to ReadPixels|SwiftShader|software WebGL|WebGL.*(performance|fallback)|GroupMarkerNotSet",
    re.IGNORECASE,
)


# -- waiting ---------------------------------------------------------------------------
def wait_until(driver: WebDriver, condition: Callable[[WebDriver], Any], what: str, timeout: float = TIMEOUT) -> Any:
    """Poll ``condition`` until it returns something truthy; fail saying ``what`` never happened."""

    def check(d: WebDriver) -> Any:
        try:
            return condition(d)
        except (StaleElementReferenceException, WebDriverException):
            return False

    return WebDriverWait(driver, timeout, poll_frequency=0.1).until(check, message=f"timed out waiting for {what}")


def query(driver: WebDriver) -> dict[str, str]:
    """The current URL's query as a flat dict."""
    return {name: values[-1] for name, values in parse_qs(urlsplit(driver.current_url).query).items()}


def path(driver: WebDriver) -> str:
    return urlsplit(driver.current_url).path


def wait_for_query(driver: WebDriver, **expected: str | None) -> dict[str, str]:
    """Wait until the URL's query has these values (None: the parameter is absent)."""

    def matches(d: WebDriver) -> tuple[dict[str, str]] | None:
        current = query(d)
        ok = all(current.get(name) == (None if value is None else str(value)) for name, value in expected.items())
        return (current,) if ok else None  # a tuple: an empty query is still a match

    return wait_until(driver, matches, f"the URL query to have {expected}")[0]


def js_count(driver: WebDriver, selector: str) -> int:
    """How many elements match now (no implicit wait)."""
    return int(driver.execute_script("return document.querySelectorAll(arguments[0]).length", selector))


def wait_for_count(driver: WebDriver, selector: str, count: int) -> None:
    wait_until(driver, lambda d: js_count(d, selector) == count, f"{count} × {selector}")


def wait_for_text(driver: WebDriver, selector: str, text: str) -> WebElement:
    """Wait until the first element matching ``selector`` shows exactly ``text``."""

    def shown(d: WebDriver) -> WebElement | None:
        elements = d.find_elements(By.CSS_SELECTOR, selector)
        return elements[0] if elements and elements[0].text.strip() == text else None

    return wait_until(driver, shown, f"{selector} to read {text!r}")


def wait_idle(driver: WebDriver) -> None:
    """No Dash callback running and nothing loading: what the user sees is final."""
    wait_until(
        driver,
        lambda d: d.execute_script(
            "return !document.querySelector('[data-dash-is-loading=\"true\"]')"
            " && document.querySelectorAll('._dash-loading, .dash-spinner').length === 0"
        ),
        "the page to stop loading",
    )


def open_page(browser: Browser, url_path: str, ready: str) -> None:
    """Load ``url_path`` (a fresh page load, as from the address bar) and wait for ``ready``."""
    browser.driver.get(browser.server_url.rstrip("/") + url_path)
    browser.wait_for_element(ready, timeout=TIMEOUT)


# -- the K slider -------------------------------------------------------------------------
SLIDER_THUMB = "#k-control [role=slider]"


def slider_k(driver: WebDriver) -> str:
    return driver.find_element(By.CSS_SELECTOR, SLIDER_THUMB).get_attribute("aria-valuenow")


def click_k_mark(driver: WebDriver, k: int) -> None:
    """Click the slider's mark labelled ``k`` (a real pointer click on the track there)."""
    marks = [m for m in driver.find_elements(By.CSS_SELECTOR, "#k-control .dash-slider-mark") if m.text == str(k)]
    assert marks, f"the K slider has no mark {k}"
    ActionChains(driver).move_to_element(marks[0]).click().perform()
    wait_until(driver, lambda d: slider_k(d) == str(k), f"the K slider to show {k}")


# -- the 3D plot -----------------------------------------------------------------------------
#: Screen positions (viewport pixels) of every song drawn in the 3D explorer, computed the
#: way plotly places its own hover labels: scaled data -> model -> view -> projection
#: matrices of the current camera, then into the scene's domain. Returns null until the
#: WebGL scene exists.
_PROJECT_POINTS_JS = """
const gd = document.querySelector('#explorer-graph .js-plotly-plot');
const scene = gd && gd._fullLayout && gd._fullLayout.scene && gd._fullLayout.scene._scene;
if (!scene || !scene.glplot || !scene.glplot.cameraParams || !gd._fullData) return null;
const cam = scene.glplot.cameraParams, ds = scene.dataScale, size = gd._fullLayout._size;
const dom = scene.fullSceneLayout.domain, rect = gd.getBoundingClientRect();
const xf = (m, v) => { const r = [0, 0, 0, 0];
  for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) r[j] += m[4 * i + j] * v[i]; return r; };
const points = [];
gd._fullData.forEach(t => {
  if (t.name === 'selected' || !t.z) return;
  for (let i = 0; i < t.x.length; i++) {
    const p = xf(cam.projection, xf(cam.view, xf(cam.model, [t.x[i] * ds[0], t.y[i] * ds[1], t.z[i] * ds[2], 1])));
    points.push({
      id: String(t.customdata[i]),
      x: rect.left + size.l + dom.x[0] * size.w + 0.5 * (1 + p[0] / p[3]) * size.w * (dom.x[1] - dom.x[0]),
      y: rect.top + size.t + (1 - dom.y[1]) * size.h + 0.5 * (1 - p[1] / p[3]) * size.h * (dom.y[1] - dom.y[0]),
    });
  }
});
return points;
"""


_SCATTER_POINTS_JS = """
const gd = document.querySelector('#' + arguments[0] + ' .js-plotly-plot');
if (!gd || !gd._fullData || !gd._fullLayout.xaxis || !gd._fullLayout.xaxis.l2p) return null;
const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis, rect = gd.getBoundingClientRect();
const points = [];
gd._fullData.forEach(t => {
  if (t.name === 'selected' || !t.customdata) return;
  for (let i = 0; i < t.x.length; i++) points.push({id: String(t.customdata[i]),
    x: rect.left + xa._offset + xa.l2p(t.x[i]), y: rect.top + ya._offset + ya.l2p(t.y[i])});
});
return points.length ? points : null;
"""


def scatter_points(driver: WebDriver, graph_id: str) -> list[dict[str, Any]]:
    """Every song's viewport position in a 2D scatter (plotly's own axis mapping), with ``gap``,
    once the page has stopped moving: two reads 0.3 s apart agree (a panel or notice rendered
    late above the plot, or a redraw with new axis ranges, moves every point)."""
    driver.execute_script(
        "document.getElementById(arguments[0]).scrollIntoView({block: 'center', behavior: 'instant'})", graph_id
    )
    return _with_gaps(
        _still(driver, lambda d: d.execute_script(_SCATTER_POINTS_JS, graph_id), f"{graph_id} to be drawn and still")
    )


def scatter_point(driver: WebDriver, graph_id: str, song_id: str) -> dict[str, Any]:
    """Viewport position of ``song_id`` in a 2D scatter."""
    found = [p for p in scatter_points(driver, graph_id) if p["id"] == song_id]
    assert found, f"{song_id} is not drawn in {graph_id}"
    return found[0]


def projected_points(driver: WebDriver) -> list[dict[str, Any]]:
    """Every drawn song's on-screen position in the 3D plot, with ``gap``, once the scene is
    drawn and still (two reads 0.3 s apart agree: a card rendered late above the plot moves
    every point)."""
    driver.execute_script(
        "document.querySelector('#explorer-graph').scrollIntoView({block: 'start', behavior: 'instant'})"
    )
    return _with_gaps(
        _still(driver, lambda d: d.execute_script(_PROJECT_POINTS_JS), "the 3D scene to be drawn and still")
    )


def _with_gaps(points: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``points`` each given ``gap``: its distance on screen to the nearest other point (a k-d
    tree: a million-song catalog draws tens of thousands)."""
    if len(points) < 2:
        return [{**p, "gap": float("inf")} for p in points]
    xy = np.array([(p["x"], p["y"]) for p in points], dtype=float)
    distances, _ = cKDTree(xy).query(xy, k=2)
    return [{**p, "gap": float(gap)} for p, gap in zip(points, distances[:, 1], strict=True)]


def _still(driver: WebDriver, read: Callable[[WebDriver], Any], what: str) -> Any:
    """Wait until ``read`` gives the same truthy answer twice, 0.3 s apart; return it."""
    previous: Any = None

    def settled(d: WebDriver) -> Any:
        nonlocal previous
        current = read(d)
        same = bool(current) and current == previous
        previous = current
        if not same:
            time.sleep(0.3)
        return current if same else None

    return wait_until(driver, settled, what)


def isolated_point(points: list[dict[str, Any]], among: Callable[[str], bool] = lambda _id: True) -> dict[str, Any]:
    """The song (whose id passes ``among``) farthest on screen from any other drawn song."""
    best = max((p for p in points if among(p["id"])), key=lambda p: p["gap"])
    assert best["gap"] >= 6, f"no song stands alone in the plot (best gap {best['gap']:.1f}px)"
    return best


def hovered_song(driver: WebDriver, graph_id: str = "explorer-graph") -> str | None:
    """The song whose hover label ``graph_id`` shows now (plotly's own hover data), or None."""
    return driver.execute_script(
        """const gd = document.querySelector('#' + arguments[0] + ' .js-plotly-plot');
        if (!gd || !gd.querySelector('.hovertext')) return null;
        const scene = gd._fullLayout.scene && gd._fullLayout.scene._scene;  // 3D keeps its own
        const points = scene ? scene.oldEventData && scene.oldEventData.points : gd._hoverdata;
        const song = points && points.length ? points[0].customdata : undefined;
        return song === undefined || song === null ? null : String(song);""",
        graph_id,
    )


def click_point(
    driver: WebDriver, point: dict[str, Any], until: Callable[[WebDriver], Any] | None = None, what: str = ""
) -> str:
    """Point at a song of the explorer's main plot (3D or 2D) as a user does: move there, wait
    for its hover label, click without moving; then wait for ``until`` (by default: the
    panel of the song the label named). Returns the song the label named."""
    labelled = point_at(driver, point)
    press(driver)
    if until is None:
        until, what = (lambda d: panel_song(d) == labelled), f"the panel of {labelled}, as its label named"
    wait_until(driver, until, what)
    return labelled


def press(driver: WebDriver) -> None:
    """Press and release the mouse button where the pointer is, without moving it."""
    click = ActionBuilder(driver)
    click.pointer_action.pointer_down().pointer_up()
    click.perform()


def point_at(driver: WebDriver, point: dict[str, Any]) -> str:
    """Move the pointer onto ``point`` and return the song its hover label names. WebGL picks
    on the frame after a move: when a redraw swallowed that frame, move again a pixel aside
    and back, as a user nudges the mouse."""
    deadline = time.monotonic() + TIMEOUT
    nudge = 0
    while True:
        move = ActionBuilder(driver)
        move.pointer_action.move_to_location(point["x"] + nudge, point["y"])
        move.perform()
        try:
            return wait_until(driver, lambda d: hovered_song(d), f"a hover label at {point['id']}", timeout=3)
        except TimeoutException:
            if time.monotonic() > deadline:
                raise
        nudge = 1 - nudge


def click_at(driver: WebDriver, point: dict[str, Any]) -> None:
    """An ordinary mouse click at a point of a 2D plot (plotly reports it on release)."""
    click = ActionBuilder(driver)
    click.pointer_action.move_to_location(point["x"], point["y"]).click()
    click.perform()


def hover_point(driver: WebDriver, point: dict[str, Any], until: Callable[[WebDriver], Any], what: str) -> None:
    """Move the mouse over a point of a plot (no button) and wait for ``until``."""
    move = ActionBuilder(driver)
    move.pointer_action.move_to_location(point["x"], point["y"])
    move.perform()
    wait_until(driver, until, what)


def drag(driver: WebDriver, start: tuple[float, float], end: tuple[float, float], steps: int = 12) -> None:
    """Press at ``start``, move in ``steps`` to ``end``, release (drag-to-rotate)."""
    actions = ActionBuilder(driver)
    actions.pointer_action.move_to_location(*start).pointer_down()
    for i in range(1, steps + 1):
        f = i / steps
        actions.pointer_action.move_to_location(start[0] + f * (end[0] - start[0]), start[1] + f * (end[1] - start[1]))
    actions.pointer_action.pointer_up()
    actions.perform()


def graph_data(driver: WebDriver, graph_id: str) -> list[dict[str, Any]]:
    """Type, name and song ids (customdata) of each trace plotly drew in ``graph_id``."""
    return driver.execute_script(
        """
        const gd = document.querySelector('#' + arguments[0] + ' .js-plotly-plot');
        if (!gd || !gd._fullData) return null;
        return gd._fullData.map(t => ({type: t.type, name: t.name,
            ids: t.customdata ? Array.from(t.customdata, String) : []}));
        """,
        graph_id,
    )


def camera_eye(driver: WebDriver) -> dict[str, float]:
    return driver.execute_script(
        "const gd = document.querySelector('#explorer-graph .js-plotly-plot');"
        "return gd._fullLayout.scene._scene.getCamera().eye;"
    )


# -- the song panel ---------------------------------------------------------------------------
def panel_song(driver: WebDriver) -> str | None:
    """Id of the song whose panel is open, or None."""
    return driver.execute_script(
        "const p = document.querySelector('.song-panel'); return p ? p.getAttribute('data-song') : null;"
    )


def wait_for_panel(driver: WebDriver, song_id: str) -> None:
    wait_until(driver, lambda d: panel_song(d) == song_id, f"the song panel of {song_id}")


def neighbour_ids(driver: WebDriver) -> list[str]:
    """Song ids of the neighbour buttons in the open panel, in order."""
    buttons = driver.find_elements(By.CSS_SELECTOR, ".song-panel .neighbour .neighbour-link")
    return [json.loads(b.get_attribute("id"))["song"] for b in buttons]


# -- the console ----------------------------------------------------------------------------------
def console_errors(browser: Browser) -> list[dict[str, Any]]:
    """SEVERE browser console entries not read yet (reading clears them), minus WebGL noise."""
    return [
        entry
        for entry in browser.get_logs() or []
        if entry.get("level") == "SEVERE" and not BENIGN_CONSOLE.search(entry.get("message", ""))
    ]


def shown_callback_error(driver: WebDriver) -> str | None:
    """Text of the shell's callback-error alert when it is open (a callback raised)."""
    return driver.execute_script(
        "const a = document.getElementById('callback-error');"
        "return a && a.offsetParent !== null && a.textContent.trim() ? a.textContent.trim() : null;"
    )
