/* Who takes new work: everyone's availability (online, away, busy, offline), live, and the
 * menu where you set your own. Presence changes it too (server/services/presence.py). */
import { t } from "./page.js";

const STATES = ["online", "away", "busy", "offline"];

export function startAvailability(live, me) {
  const mine = document.getElementById("my-availability");
  const list = document.getElementById("availability-list");
  if (!mine || !list) return;
  const people = new Map(); // user id -> {user, state}

  function render() {
    const rows = [...people.values()].sort((a, b) => a.user.name.localeCompare(b.user.name));
    list.replaceChildren(...rows.map((entry) => {
      const row = document.createElement("li");
      row.className = "availability-" + entry.state;
      row.dataset.userId = entry.user.id;
      const dot = document.createElement("span");
      dot.className = "dot";
      dot.setAttribute("aria-hidden", "true");
      const label = document.createElement("span");
      label.textContent = entry.user.name + ": " + t("availability_" + entry.state);
      row.append(dot, label);
      return row;
    }));
    const own = people.get(me.id);
    if (own && document.activeElement !== mine) mine.value = own.state;
  }

  async function load() {
    const answer = await live.call("availability.list", {});
    if (!answer.ok) return;
    for (const entry of answer.people) people.set(entry.user.id, entry);
    render();
  }

  mine.addEventListener("change", async () => {
    if (!STATES.includes(mine.value)) return;
    const answer = await live.call("availability.set", { state: mine.value });
    if (!answer.ok && window.Tandem) window.Tandem.toast(answer.error.message, "error");
  });

  document.addEventListener("tandem:events", (event) => {
    let changed = false;
    for (const ev of event.detail) {
      if (ev.type !== "availability.changed") continue;
      people.set(ev.payload.user.id, { ...people.get(ev.payload.user.id), ...ev.payload });
      changed = true;
    }
    if (changed) render();
  });
  load();
}
