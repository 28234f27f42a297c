// The web desk's only script: buttons beside moments and transcript lines seek the
// call's audio player and play from there. Without it the player still works.
"use strict";
document.addEventListener("click", (event) => {
  const button = event.target.closest("button.seek");
  const player = document.getElementById("player");
  if (!button || !player) return;
  const at = Number(button.dataset.seek);
  if (!Number.isFinite(at)) return;
  const go = () => { player.currentTime = at; player.play(); };
  if (player.readyState >= 1) go();
  else { player.addEventListener("loadedmetadata", go, { once: true }); player.load(); }
});
