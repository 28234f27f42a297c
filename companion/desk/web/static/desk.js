// The web desk's only script: buttons beside moments and transcript lines seek the
// call's audio player and play from there; a play started from such a button (a form
// post: the play's receipt) begins where it was asked to. Without it the player works.
"use strict";
const playFrom = (player, at) => {
  const go = () => { player.currentTime = at; player.play(); };
  if (player.readyState >= 1) go();
  else { player.addEventListener("loadedmetadata", go, { once: true }); player.load(); }
};
document.addEventListener("click", (event) => {
  const button = event.target.closest("button.seek");
  const player = document.getElementById("player");
  if (!button || !player || button.type !== "button") return;
  const at = Number(button.dataset.seek);
  if (Number.isFinite(at)) playFrom(player, at);
});
document.addEventListener("DOMContentLoaded", () => {
  const player = document.getElementById("player");
  if (!player || player.dataset.start === undefined) return;
  const at = Number(player.dataset.start);  // a play just started: the reviewer pressed Play
  if (Number.isFinite(at)) playFrom(player, at);
});
