"""The shell fits any screen: no page scrolls sideways from a phone to a wide laptop, the
navbar folds behind a toggler on narrow screens with K still in view, the dataset badge is
cut with its whole name in a tooltip, and "Copy link" copies on its words too."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import dash
import pytest
from dash.testing.composite import DashComposite
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.actions.action_builder import ActionBuilder
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from tests.browser.conftest import WINDOW
from tests.browser.support import open_page, wait_idle, wait_until

pytestmark = pytest.mark.browser

LONG_NAME = "my_very_long_spotify_export_from_the_playlist_archive_of_2024_all_years_final_v2.csv"
PAGES = (
    ("/", "#overview-sizes"),
    ("/explorer", "#explorer-graph"),
    ("/heatmap", "#heatmap-graph"),
    ("/search", "#search-input"),
    ("/clusters", ".cluster-card"),
)
PHONE = (390, 844)
#: The nav link to the explorer, found whether or not it is shown (LINK_TEXT needs it shown).
EXPLORER_LINK = "//a[contains(@class, 'nav-link') and normalize-space(.)='Explorer']"


@pytest.fixture
def long_named(dash_duo: DashComposite, make_app: Callable[[Path], dash.Dash], catalog_csv: Path, tmp_path: Path):
    """The test catalog under a long file name, served; the window put back afterwards."""
    csv = tmp_path / LONG_NAME
    shutil.copy(catalog_csv, csv)
    dash_duo.driver.implicitly_wait(0)
    dash_duo.start_server(make_app(csv))
    yield dash_duo
    dash_duo.driver.set_window_size(*WINDOW)


def _box(driver: WebDriver, selector: str) -> dict[str, float]:
    return driver.execute_script(
        "const r = document.querySelector(arguments[0]).getBoundingClientRect();"
        "return {left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width, height: r.height};",
        selector,
    )


def _sideways_overflow(driver: WebDriver) -> tuple[int, list[str]]:
    """How many pixels the page is wider than the window (0: it never scrolls sideways), and
    the elements reaching past its right edge (to say what to fix)."""
    return driver.execute_script(
        """const root = document.documentElement, width = root.clientWidth, past = [];
        document.querySelectorAll('body *').forEach(e => { const r = e.getBoundingClientRect();
          if (r.right > width + 0.5 && r.width > 0) past.push(e.tagName + '.' + e.getAttribute('class')); });
        return [root.scrollWidth - width, past.slice(0, 8)];"""
    )


def _assert_fits(driver: WebDriver, what: str) -> None:
    """The page settles with nothing wider than the window (a graph may be a few pixels wide
    for a frame while a scrollbar appears: plotly resizes on the next frame)."""
    try:
        wait_until(driver, lambda d: _sideways_overflow(d)[0] == 0, f"{what} to fit the window", timeout=3)
    except TimeoutException:
        overflow, past = _sideways_overflow(driver)
        raise AssertionError(f"{what} scrolls {overflow} px sideways: {past}") from None


def _inside_window(driver: WebDriver, selector: str) -> bool:
    box, width = _box(driver, selector), driver.execute_script("return document.documentElement.clientWidth")
    return box["width"] > 0 and box["left"] >= 0 and box["right"] <= width


@pytest.mark.parametrize("width", [1024, 1280, 1440])
def test_no_page_scrolls_sideways_and_the_bar_keeps_its_tools_in_view(long_named: DashComposite, width: int) -> None:
    driver = long_named.driver
    driver.set_window_size(width, 800)
    for url, ready in PAGES:
        open_page(long_named, url, ready)
        wait_idle(driver)
        _assert_fits(driver, f"{url} at {width} px")
    assert _box(driver, ".navbar")["height"] < 100, "the bar takes two rows at most"
    if width < 1200:  # the links and tools fold behind the toggler
        assert not driver.find_element(By.ID, "dataset-badge").is_displayed()
        driver.find_element(By.CSS_SELECTOR, ".navbar-toggler").click()
        wait_until(driver, lambda d: d.find_element(By.ID, "dataset-badge").is_displayed(), "the menu to open")
    for selector in ("#dataset-badge", ".copy-link", "#open-data-button", "#k-control"):
        wait_until(driver, lambda d, s=selector: _inside_window(d, s), f"{selector} inside the {width} px window")
    badge = driver.find_element(By.ID, "dataset-badge")
    assert badge.get_attribute("title").startswith(LONG_NAME), "the badge's tooltip has the whole name"
    if width >= 1200:  # in a one-row bar a long name is cut short (the open menu has room for it)
        assert driver.execute_script("const b = arguments[0]; return b.scrollWidth > b.clientWidth", badge)


def test_on_a_phone_the_bar_folds_and_k_stays_usable(long_named: DashComposite) -> None:
    driver = long_named.driver
    driver.set_window_size(*PHONE)
    for url, ready in PAGES:
        open_page(long_named, url, ready)
        wait_idle(driver)
        _assert_fits(driver, f"{url} on a phone")
    navbar, thumb = _box(driver, ".navbar"), _box(driver, "#k-control [role=slider]")
    assert navbar["height"] < 120, f"the closed bar is {navbar['height']:.0f} px tall"
    assert _inside_window(driver, "#k-control") and navbar["top"] < thumb["top"] < thumb["bottom"] < navbar["bottom"]
    assert not driver.find_element(By.XPATH, EXPLORER_LINK).is_displayed()

    driver.find_element(By.CSS_SELECTOR, ".navbar-toggler").click()
    wait_until(driver, lambda d: d.find_element(By.XPATH, EXPLORER_LINK).is_displayed(), "the menu to open")
    wait_until(driver, lambda d: _inside_window(d, "#dataset-badge"), "the badge inside the window")
    badge, k_control = _box(driver, "#dataset-badge"), _box(driver, "#k-control")
    assert badge["bottom"] <= k_control["top"] or badge["top"] >= k_control["bottom"], "the badge covers K"
    _assert_fits(driver, "the open menu on a phone")
    driver.find_element(By.XPATH, EXPLORER_LINK).click()
    long_named.wait_for_element("#explorer-graph")


def test_copy_link_copies_when_its_words_are_clicked(duo: DashComposite) -> None:
    driver = duo.driver
    open_page(duo, "/explorer?k=3", "#explorer-graph")
    wait_idle(driver)
    driver.execute_cdp_cmd(
        "Browser.grantPermissions",
        {"origin": duo.server_url.rstrip("/"), "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]},
    )
    driver.execute_async_script("navigator.clipboard.writeText('nothing copied yet').then(arguments[0])")
    words = driver.find_element(By.CSS_SELECTOR, ".copy-link-words")
    box = _box(driver, ".copy-link-words")
    click = ActionBuilder(driver)  # a real click on the middle of the words, not on the icon
    click.pointer_action.move_to_location(int(box["left"] + box["width"] / 2), int(box["top"] + box["height"] / 2))
    click.pointer_action.click()
    click.perform()
    copied = wait_until(
        driver,
        lambda d: d.execute_async_script(
            "const done = arguments[0]; navigator.clipboard.readText().then(t => done(t.startsWith('http') ? t : null),"
            " () => done(null));"
        ),
        "a link on the clipboard",
    )
    assert copied == driver.current_url and "k=3" in copied
    assert words.text == "Copy link"
