"""The shell's controls keep one rule each, and what the control, its message and the URL
say always agree: never fewer than two features; a refused method option stays in its box,
marked invalid, while the view keeps its last valid value; K's number box applies on Enter;
for DBSCAN, K is disabled but legible and says why."""

from __future__ import annotations

import pytest
from dash.testing.composite import DashComposite
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import Select

from tests.browser.support import (
    SLIDER_THUMB,
    open_page,
    query,
    slider_k,
    wait_for_query,
    wait_for_text,
    wait_until,
)

pytestmark = pytest.mark.browser

AT_LEAST_TWO = "At least two features are needed to cluster."
K_BOX = "#k-control input[type=number]"


# -- the features control -----------------------------------------------------------------
def _open_features(driver: WebDriver) -> None:
    if driver.find_element(By.ID, "features-control").get_attribute("aria-expanded") != "true":
        driver.find_element(By.ID, "features-control").click()
    wait_until(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".dash-dropdown-content [role=option]"), "the menu")


def _close_features(driver: WebDriver) -> None:
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.ESCAPE)
    wait_until(driver, lambda d: not d.find_elements(By.CSS_SELECTOR, ".dash-dropdown-content"), "the menu to close")


def _option(driver: WebDriver, label: str) -> WebElement:
    """The menu's option labelled ``label`` (the menu is open)."""
    return wait_until(
        driver,
        lambda d: next(
            (o for o in d.find_elements(By.CSS_SELECTOR, "[role=option]") if o.text.strip().lower() == label), None
        ),
        f"the {label} option",
    )


def _ticked(driver: WebDriver) -> dict[str, bool]:
    """Each option the open menu lists: whether it is ticked, keyed by label."""
    return driver.execute_script(
        "return Object.fromEntries([...document.querySelectorAll('[role=option]')]"
        ".map(o => [o.textContent.trim().toLowerCase(), o.querySelector('input').checked]));"
    )


def _locked(driver: WebDriver) -> set[str]:
    """Labels of the options that cannot be changed now (the menu is open)."""
    return set(
        driver.execute_script(
            "return [...document.querySelectorAll('[role=option]')]"
            ".filter(o => o.querySelector('input').disabled).map(o => o.textContent.trim().toLowerCase());"
        )
    )


def _hint(driver: WebDriver) -> str:
    return driver.find_element(By.ID, "method-hint").text.strip()


def _features_shown(driver: WebDriver) -> list[str]:
    """The features the closed control shows, as the user reads them."""
    return [
        v.text.strip().lower()
        for v in driver.find_elements(By.CSS_SELECTOR, "#features-control .dash-dropdown-value-item")
    ]


def _click_menu_button(driver: WebDriver, words: str) -> None:
    """Click the open menu's "Select All" or "Deselect All" button once it shows and settles."""

    def click(d: WebDriver) -> bool:
        d.execute_script("document.querySelector('.dash-dropdown-content').scrollTop = 0")  # the menu's top
        buttons = [b for b in d.find_elements(By.CSS_SELECTOR, ".dash-dropdown-action-button") if b.text == words]
        if buttons:
            buttons[0].click()
        return bool(buttons)

    wait_until(driver, click, f"the menu's {words} button")


def test_the_features_control_never_goes_below_two(duo: DashComposite) -> None:
    """With two ticked, neither can be unticked and a calm hint says why; a third ticked frees
    them and the hint goes; search + Deselect all cannot get round the rule; the control, the
    hint and the URL agree throughout and nothing snaps back later (K still applies)."""
    driver = duo.driver
    open_page(duo, "/?k=4&features=energy,tempo,valence", "#metric-k")
    wait_for_text(driver, "#metric-k .fs-4", "4")
    assert _hint(driver) == ""

    _open_features(driver)
    _option(driver, "valence").click()
    wait_for_query(driver, k="4", features="energy,tempo")
    wait_until(driver, lambda d: _hint(d) == AT_LEAST_TWO, "the at-least-two hint")
    assert "text-danger" not in driver.find_element(By.ID, "method-hint").get_attribute("class")
    wait_until(driver, lambda d: _locked(d) == {"energy", "tempo"}, "energy and tempo to be locked")
    tempo_text = _option(driver, "tempo").find_element(By.CSS_SELECTOR, ".dash-options-list-option-text")
    assert tempo_text.get_attribute("title") == AT_LEAST_TWO  # said where the pointer rests too

    # A click on a locked feature changes nothing: tick valence after it, and all three are in.
    _option(driver, "tempo").click()
    _option(driver, "valence").click()
    wait_for_query(driver, k="4", features="energy,tempo,valence")
    wait_until(driver, lambda d: _hint(d) == "", "the hint to go with a third feature")
    wait_until(driver, lambda d: _locked(d) == set(), "every feature to be free again")
    assert {name for name, on in _ticked(driver).items() if on} == {"energy", "tempo", "valence"}

    # Search "en" lists energy and valence, not tempo: Deselect All would leave tempo alone.
    search = driver.find_element(By.CSS_SELECTOR, ".dash-dropdown-search")
    search.send_keys("en")
    wait_until(
        driver,
        lambda d: {name for name, on in _ticked(d).items() if on} == {"energy", "valence"},
        "the search to list energy and valence (ticked) but not tempo",
    )
    _click_menu_button(driver, "Deselect All")
    wait_for_query(driver, k="4", features="energy,tempo")
    wait_until(driver, lambda d: _hint(d) == AT_LEAST_TWO, "the hint after Deselect all")
    _close_features(driver)
    wait_until(driver, lambda d: sorted(_features_shown(d)) == ["energy", "tempo"], "the control to show two features")

    # Select all frees everything; the URL drops features (all is the default).
    _open_features(driver)
    _click_menu_button(driver, "Select All")
    wait_for_query(driver, k="4", features=None)
    wait_until(driver, lambda d: _hint(d) == "" and _locked(d) == set(), "no hint and no lock with every feature")

    # Back to two, then another control: it applies, and the features stay as shown.
    search = driver.find_element(By.CSS_SELECTOR, ".dash-dropdown-search")
    search.send_keys(Keys.CONTROL, "a")
    search.send_keys(Keys.BACKSPACE)
    for name in ("acousticness", "danceability", "duration", "instrumentalness", "liveness", "loudness", "speechiness"):
        _option(driver, name).click()
    wait_for_query(driver, k="4", features="energy,tempo,valence")
    _option(driver, "valence").click()
    wait_for_query(driver, k="4", features="energy,tempo")
    _close_features(driver)
    driver.find_element(By.CSS_SELECTOR, SLIDER_THUMB).send_keys(Keys.ARROW_RIGHT)
    wait_for_query(driver, k="5", features="energy,tempo")
    wait_for_text(driver, "#metric-k .fs-4", "5")
    assert sorted(_features_shown(driver)) == ["energy", "tempo"]
    assert _hint(driver) == AT_LEAST_TWO


# -- method options -----------------------------------------------------------------------------
def _type(box: WebElement, text: str, key: str = Keys.TAB) -> None:
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(Keys.BACKSPACE)
    box.send_keys(text, key)


def _invalid(driver: WebDriver, control_id: str) -> bool:
    return "is-invalid" in driver.find_element(By.ID, control_id).get_attribute("class")


def _feedback(driver: WebDriver, control_id: str) -> str:
    """The range message shown beside a method option's box ("" when hidden)."""
    return driver.execute_script(
        "const f = document.getElementById(arguments[0]).parentElement.querySelector('.invalid-feedback, "
        ".invalid-tooltip'); return f && getComputedStyle(f).display !== 'none' ? f.textContent.trim() : '';",
        control_id,
    )


@pytest.mark.parametrize("typed", ["-1", "0", "abc", "1001"])
def test_a_refused_eps_stays_marked_in_its_box_and_the_view_keeps_the_last(duo: DashComposite, typed: str) -> None:
    """A refused eps stays in the box, marked invalid with the range it accepts; the URL and
    the view keep eps 0.9, and the next control still applies; a valid eps (Enter) clears it."""
    driver = duo.driver
    open_page(duo, "/?algo=dbscan&eps=0.9", "#metric-k")
    wait_until(driver, lambda d: "eps 0.9" in d.find_element(By.ID, "metric-k").text, "the DBSCAN overview")
    eps = driver.find_element(By.ID, "option-eps")
    assert not _invalid(driver, "option-eps") and _feedback(driver, "option-eps") == ""

    _type(eps, typed)
    wait_until(driver, lambda d: _invalid(d, "option-eps"), f"eps {typed} to be marked invalid")
    assert eps.get_attribute("value") == typed
    assert _feedback(driver, "option-eps") == "A number above 0, at most 1000."
    assert query(driver) == {"k": "5", "algo": "dbscan", "eps": "0.9"}

    # The next change applies with the last valid eps; the refused one stays as typed.
    _type(driver.find_element(By.ID, "option-min-samples"), "6")
    wait_for_query(driver, algo="dbscan", eps="0.9", min_samples="6")
    wait_until(driver, lambda d: "min_samples 6" in d.find_element(By.ID, "metric-k").text, "min samples 6 in the view")
    assert "eps 0.9" in driver.find_element(By.ID, "metric-k").text
    assert eps.get_attribute("value") == typed and _invalid(driver, "option-eps")

    _type(eps, "1.1", Keys.ENTER)
    wait_for_query(driver, algo="dbscan", eps="1.1", min_samples="6")
    wait_until(driver, lambda d: not _invalid(d, "option-eps"), "eps 1.1 to be accepted")
    assert _feedback(driver, "option-eps") == ""
    wait_until(driver, lambda d: "eps 1.1" in d.find_element(By.ID, "metric-k").text, "eps 1.1 in the view")


def test_a_refused_min_samples_says_its_whole_number_range(duo: DashComposite) -> None:
    """min samples is a whole number from 2: 2.5 and 1 are refused in the box, the URL keeps auto."""
    driver = duo.driver
    open_page(duo, "/?algo=dbscan", "#metric-k")
    box = wait_until(driver, lambda d: d.find_element(By.ID, "option-min-samples"), "the min samples box")
    wait_until(driver, lambda d: box.is_displayed(), "the min samples box to show")
    for typed in ("2.5", "1"):
        _type(box, typed)
        wait_until(driver, lambda d: _invalid(d, "option-min-samples"), f"{typed} to be marked invalid")
        assert _feedback(driver, "option-min-samples") == "A whole number from 2 to 10,000."
        assert "min_samples" not in query(driver)
        _type(box, "")
        wait_until(driver, lambda d: not _invalid(d, "option-min-samples"), "an empty box (auto) to be fine")


# -- K ------------------------------------------------------------------------------------------
def test_enter_in_the_k_box_applies_k(duo: DashComposite) -> None:
    """Typing a K and pressing Enter applies it as leaving the box does; the box keeps focus."""
    driver = duo.driver
    open_page(duo, "/", "#metric-k")
    wait_for_text(driver, "#metric-k .fs-4", "5")
    box = driver.find_element(By.CSS_SELECTOR, K_BOX)
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys("3", Keys.ENTER)
    wait_for_query(driver, k="3")
    wait_for_text(driver, "#metric-k .fs-4", "3")
    assert slider_k(driver) == "3"
    assert driver.execute_script("return document.activeElement === arguments[0]", box), "the box lost focus"
    box.send_keys("7", Keys.ENTER)  # Enter selected the box's text: typing replaces it
    wait_for_query(driver, k="7")
    wait_for_text(driver, "#metric-k .fs-4", "7")


_EFFECTIVE_OPACITY = """
const opacity = (el) => {
  let o = 1;
  for (let e = el; e; e = e.parentElement) o *= parseFloat(getComputedStyle(e).opacity);
  return o;
};
return [...document.querySelectorAll(arguments[0])].map(opacity);
"""


def _opacities(driver: WebDriver, selector: str) -> list[float]:
    found = driver.execute_script(_EFFECTIVE_OPACITY, selector)
    assert found, f"nothing matches {selector}"
    return found


def test_k_is_disabled_but_legible_for_dbscan_and_says_why(duo: DashComposite) -> None:
    """DBSCAN: the slider and its box are disabled, at least half opaque, and titled with why;
    K-Means again: enabled, no title."""
    driver = duo.driver
    open_page(duo, "/?algo=dbscan", "#metric-k")
    wait_until(driver, lambda d: d.find_element(By.CSS_SELECTOR, K_BOX).get_attribute("disabled"), "K disabled")
    for selector in (SLIDER_THUMB, "#k-control .dash-slider-mark", "#k-control .dash-slider-track", K_BOX):
        assert min(_opacities(driver, selector)) >= 0.5, f"{selector} is too faint to read"
    title = driver.find_element(By.ID, "k-control-box").get_attribute("title")
    assert "DBSCAN finds its own number of clusters" in title

    Select(driver.find_element(By.ID, "algo-control")).select_by_value("kmeans")
    wait_for_query(driver, k="5", algo=None)
    wait_until(driver, lambda d: not d.find_element(By.CSS_SELECTOR, K_BOX).get_attribute("disabled"), "K enabled")
    assert not driver.find_element(By.ID, "k-control-box").get_attribute("title")
