// The K slider's number box applies a typed K on Enter, as it does on leaving the box
// (dcc.Slider commits its box on blur only): Enter leaves the box and comes back to it,
// so the user can type again. See app/shell.py.
document.addEventListener("keydown", (event) => {
  const box = event.target;
  if (event.key !== "Enter" || !(box instanceof HTMLInputElement) || !box.closest("#k-control")) return;
  if (box.type !== "number" || box.disabled) return;
  event.preventDefault();
  box.blur();
  box.focus();
  box.select();
});
