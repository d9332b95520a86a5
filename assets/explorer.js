// The explorer's main plot: a click opens the song whose hover label is showing.
//
// plotly's 3D scene picks clicks with a smaller radius than hovers (plotly.js #6908) and
// from its render loop, so its clickData can name another song, or none, or come at the
// end of a drag-to-rotate. Instead: remember the song plotly reports as hovered, and on a
// press-and-release that did not move (a click, not a drag) while its label is on screen,
// write that song to the explorer-pick store. 2D views go the same way, so both agree.
(function () {
  const GRAPH = "#explorer-graph";
  const DRAG_PX = 5;
  let bound = null;
  let hovered = null;
  let press = null;

  function graph() {
    return document.querySelector(GRAPH + " .js-plotly-plot");
  }

  // Listen to the plot's hover events; the graph element is new after a page change.
  function bind() {
    const gd = graph();
    if (!gd || gd === bound || typeof gd.on !== "function") return;
    bound = gd;
    hovered = null;
    gd.on("plotly_hover", function (event) {
      const point = event && event.points && event.points[0];
      hovered = point && point.customdata !== undefined && point.customdata !== null ? String(point.customdata) : null;
    });
    gd.on("plotly_unhover", function () { hovered = null; });
  }

  // 2D plots draw hover labels in their hover layer, the 3D scene in an svg of its own.
  function labelShowing(gd) {
    return !!gd.querySelector(".hovertext");
  }

  document.addEventListener("pointermove", function (e) {
    if (e.target.closest && e.target.closest(GRAPH)) bind();
  }, true);
  document.addEventListener("pointerdown", function (e) {
    bind();
    const gd = graph();
    press = gd && e.button === 0 && e.target.closest && e.target.closest(GRAPH)
      ? { x: e.clientX, y: e.clientY, song: labelShowing(gd) ? hovered : null } : null;
  }, true);
  document.addEventListener("pointerup", function (e) {
    const start = press;
    press = null;
    if (!start || Math.hypot(e.clientX - start.x, e.clientY - start.y) > DRAG_PX) return;
    // The label on screen when the button went down names the song the user aimed at
    // (or, for a click quicker than plotly's hover, the label showing now).
    const gd = graph();
    const song = start.song || (gd && labelShowing(gd) ? hovered : null);
    if (!song) return;
    window.dash_clientside.set_props("explorer-pick", { data: { song: song, at: Date.now() } });
  }, true);
})();
