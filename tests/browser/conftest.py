"""Browser-test setup: headless Chromium for dash_duo, the app built per test, console checks."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from selenium.webdriver.chrome.options import Options

if TYPE_CHECKING:
    import dash
    from dash.testing.browser import Browser
    from dash.testing.composite import DashComposite

CHROMIUM = os.environ.get("DASH_TEST_CHROMEPATH") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or next(
    (str(p) for p in [Path("/usr/bin/chromedriver")] if p.exists()), None
)
MISSING = [
    name
    for name, found in (("chromium", Path(CHROMIUM).exists()), ("chromedriver", CHROMEDRIVER is not None))
    if not found
]
WINDOW = (1400, 900)

if not MISSING:
    os.environ.setdefault("DASH_TEST_CHROMEPATH", CHROMIUM)
    if CHROMEDRIVER and str(Path(CHROMEDRIVER).parent) not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = str(Path(CHROMEDRIVER).parent) + os.pathsep + os.environ.get("PATH", "")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Without a browser, every test here is skipped with the reason (not failed).

    Selenium 4.2 calls a urllib3 method deprecated since 2.0 on every command: not ours, muted.
    """
    reason = f"browser tests need {' and '.join(MISSING)} (Debian: apt-get install chromium chromium-driver)"
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.filterwarnings("ignore:HTTPResponse.getheader:DeprecationWarning"))
            if MISSING:
                item.add_marker(pytest.mark.skip(reason=reason))


def pytest_setup_options() -> Options:
    """Chrome options for dash_duo: always headless, quiet, no sandbox (containers/CI)."""
    options = Options()
    for argument in (
        "--headless=new",
        f"--window-size={WINDOW[0]},{WINDOW[1]}",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--enable-unsafe-swiftshader",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
        "--disable-extensions",
        "--mute-audio",
        # Bootstrap scrolls smoothly unless the user prefers reduced motion; a smooth scroll
        # still running when WebDriver clicks makes the click land on the wrong element.
        "--force-prefers-reduced-motion",
    ):
        options.add_argument(argument)
    return options


@pytest.fixture(scope="session")
def catalog_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generated test catalog (see songs.py), written once per session."""
    from tests.browser.songs import write_catalog_csv

    return write_catalog_csv(tmp_path_factory.mktemp("data") / "songs.csv")


@pytest.fixture(scope="session")
def model_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One model cache for the session, as gunicorn workers share one: each K is fitted once."""
    return tmp_path_factory.mktemp("model-cache")


@pytest.fixture
def make_app(model_cache_dir: Path) -> Callable[[Path], dash.Dash]:
    """Build a fresh app on a CSV (the pages are set up anew for each app)."""
    from app.factory import create_app
    from core.catalog import load_catalog
    from core.config import Settings

    def build(csv_path: Path) -> dash.Dash:
        settings = Settings(data_path=csv_path, cache_dir=model_cache_dir)
        return create_app(settings, load_catalog(csv_path))

    return build


@pytest.fixture
def served_app(make_app: Callable[[Path], dash.Dash], catalog_csv: Path) -> dash.Dash:
    """The app ``duo`` serves: ask it, not ``dash.get_app()``, which answers whichever app last
    ran a method in this thread (another test's, in a session that builds several)."""
    return make_app(catalog_csv)


@pytest.fixture
def duo(dash_duo: DashComposite, served_app: dash.Dash) -> DashComposite:
    """dash_duo serving a fresh app on the generated catalog, opened at "/"."""
    dash_duo.driver.implicitly_wait(0)
    dash_duo.start_server(served_app)
    return dash_duo


@pytest.fixture
def fresh_browser(tmp_path: Path) -> Iterator[Browser]:
    """A second, independent Chromium session (own profile: no cookies, storage or history)."""
    from dash.testing.browser import Browser

    with Browser(
        browser="Chrome", options=[pytest_setup_options()], download_path=str(tmp_path / "fresh-downloads")
    ) as browser:
        browser.driver.implicitly_wait(0)
        yield browser


@pytest.fixture(autouse=True)
def _browser_console_is_clean(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every browser test fails on a console error or a callback error the shell showed."""
    names = [name for name in ("dash_duo", "fresh_browser") if name in request.fixturenames]
    browsers = [request.getfixturevalue(name) for name in names]
    yield
    from tests.browser.support import console_errors, shown_callback_error

    problems = []
    for name, browser in zip(names, browsers, strict=True):
        problems += [f"{name} console: {entry['message']}" for entry in console_errors(browser)]
        try:
            alert = shown_callback_error(browser.driver)
        except Exception:  # a browser that never opened a page has no document to ask
            alert = None
        if alert:
            problems.append(f"{name} showed a callback error: {alert}")
    assert not problems, "\n".join(problems)
