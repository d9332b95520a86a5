// The explorer's "Where does this song land?" (components/placement.py): one audio file goes as
// the raw body of POST <prefix>place-song (app/placement.py), never through a callback; while it
// uploads and is analysed the status line says so; the answer (or why there is none) is written
// into the place-analysis store, and the server places the song in the view on screen. Every
// text from a file or the server is set as textContent, never as HTML.
(function () {
  const MARKER = "placed-song";
  const byId = (id) => document.getElementById(id);
  const prefix = () => {
    try { return JSON.parse(document.getElementById("_dash-config").textContent).requests_pathname_prefix || "/"; }
    catch (e) { return "/"; }
  };

  function status(text, busy) {
    const box = byId("place-status");
    if (!box) return;
    box.replaceChildren();
    if (busy) {
      const spinner = document.createElement("span");
      spinner.className = "spinner-border spinner-border-sm me-2 place-spinner";
      spinner.setAttribute("aria-hidden", "true");
      box.appendChild(spinner);
    }
    box.appendChild(document.createTextNode(text));
  }
  function answer(payload) {
    status("", false);
    window.dash_clientside.set_props("place-analysis", { data: Object.assign({ at: Date.now() }, payload) });
  }

  function send(file, maxMb) {
    if (!file) return;
    if (file.size > maxMb * 2 ** 20) {
      answer({ error: `${file.name} is larger than ${maxMb} MB, the most this server analyses.` });
      return;
    }
    const xhr = new XMLHttpRequest();
    xhr.open("POST", prefix() + "place-song?name=" + encodeURIComponent(file.name));
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) {
        status(`Uploading ${file.name}: ${(e.loaded / 2 ** 20).toFixed(1)} of ${(e.total / 2 ** 20).toFixed(1)} MB`, true);
      }
    };
    xhr.upload.onload = () => status(`Analysing ${file.name}: tempo, loudness, key… this takes a few seconds.`, true);
    xhr.onload = () => {
      let payload = null;
      try { payload = JSON.parse(xhr.responseText); } catch (e) { payload = null; }
      answer(payload && (payload.features || payload.error) ? payload
             : { error: `The server could not analyse ${file.name} (HTTP ${xhr.status}). Try again.` });
    };
    xhr.onerror = () => answer({ error: `The upload of ${file.name} was interrupted. Try again.` });
    status(`Uploading ${file.name}…`, true);
    xhr.send(file);
  }

  // A file input laid over the drop zone: a click opens the picker, a drop gives it the file,
  // and tests can hand it one.
  function arm(zone) {
    if (zone.querySelector("input[type=file]")) return;
    const input = document.createElement("input");
    input.type = "file";
    input.id = "place-file";
    input.accept = "audio/*,.mp3,.flac,.wav,.ogg,.oga,.opus,.m4a,.aac,.aif,.aiff,.wma";
    input.title = "Choose an audio file";
    Object.assign(input.style, { position: "absolute", inset: "0", width: "100%", height: "100%", opacity: "0",
                                 cursor: "pointer" });
    const maxMb = Number(zone.dataset.maxMb) || 60;
    input.addEventListener("change", () => { send(input.files[0], maxMb); input.value = ""; });
    zone.addEventListener("dragover", () => zone.classList.add("bg-light"));
    zone.addEventListener("dragleave", () => zone.classList.remove("bg-light"));
    zone.addEventListener("drop", () => zone.classList.remove("bg-light"));
    zone.appendChild(input);
  }
  new MutationObserver(() => { const zone = byId("place-drop"); if (zone) arm(zone); })
    .observe(document.documentElement, { childList: true, subtree: true });

  // The ringed marker is a trace of its own at the end of the figure: replaced, or removed (null).
  function mark(marker, figure) {
    const noUpdate = window.dash_clientside.no_update;
    if (!figure || !Array.isArray(figure.data)) return noUpdate;
    const data = figure.data.filter((trace) => trace.meta !== MARKER);
    if (!marker && data.length === figure.data.length) return noUpdate;
    if (marker) data.push(marker);
    return Object.assign({}, figure, { data: data });
  }

  window.dash_clientside = Object.assign({}, window.dash_clientside, { placement: { mark: mark } });
})();
