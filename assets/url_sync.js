// Clientside glue of the shell (see app/shell.py): the URL and the controls follow the view.
// Which parameters exist, their defaults and each method's options come from the server
// (core.query.url_contract, in the shell-config store): this file only copies values.
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  audiospace: {
    // Controls -> the settings store, in URL form (strings, defaults left out), which option
    // boxes show, whether K applies (and why not), and the controls' own rules:
    // - features: never fewer than two. With two ticked those two are disabled and the hint
    //   says why; a path round that (the menu's search, then Enter or Deselect all) is
    //   topped back up to two from the features the view last used: control, hint and URL
    //   always agree, and nothing changes later by itself.
    // - a number option (config.numbers: kind and bounds, low exclusive as on the server)
    //   outside its bounds, or not a number, stays in its box marked invalid; the view
    //   keeps that option's last valid value and follows every other control.
    // Settings equal to the last ones are not written again (nothing to redraw).
    // Arguments: k, algo, scaler, features, one value per option (contract order), then
    // the features control's options, the last settings and the contract.
    // Returns: settings, hint, one style per option box, K disabled, K's title, the
    // features' options, the features' value, one invalid flag per number option.
    settingsFromControls: function (...args) {
      const config = args[args.length - 1];
      const previous = args[args.length - 2];
      const featureOptions = args[args.length - 3];
      const [k, algo, scaler, features] = args;
      const values = args.slice(4, 4 + config.options.length);
      const keep = window.dash_clientside.no_update;
      const minimum = "At least two features are needed to cluster.";
      const method = config.methods[algo] || config.methods[config.defaults.algo];
      const label = config.labels[algo] || config.labels[config.defaults.algo];
      const shown = { display: "block" }, hidden = { display: "none" };
      const boxes = config.options.map((name) => (method.options.includes(name) ? shown : hidden));
      const kTitle = method.usesK ? null : label + " finds its own number of clusters: K does not apply.";

      const all = featureOptions.map((o) => o.value);
      let chosen = all.filter((f) => (features || []).includes(f));
      let restored = keep;
      if (chosen.length < 2) {  // back up to two, from the features the view last used
        const last = previous && previous.features ? previous.features.split(",") : all;
        const back = all.filter((f) => last.includes(f) && !chosen.includes(f)).slice(0, 2 - chosen.length);
        chosen = all.filter((f) => chosen.includes(f) || back.includes(f));
        restored = chosen;
      }
      const locked = chosen.length <= 2;
      const options = featureOptions.map(({ disabled, title, ...option }) =>
        (locked && chosen.includes(option.value) ? { ...option, disabled: true, title: minimum } : option));
      const sameOptions = JSON.stringify(options) === JSON.stringify(featureOptions);

      const given = (v) => v !== null && v !== undefined && String(v).trim() !== "";
      const numeral = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
      // A number option's value as the URL has it, or null when the server would refuse it.
      const parsed = (rule, value) => {
        const text = String(value).trim();
        const n = Number(text);
        const ok = numeral.test(text) && Number.isFinite(n) && (!rule.whole || Number.isInteger(n))
          && (rule.low === null || n > rule.low) && (rule.high === null || n <= rule.high);
        return ok ? String(n) : null;
      };
      const numbers = Object.keys(config.numbers);
      const invalid = numbers.map((name) => {
        const value = values[config.options.indexOf(name)];
        return given(value) && parsed(config.numbers[name], value) === null;
      });

      const settings = { k: String(k) };
      if (algo !== config.defaults.algo) settings.algo = algo;
      if (scaler !== config.defaults.scaler) settings.scaler = scaler;
      if (chosen.length !== all.length) settings.features = chosen.join(",");
      config.options.forEach((name, i) => {
        if (!method.options.includes(name) || !given(values[i])) return;
        let value = String(values[i]);
        if (config.numbers[name]) {
          value = parsed(config.numbers[name], values[i]);
          if (value === null) {  // refused: the view keeps the last valid value
            if (previous && previous[name] !== undefined) settings[name] = previous[name];
            return;
          }
        }
        if (value !== String(config.defaults[name])) settings[name] = value;
      });
      const canonical = (s) => JSON.stringify(Object.keys(s || {}).sort().map((name) => [name, s[name]]));
      const unchanged = chosen.length < 2 || (previous && canonical(previous) === canonical(settings));
      return [unchanged ? keep : settings, locked ? minimum : "", ...boxes, !method.usesK, kTitle,
              sameOptions ? keep : options, restored, ...invalid];
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
      const none = (v) => v === null || v === undefined || v === "";
      const same = (a, b) => (Array.isArray(a) ? sorted(a) === sorted(b)
        : a === b || (none(a) && none(b)) || (!none(a) && !none(b) && String(a) === String(b)));
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
