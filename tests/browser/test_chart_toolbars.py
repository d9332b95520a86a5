"""A chart's toolbar (shown while the pointer is over the chart) never covers its title, its
legend or an axis title: each chart keeps room for it above the plot."""

from __future__ import annotations

import pytest
from dash.testing.composite import DashComposite
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

from tests.browser.support import open_page, wait_idle, wait_until

pytestmark = pytest.mark.browser

#: What must stay clear of the toolbar, in plotly's own DOM: titles, legend, axis titles.
_COVERED_JS = """
const graph = document.getElementById(arguments[0]);
const bar = graph.querySelector('.modebar');
if (!bar || !bar.getBoundingClientRect().width) return null;
const b = bar.getBoundingClientRect();
const covered = [];
graph.querySelectorAll('.gtitle, .legend, .g-xtitle, .g-ytitle, .g-y2title, .scene .xtitle, text.xtitle').forEach(e => {
  const r = e.getBoundingClientRect();
  if (r.width && r.left < b.right && b.left < r.right && r.top < b.bottom && b.top < r.bottom)
    covered.push((e.getAttribute('class') || e.tagName) + ': ' + (e.textContent || '').slice(0, 40));
});
return {covered: covered};
"""


@pytest.mark.parametrize("width", [1024, 1400])
def test_toolbars_cover_no_title_legend_or_axis_title(duo: DashComposite, width: int) -> None:
    driver = duo.driver
    driver.set_window_size(width, 900)
    for url, graphs in (
        ("/", ("overview-elbow", "overview-quality", "overview-sizes")),
        ("/explorer?view=2d", ("explorer-graph", "explorer-features")),
        ("/explorer", ("explorer-graph",)),
    ):
        open_page(duo, url, f"#{graphs[0]} .main-svg")
        wait_idle(driver)
        for graph_id in graphs:
            graph = driver.find_element(By.ID, graph_id)
            driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", graph)
            ActionChains(driver).move_to_element_with_offset(graph, 0, 40).perform()  # shows the toolbar
            covered = wait_until(
                driver, lambda d, g=graph_id: d.execute_script(_COVERED_JS, g), f"the toolbar of {graph_id}"
            )["covered"]
            assert covered == [], f"{url} {graph_id} at {width} px: the toolbar covers {covered}"
