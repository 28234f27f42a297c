// The web desk's only script. Buttons beside moments and transcript lines seek the call's
// audio player and play from there. Pressing Play (or a moment's time before the audio
// plays) asks the desk for a play (its receipt) and starts the player in place, so the
// page is not shown again (which would be another "viewed" receipt). Without this script
// the same buttons post the form and the page comes back with its player.
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
document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (form.id !== "play" || form.dataset.sent) return;
  event.preventDefault();
  form.dataset.sent = "yes";  // one play per press, even if pressed twice
  const body = new URLSearchParams(new FormData(form, event.submitter));
  let answer = null;
  try {
    answer = await fetch(form.action, {
      method: "POST", body, credentials: "same-origin", headers: { accept: "application/json" },
    });
  } catch (_error) { answer = null; }
  const json = answer && answer.ok && (answer.headers.get("content-type") || "").startsWith("application/json");
  if (!json) { form.submit(); return; }  // the page explains (refused, signed out)
  const play = await answer.json();
  const player = document.createElement("audio");
  Object.assign(player, { id: "player", controls: true, preload: "none", src: play.src });
  form.replaceWith(player);
  for (const button of document.querySelectorAll("button.seek[form='play']")) {
    button.dataset.seek = button.value;
    button.removeAttribute("form");
    button.removeAttribute("name");
    button.type = "button";
  }
  playFrom(player, Number(play.at) || 0);
});
document.addEventListener("DOMContentLoaded", () => {
  const player = document.getElementById("player");
  if (!player || player.dataset.start === undefined) return;
  const at = Number(player.dataset.start);  // a play just started: the reviewer pressed Play
  if (Number.isFinite(at)) playFrom(player, at);
});
