// Clientside glue of the shell (see app/shell.py): the URL and the controls follow the view.
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  audiospace: {
    // Controls -> the settings store, in URL form (strings, defaults left out), and which
    // method-specific controls show. Fewer than two features: keep the last settings.
    settingsFromControls: function (k, algo, scaler, features, eps, minSamples, linkage, featureOptions) {
      const all = featureOptions.map((o) => o.value);
      const shown = { display: "block" }, hidden = { display: "none" };
      const layout = [algo === "hierarchical" ? shown : hidden, algo === "dbscan" ? shown : hidden,
                      algo === "dbscan" ? shown : hidden, algo === "dbscan"];
      if (!features || features.length < 2) {
        return [window.dash_clientside.no_update, "Choose at least two features.", ...layout];
      }
      const given = (v) => v !== null && v !== undefined && v !== "";
      const settings = { k: String(k) };
      if (algo !== "kmeans") settings.algo = algo;
      if (scaler !== "standard") settings.scaler = scaler;
      const chosen = all.filter((f) => features.includes(f));
      if (chosen.length !== all.length) settings.features = chosen.join(",");
      if (algo === "dbscan" && given(eps)) settings.eps = String(Number(eps));
      if (algo === "dbscan" && given(minSamples)) settings.min_samples = String(Number(minSamples));
      if (algo === "hierarchical" && linkage !== "ward") settings.linkage = linkage;
      return [settings, "", ...layout];
    },

    // A page's query changed: rewrite the URL in place (no reload, no history entry), give
    // the nav links the shared parameters, and set the controls that differ from it.
    followPageQuery: function (queries, featureOptions, config, ...current) {
      const keep = window.dash_clientside.no_update;
      const nav = window.dash_clientside.callback_context.outputs_list[0].map((o) => o.id.path);
      if (!queries.length || !queries[0]) return [nav, ...current.map(() => keep)];
      const query = queries[0];
      const search = "?" + new URLSearchParams(query).toString();
      if (window.location.search !== search) {
        window.history.replaceState(window.history.state, "", window.location.pathname + search);
      }
      const shared = new URLSearchParams();
      config.globalParams.forEach((name) => { if (query[name] !== undefined) shared.set(name, query[name]); });
      const all = featureOptions.map((o) => o.value);
      const number = (v) => (v === undefined || v === null || v === "" ? null : Number(v));
      const wanted = [parseInt(query.k, 10), query.algo || "kmeans", query.scaler || "standard",
                      query.features ? query.features.split(",") : all, number(query.eps),
                      number(query.min_samples), query.linkage || "ward"];
      const sorted = (a) => JSON.stringify([...(a || [])].sort());
      const same = (a, b) => (Array.isArray(a) ? sorted(a) === sorted(b) : a === b || (a !== null && Number(a) === Number(b)));
      return [nav.map((path) => path + "?" + shared.toString()),
              ...wanted.map((value, i) => (same(value, current[i]) ? keep : value))];
    },

    // The explorer's clicks: ignore one that ends a drag-to-rotate (see explorer.js), and
    // reset clickData so that clicking the same song again fires again.
    explorerClickGate: function (mainClick, pairClick) {
      const click = mainClick || pairClick;
      const reset = [null, null];
      if (!click || !click.points || !click.points.length) return [window.dash_clientside.no_update, ...reset];
      if (mainClick && Date.now() - (window.audioSpaceLastDragEnd || 0) < 400) {
        return [window.dash_clientside.no_update, ...reset];
      }
      return [{ song: String(click.points[0].customdata), at: Date.now() }, ...reset];
    },

    copyLink: function () {
      return window.location.href;
    },
  },
});
