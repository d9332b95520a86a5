// The 3D graph reports a click when a drag-to-rotate ends over a point. Remember when
// the last real drag ended so the explorer's click gate (a clientside callback) can
// ignore that click.
(function () {
  let start = null;
  window.audioSpaceLastDragEnd = 0;
  document.addEventListener("pointerdown", function (e) { start = [e.clientX, e.clientY]; }, true);
  document.addEventListener("pointerup", function (e) {
    if (start && Math.hypot(e.clientX - start[0], e.clientY - start[1]) > 5) {
      window.audioSpaceLastDragEnd = Date.now();
    }
    start = null;
  }, true);
})();
