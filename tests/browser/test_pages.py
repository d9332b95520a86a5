"""Every page opens on its own URL and shows its content; bad URLs get a notice, not an error."""

from __future__ import annotations

import pytest
from dash.testing.composite import DashComposite

from tests.browser.support import (
    js_count,
    open_page,
    path,
    query,
    slider_k,
    wait_for_count,
    wait_for_query,
    wait_for_text,
    wait_idle,
    wait_until,
)

pytestmark = pytest.mark.browser

#: path, what proves the page's main content is there, its document title.
PAGES = [
    ("/", "#metric-k", "Overview"),
    ("/explorer", "#explorer-graph .gl-container canvas", "3D explorer"),
    ("/heatmap", "#heatmap-graph .heatmaplayer", "Heatmap"),
    ("/search", "#search-input", "Search"),
    ("/clusters", ".cluster-card", "Clusters"),
]


def test_each_page_shows_its_content(duo: DashComposite) -> None:
    """Opening each page's URL shows its main content, its title and the active nav link."""
    driver = duo.driver
    for url_path, ready, title in PAGES:
        open_page(duo, url_path, ready)
        wait_until(driver, lambda d, t=title: d.title.startswith(t), f"the title of {url_path}")
        active = driver.find_element("css selector", ".navbar .nav-link.active")
        assert active.get_attribute("href").split("?")[0].endswith(url_path), f"{url_path}: wrong active nav link"
        assert query(driver).get("k") == "5", f"{url_path}: the URL does not carry the default K"

    open_page(duo, "/", "#metric-k")
    for metric in ("metric-songs", "metric-k", "metric-silhouette", "metric-davies-bouldin", "metric-variance"):
        assert duo.find_element(f"#{metric} .fs-4").text.strip(), f"{metric} is empty"
    assert duo.find_element("#metric-songs .fs-4").text == "300"
    assert duo.find_element("#metric-k .fs-4").text == "5"
    for graph in ("overview-elbow", "overview-quality", "overview-sizes"):
        duo.wait_for_element(f"#{graph} .main-svg")

    open_page(duo, "/heatmap", "#heatmap-graph .heatmaplayer")
    wait_for_count(driver, "#heatmap-profile-table tbody tr", 5)

    open_page(duo, "/clusters", ".cluster-card")
    wait_for_count(driver, ".cluster-card", 5)
    assert js_count(driver, ".cluster-card .representative") >= 5
    wait_until(driver, lambda d: js_count(d, ".cluster-card .mini-profile .main-svg") >= 5, "every card's profile")


def test_unknown_path_shows_not_found_with_a_link_home(duo: DashComposite) -> None:
    """A mistyped path shows the not-found page; its link leads back to the overview."""
    open_page(duo, "/no-such-page?k=3", ".not-found")
    assert "does not exist" in duo.find_element(".not-found h3").text
    duo.find_element(".not-found a[href='/']").click()
    duo.wait_for_element("#metric-k", timeout=20)
    assert path(duo.driver) == "/"


#: bad URL, words the notice must contain, what proves a sane page is shown, the URL it settles on.
BAD_URLS = [
    ("/?k=abc", "not a whole number", "#metric-k", {"k": "5"}),
    ("/heatmap?k=-3", "outside 2–12", "#heatmap-graph .heatmaplayer", {"k": "5"}),
    ("/clusters?k=999", "outside 2–12", ".cluster-card", {"k": "5"}),
    ("/explorer?song=nope", "no song with id 'nope'", "#explorer-panel-empty", {"k": "5", "song": None}),
    (
        "/explorer?k=3&cluster=99",
        "cluster='99' does not exist at K=3",
        "#explorer-graph .gl-container canvas",
        {"k": "3"},
    ),
    ("/clusters?k=4&cluster=99", "cluster='99'", ".cluster-card", {"k": "4", "cluster": None}),
    ("/explorer?view=4d&x=nope", "view='4d'", "#explorer-graph .gl-container canvas", {"view": None, "x": None}),
    (
        "/search?song=%3Cscript%3E&q=star",
        "no song with id '<script>'",
        ".search-hit",
        {"k": "5", "song": None, "q": "star"},
    ),
]


def test_bad_parameters_show_a_notice_and_a_fallback(duo: DashComposite) -> None:
    """A bad query value gives a plain notice and the page with a sane value, never an error page."""
    driver = duo.driver
    for url, words, content, canonical in BAD_URLS:
        open_page(duo, url, content)
        wait_until(
            driver,
            lambda d, w=words: w in " ".join(n.text for n in d.find_elements("css selector", ".notice")),
            f"{url}: a notice saying {words!r}",
        )
        wait_idle(driver)
        assert js_count(driver, ".page-error") == 0, f"{url}: the page shows an error instead of content"
        wait_for_query(driver, **canonical)
        assert slider_k(driver) == query(driver)["k"], f"{url}: the K slider disagrees with the URL"
    open_page(duo, "/?k=abc", "#metric-k")
    wait_for_text(driver, "#metric-k .fs-4", "5")
