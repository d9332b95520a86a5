// Starting one preview pauses every other: one sound at a time, on every page.
document.addEventListener("play", function (event) {
  if (!(event.target instanceof HTMLAudioElement)) return;
  document.querySelectorAll("audio").forEach(function (other) {
    if (other !== event.target && !other.paused) other.pause();
  });
}, true);
