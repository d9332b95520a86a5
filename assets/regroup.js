// A cluster-coloured scatter the browser already shows, regrouped for new clusters (a K or
// method switch) from a plan of a few bytes a song (components.figures.regroup_plan):
// the points, ids and hover texts stay here instead of travelling again.
//
// The plan's labels are int16 in the order of the song ids sorted; ids are ASCII
// (core.catalog), so JavaScript's string order is Python's. When the plot does not hold
// the plan's songs (it was still a skeleton, say), the figure is left alone and the
// plot's refresh store is written: the server then sends the whole figure.
(function () {
  const TYPED = { f8: Float64Array, f4: Float32Array, i4: Int32Array, u4: Uint32Array,
                  i2: Int16Array, u2: Uint16Array, i1: Int8Array, u1: Uint8Array };

  // Plotly 6 sends numpy arrays as {dtype, bdata}: decode those, pass arrays through.
  function values(column) {
    if (column === undefined || column === null) return [];
    if (Array.isArray(column) || ArrayBuffer.isView(column)) return column;
    if (typeof column === "object" && typeof column.bdata === "string" && TYPED[column.dtype]) {
      return new TYPED[column.dtype](bytes(column.bdata).buffer);
    }
    return [];
  }

  function bytes(base64) {
    const raw = atob(base64);
    const out = new Uint8Array(raw.length);
    for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }

  // Every drawn song of the cluster traces (all but the last, the highlight), sorted by id.
  function points(traces) {
    const all = [];
    for (const trace of traces) {
      const x = values(trace.x), y = values(trace.y), z = values(trace.z);
      const ids = values(trace.customdata), text = values(trace.text);
      for (let i = 0; i < ids.length; i++) {
        all.push({ id: String(ids[i]), x: x[i], y: y[i], z: z.length ? z[i] : undefined, text: text[i] });
      }
    }
    all.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return all;
  }

  function regroup(plan, figure, refreshId) {
    const noUpdate = window.dash_clientside.no_update;
    if (!plan || !plan.groups) return noUpdate;
    // The placed song's marker (assets/placement.js) is drawn again by its own callback.
    const traces = ((figure && figure.data) || []).filter((trace) => trace.meta !== "placed-song");
    const drawn = points(traces.slice(0, -1));
    const labels = new Int16Array(bytes(plan.labels).buffer);
    if (!traces.length || drawn.length !== plan.songs || labels.length !== plan.songs) {
      if (refreshId) window.dash_clientside.set_props(refreshId, { data: Date.now() });
      return noUpdate;
    }
    const template = traces[0];
    const groupOf = new Map();
    plan.groups.forEach((group, g) => group.clusters.forEach((c) => groupOf.set(c, g)));
    const data = plan.groups.map((group) => ({
      type: template.type, mode: template.mode, name: group.name,
      x: [], y: [], z: [], customdata: [], text: [],
      marker: Object.assign({}, template.marker, { color: group.color === null ? [] : group.color,
                                                   opacity: group.opacity }),
      hovertemplate: group.hovertemplate || template.hovertemplate,
    }));
    drawn.forEach((point, i) => {
      const trace = data[groupOf.get(labels[i])];
      trace.x.push(point.x); trace.y.push(point.y); trace.customdata.push(point.id); trace.text.push(point.text);
      if (point.z !== undefined) trace.z.push(point.z);
      if (!Array.isArray(trace.marker.color)) return;
      trace.marker.color.push(plan.colors[String(labels[i])]);
    });
    if (template.z === undefined) data.forEach((trace) => delete trace.z);
    data.push(plan.highlight);
    return Object.assign({}, figure, { data: data });
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    regroup: {
      explorer: (plan, figure) => regroup(plan, figure, "explorer-refresh"),
      features: (plan, figure) => regroup(plan, figure, "explorer-features-refresh"),
    },
  });
  if (typeof module !== "undefined") module.exports = { regroup: regroup };
})();
