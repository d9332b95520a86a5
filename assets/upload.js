// The Open data panel (components/ui.py open_data_panel): upload a CSV with progress, map
// its columns by hand when the server cannot recognise them, and list the datasets this
// browser opened (kept in localStorage: the server never lists anyone's uploads).
// Files go as the raw body of POST <prefix>datasets (app/uploads.py), never through a
// callback. Every text from a file or the server is set as textContent, never as HTML.
(function () {
  const STORE_KEY = "audiospace.datasets";
  const ROLES = [["title", "Title (required)"], ["artist", "Artist"], ["id", "Song id"], ["genre", "Genre or label"],
                 ["preview_url", "Preview URL"]];
  const FEATURES = ["acousticness", "danceability", "duration_ms", "energy", "instrumentalness", "liveness",
                    "loudness", "speechiness", "tempo", "valence"];

  const prefix = () => {
    try { return JSON.parse(document.getElementById("_dash-config").textContent).requests_pathname_prefix || "/"; }
    catch (e) { return "/"; }
  };
  const byId = (id) => document.getElementById(id);
  const make = (tag, text, className) => {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (className) node.className = className;
    return node;
  };

  function remembered() {
    try { const list = JSON.parse(localStorage.getItem(STORE_KEY) || "[]"); return Array.isArray(list) ? list : []; }
    catch (e) { return []; }
  }
  function remember(entry) {
    const list = remembered().filter((d) => d.id !== entry.id);
    list.unshift(entry);
    localStorage.setItem(STORE_KEY, JSON.stringify(list.slice(0, 50)));
  }
  function forget(id) {
    localStorage.setItem(STORE_KEY, JSON.stringify(remembered().filter((d) => d.id !== id)));
    drawList();
  }
  function drawList() {
    const box = byId("datasets-list");
    if (!box) return;
    box.replaceChildren();
    const list = remembered();
    if (!list.length) { box.appendChild(make("div", "None yet: datasets you open appear here.", "text-muted")); return; }
    list.forEach((d) => {
      const row = make("div", undefined, "dataset-entry d-flex align-items-center gap-2 mb-1");
      const link = make("a", d.name || d.id, "dataset-link");
      link.href = prefix() + "?data=" + encodeURIComponent(d.id);
      row.appendChild(link);
      row.appendChild(make("span", `${Number(d.songs).toLocaleString()} songs · ${d.date || ""}`, "text-muted"));
      const remove = make("button", "Remove", "btn btn-sm btn-link p-0 dataset-remove");
      remove.type = "button";
      remove.title = "Remove from this list (the link keeps working)";
      remove.addEventListener("click", () => forget(d.id));
      row.appendChild(remove);
      box.appendChild(row);
    });
  }

  function say(text, kind) {
    const box = byId("upload-message");
    if (!box) return;
    box.className = "upload-message mt-2 " + (kind === "error" ? "text-danger" : "text-body");
    box.textContent = text;
  }
  function progress(fraction) {
    const bar = byId("upload-progress");
    if (!bar) return;
    bar.classList.toggle("d-none", fraction === null);
    bar.firstChild.style.width = Math.round(100 * (fraction || 0)) + "%";
  }
  function opened(answer) {
    remember({ id: answer.id, name: answer.name, songs: answer.songs, date: new Date().toISOString().slice(0, 10) });
    say(answer.report.join(" "), "info");
    window.location.assign(prefix() + "?data=" + encodeURIComponent(answer.id));
  }
  function answered(xhr, name) {
    progress(null);
    let answer = null;
    try { answer = JSON.parse(xhr.responseText); } catch (e) { answer = null; }
    if (!answer) { say(`The server could not take ${name} (HTTP ${xhr.status}); nothing was kept.`, "error"); return; }
    if (xhr.status === 200) opened(answer);
    else if (xhr.status === 422) { say(answer.error, "error"); mappingForm(answer, name); }
    else say(answer.error, "error");
  }
  function send(url, body, name, contentType) {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", url);
    xhr.setRequestHeader("Content-Type", contentType);
    xhr.upload.onprogress = (e) => {
      if (!e.lengthComputable) return;
      progress(e.loaded / e.total);
      say(`Uploading ${name}: ${(e.loaded / 2 ** 20).toFixed(1)} of ${(e.total / 2 ** 20).toFixed(1)} MB`);
    };
    xhr.upload.onload = () => say(`Reading ${name}…`);
    xhr.onload = () => answered(xhr, name);
    xhr.onerror = () => { progress(null); say(`The upload of ${name} was interrupted; nothing was kept. Try again.`, "error"); };
    xhr.send(body);
  }
  function upload(file) {
    if (!file) return;
    const form = byId("mapping-form");
    if (form) form.replaceChildren();
    progress(0);
    send(prefix() + "datasets?name=" + encodeURIComponent(file.name), file, file.name, "application/octet-stream");
  }

  // The columns of a file the server could not map: one select per role and feature, the
  // file's columns with a few of their values to choose from.
  function mappingForm(answer, name) {
    const form = byId("mapping-form");
    if (!form) return;
    form.replaceChildren();
    form.appendChild(make("div", "Choose which column holds what:", "fw-bold mt-2"));
    const grid = make("div", undefined, "row g-2 mt-1");
    const choice = (role, label) => {
      const cell = make("label", undefined, "col-6 col-md-4 col-lg-3 small");
      cell.appendChild(make("div", label));
      const select = make("select", undefined, "form-select form-select-sm");
      select.name = role;
      select.appendChild(make("option", "—"));
      select.firstChild.value = "";
      answer.columns.forEach((c) => {
        const option = make("option", c.name);
        option.value = c.name;
        if (c.name.trim().toLowerCase() === role) option.selected = true;
        select.appendChild(option);
      });
      cell.appendChild(select);
      grid.appendChild(cell);
    };
    ROLES.forEach(([role, label]) => choice(role, label));
    FEATURES.forEach((feature) => choice(feature, feature));
    form.appendChild(grid);
    const table = make("table", undefined, "table table-sm small mt-2 column-samples");
    answer.columns.forEach((c) => {
      const row = make("tr");
      row.appendChild(make("th", c.name));
      row.appendChild(make("td", c.values.join(" · "), "text-muted"));
      table.appendChild(row);
    });
    const button = make("button", "Open with these columns", "btn btn-primary btn-sm mt-2");
    button.type = "button";
    button.id = "mapping-submit";
    button.addEventListener("click", () => {
      const mapping = {};
      form.querySelectorAll("select").forEach((s) => { if (s.value) mapping[s.name] = s.value; });
      say(`Reading ${name}…`);
      send(prefix() + "datasets/" + encodeURIComponent(answer.upload) + "/mapping?name=" + encodeURIComponent(name),
           JSON.stringify(mapping), name, "application/json");
    });
    form.appendChild(button);
    form.appendChild(table);
  }

  // The drop zone gets a file input laid over it: a click opens the picker, a drop gives
  // the file to the input, and tests can hand it a file.
  function arm(zone) {
    if (zone.querySelector("input[type=file]")) return;
    const input = make("input", undefined, "open-data-input");
    input.type = "file";
    input.id = "open-data-file";
    input.accept = ".csv,.tsv,.txt,.gz,text/csv";
    input.title = "Choose a CSV file";
    input.addEventListener("change", () => { upload(input.files[0]); input.value = ""; });
    zone.addEventListener("dragover", () => zone.classList.add("dragging"));
    zone.addEventListener("dragleave", () => zone.classList.remove("dragging"));
    zone.addEventListener("drop", () => zone.classList.remove("dragging"));
    zone.appendChild(input);
  }
  function notice() {
    const current = byId("current-dataset");
    if (current && current.dataset.id && !current.dataset.seen) {
      current.dataset.seen = "1";
      remember({ id: current.dataset.id, name: current.dataset.name, songs: current.dataset.songs,
                 date: (remembered().find((d) => d.id === current.dataset.id) || {}).date
                   || new Date().toISOString().slice(0, 10) });
    }
    const zone = byId("open-data-drop");
    if (zone) arm(zone);
    const list = byId("datasets-list");
    if (list && !list.dataset.drawn) { list.dataset.drawn = "1"; drawList(); }
  }
  new MutationObserver(notice).observe(document.documentElement, { childList: true, subtree: true });
})();
