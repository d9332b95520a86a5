// Clientside glue of the shell (see app/shell.py): the URL and the controls follow the view.
// Which parameters exist, their defaults and each method's options come from the server
// (core.query.url_contract, in the shell-config store): this file only copies values.
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  audiospace: {
    // Controls -> the settings store, in URL form (strings, defaults left out), which option
    // boxes show and whether K applies. Fewer than two features: keep the last settings.
    // Arguments: k, algo, scaler, features, one value per option (contract order),
    // then the features control's options and the contract.
    settingsFromControls: function (...args) {
      const config = args[args.length - 1];
      const featureOptions = args[args.length - 2];
      const [k, algo, scaler, features] = args;
      const values = args.slice(4, 4 + config.options.length);
      const method = config.methods[algo] || config.methods[config.defaults.algo];
      const shown = { display: "block" }, hidden = { display: "none" };
      const layout = [...config.options.map((name) => (method.options.includes(name) ? shown : hidden)), !method.usesK];
      if (!features || features.length < 2) {
        return [window.dash_clientside.no_update, "Choose at least two features.", ...layout];
      }
      const given = (v) => v !== null && v !== undefined && v !== "";
      const settings = { k: String(k) };
      if (algo !== config.defaults.algo) settings.algo = algo;
      if (scaler !== config.defaults.scaler) settings.scaler = scaler;
      const all = featureOptions.map((o) => o.value);
      const chosen = all.filter((f) => features.includes(f));
      if (chosen.length !== all.length) settings.features = chosen.join(",");
      config.options.forEach((name, i) => {
        const value = values[i];
        if (method.options.includes(name) && given(value) && String(value) !== String(config.defaults[name])) {
          settings[name] = typeof value === "number" ? String(value) : value;
        }
      });
      return [settings, "", ...layout];
    },

    // A page's query changed: rewrite the URL in place (no reload, no history entry), give
    // the nav links the shared parameters, and set the controls that differ from it.
    // A parameter the query shares with the settings the controls last asked for is left
    // alone: the user may have moved that control since, and the answer to that is coming.
    // Arguments: the page queries, the features control's options, the contract, the
    // settings store, then the controls' current values (k, algo, scaler, features,
    // options in contract order).
    followPageQuery: function (queries, featureOptions, config, settings, ...current) {
      const keep = window.dash_clientside.no_update;
      const nav = window.dash_clientside.callback_context.outputs_list[0].map((o) => o.id.path);
      if (!queries.length || !queries[0]) return [nav, ...current.map(() => keep)];
      const query = queries[0];
      const search = "?" + new URLSearchParams(query).toString();
      if (window.location.search !== search) {
        window.history.replaceState(window.history.state, "", window.location.pathname + search);
      }
      const shared = new URLSearchParams();
      config.linkParams.forEach((name) => { if (query[name] !== undefined) shared.set(name, query[name]); });
      const valueOf = (name) => (query[name] !== undefined ? query[name] : config.defaults[name]);
      const number = (v) => (v === undefined || v === null || v === "" || isNaN(Number(v)) ? v : Number(v));
      const names = ["k", "algo", "scaler", "features", ...config.options];
      const asked = (name) => settings && typeof settings === "object" && settings[name] === query[name];
      const wanted = [parseInt(query.k, 10), valueOf("algo"), valueOf("scaler"),
                      query.features ? query.features.split(",") : featureOptions.map((o) => o.value),
                      ...config.options.map((name) => number(valueOf(name)))];
      const sorted = (a) => JSON.stringify([...(a || [])].sort());
      const same = (a, b) => (Array.isArray(a) ? sorted(a) === sorted(b)
        : a === b || ((a === null || a === undefined) && (b === null || b === undefined || b === "")));
      return [nav.map((path) => (shared.toString() ? path + "?" + shared.toString() : path)),
              ...wanted.map((value, i) => (asked(names[i]) || same(value, current[i]) ? keep
                : (value === undefined ? null : value)))];
    },

    // A click in the explorer's feature scatter (SVG: plotly's clickData names the point
    // under the pointer) opens that song; clickData is reset so the same song can be
    // clicked again. The main plot picks in explorer.js, from its hover label.
    pairClickGate: function (click) {
      if (!click || !click.points || !click.points.length) return [window.dash_clientside.no_update, null];
      return [{ song: String(click.points[0].customdata), at: Date.now() }, null];
    },

    // A page's query changed while its background job computes another view (one asked for
    // before): stop that job, or it would draw its outdated view over this one.
    // Arguments: the page query, the query the job computes, the job strip's class.
    stopOutdatedJob: function (query, job, stripClass) {
      const running = typeof stripClass === "string" && stripClass.split(" ").includes("running");
      const canonical = (q) => JSON.stringify(Object.keys(q || {}).sort().map((name) => [name, q[name]]));
      if (!running || !job || canonical(query) === canonical(job)) return window.dash_clientside.no_update;
      return Date.now();
    },

    // A page's own controls (not the shell's) show its query's values: ``names`` are the
    // [parameter, default] pairs in the order of ``current``, the controls' values now.
    controlsFollowQuery: function (query, current, names) {
      return names.map(([name, fallback], i) => {
        const wanted = query && query[name] !== undefined ? query[name] : fallback;
        return wanted === current[i] ? window.dash_clientside.no_update : wanted;
      });
    },

    copyLink: function () {
      return window.location.href;
    },
  },
});
