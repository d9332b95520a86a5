"""The genre check with a messy genre column beside a clean one: the page compares the
clusters with the clean column by default and says so; the reader can choose the messy one
(it goes in the URL, its cells are split, its heatmap is capped); the URL restores the
choice in a fresh browser; a label the dataset does not have gets a notice and the default."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import dash
import numpy as np
import pytest
from dash.testing.browser import Browser
from dash.testing.composite import DashComposite
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver

from tests.browser.support import open_page, query, wait_for_query, wait_until

pytestmark = pytest.mark.browser

CLASSES = ("blues", "country", "disco", "metal", "reggae", "swing")
#: 30 genre names; each song with genres has one to three of them, ";"-joined.
GENRE_WORDS = [f"{a} {b}" for a in ("dance", "indie", "dark", "soft", "neo") for b in ("pop", "rock", "soul", "folk")]
GENRE_WORDS += ["jazz", "house", "trap", "grime", "ska", "dub", "emo", "lo-fi", "ambient", "drill"]
#: Songs whose ``label`` cell says "n/a" (every 25th).
LABEL_UNKNOWN_EVERY = 25


@pytest.fixture
def labels_csv(tmp_path: Path, catalog_csv: Path) -> Path:
    """The browser catalog with a clean ``label`` column (6 classes, a few "n/a") and a messy
    ``genres`` column: semicolon-joined combinations of 30 genres, a third "unknown" or empty."""
    with catalog_csv.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    rng = np.random.default_rng(11)
    for i, row in enumerate(rows):
        row["label"] = "n/a" if i % LABEL_UNKNOWN_EVERY == 0 else CLASSES[i % len(CLASSES)]
        if i % 3 == 0:
            row["genres"] = "unknown" if i % 2 else ""
        else:
            row["genres"] = ";".join(rng.choice(GENRE_WORDS, size=int(rng.integers(1, 4)), replace=False))
    path = tmp_path / "labelled.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def text_of(driver: WebDriver, element_id: str) -> str:
    return driver.find_element(By.ID, element_id).text


def chosen_label(driver: WebDriver) -> str:
    """What the label dropdown shows as chosen."""
    return driver.find_element(By.CSS_SELECTOR, "#genres-label .dash-dropdown-value").text


def choose_label(driver: WebDriver, name: str) -> None:
    """Open the label dropdown and click the column ``name``."""
    driver.find_element(By.CSS_SELECTOR, "#genres-label .dash-dropdown-trigger").click()
    option = wait_until(
        driver,
        lambda d: [o for o in d.find_elements(By.CSS_SELECTOR, ".dash-dropdown-option") if o.text.startswith(name)],
        f"the {name} option",
    )[0]
    option.click()


def crosstab_columns(driver: WebDriver) -> list[str]:
    """The x categories of the heatmap plotly drew (waits for it)."""
    return wait_until(
        driver,
        lambda d: d.execute_script(
            "const gd = document.querySelector('#genres-crosstab .js-plotly-plot');"
            "return gd && gd._fullData && gd._fullData.length ? Array.from(gd._fullData[0].x, String) : null;"
        ),
        "the crosstab to be drawn",
    )


def crosstab_title(driver: WebDriver) -> str:
    return driver.execute_script(
        "const gd = document.querySelector('#genres-crosstab .js-plotly-plot'); return gd._fullLayout.title.text;"
    )


def wait_for_note(driver: WebDriver, words: str) -> str:
    return wait_until(
        driver,
        lambda d: next((t for t in [text_of(d, "genres-note")] if words in t), None),
        f"the genre note to mention {words!r}",
    )


def test_the_clean_column_is_the_default_and_genres_can_be_chosen(
    dash_duo: DashComposite, make_app: Callable[[Path], dash.Dash], labels_csv: Path, fresh_browser: Browser
) -> None:
    dash_duo.driver.implicitly_wait(0)
    dash_duo.start_server(make_app(labels_csv))
    driver = dash_duo.driver
    open_page(dash_duo, "/genres?k=4", "#genres-note")

    # the default: the clean column, said which and what was left out
    assert "label" in chosen_label(driver) and "6 values" in chosen_label(driver)
    assert "label" not in query(driver)
    note = wait_for_note(driver, "'label'")
    assert "left out: 12 songs marked unknown ('n/a')" in note
    choice = text_of(driver, "genres-choice")
    assert "Using 'label'" in choice and "by default" in choice and "'genres'" in choice
    assert "one value per song" in choice
    assert len(crosstab_columns(driver)) == len(CLASSES)
    assert "'label'" in crosstab_title(driver) and "songs with a label" in crosstab_title(driver)
    assert "line up with a label column" in text_of(driver, "genres-intro")

    # choose the multi-valued column
    choose_label(driver, "genres")
    wait_for_query(driver, k="4", label="genres")
    note = wait_for_note(driver, "'genres'")
    assert "several genres separated by ';'" in note and "counts a song under each of its genres" in note
    assert "adds up the other" in note and "'other'" in note
    columns = wait_until(
        driver, lambda d: (c := crosstab_columns(d))[-1].startswith("other (") and c, "the crosstab of the genres"
    )
    assert len(columns) == 13 and columns[-1] == "other (18 genres)"
    assert "'genres'" in crosstab_title(driver) and "a song counts once per genre" in crosstab_title(driver)
    assert "Using 'genres'" in text_of(driver, "genres-choice")
    url = driver.current_url

    # the URL, opened afresh, restores the choice
    fresh = fresh_browser.driver
    fresh.get(url)
    wait_until(fresh, lambda d: d.find_elements(By.ID, "genres-note"), "the genre check in a fresh browser")
    assert "genres" in chosen_label(fresh) and query(fresh)["label"] == "genres"
    assert "several genres separated by ';'" in wait_for_note(fresh, "'genres'")
    assert crosstab_columns(fresh) == columns

    # back to the default: the URL drops the label again
    choose_label(driver, "label")
    wait_for_query(driver, k="4", label=None)
    wait_for_note(driver, "'label'")
    wait_until(driver, lambda d: len(crosstab_columns(d)) == len(CLASSES), "the crosstab of the classes")


def test_a_label_the_dataset_lacks_gets_a_notice_and_the_default(
    dash_duo: DashComposite, make_app: Callable[[Path], dash.Dash], labels_csv: Path
) -> None:
    dash_duo.driver.implicitly_wait(0)
    dash_duo.start_server(make_app(labels_csv))
    driver = dash_duo.driver
    open_page(dash_duo, "/genres?k=4&label=nope", "#genres-note")
    notices = [n.text for n in driver.find_elements(By.CSS_SELECTOR, ".notice")]
    assert any("label='nope'" in n and "not a label column" in n for n in notices), notices
    assert "label" in chosen_label(driver) and "Using 'label'" in text_of(driver, "genres-choice")
    assert "'label'" in wait_for_note(driver, "'label'")
