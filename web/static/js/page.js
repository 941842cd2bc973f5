/* What every page's scripts share: the data the server embedded, the page's words in the
 * reader's language, compact durations and toasts. */

/** The JSON of a <script type="application/json"> block, or null when the page has none. */
export function readJson(id) {
  const node = document.getElementById(id);
  return node ? JSON.parse(node.textContent) : null;
}

// #i18n holds the page's strings; #i18n-desk (base layout) the strings every page needs.
const strings = { ...(readJson("i18n-desk") || {}), ...(readJson("i18n") || {}) };

/** A translated string from #i18n, with {name} placeholders filled in. */
export function t(key, vars) {
  const text = Object.prototype.hasOwnProperty.call(strings, key) ? strings[key] : key;
  if (!vars) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name) =>
    Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name]) : whole);
}

/** "4m", "2h 05m": a compact duration in the user's language. */
export function duration(ms) {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  if (seconds < 60) return t("dur_s", { s: seconds });
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return t("dur_m", { m: minutes });
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return t("dur_h", { h: hours, m: String(minutes % 60).padStart(2, "0") });
  return t("dur_d", { d: Math.floor(hours / 24), h: hours % 24 });
}

export function toast(message, kind) {
  const box = document.getElementById("toasts");
  if (!box) return;
  const level = kind || "error";
  const note = document.createElement("div");
  note.className = "toast toast-" + level;
  note.setAttribute("role", level === "error" ? "alert" : "status");
  note.textContent = message;
  box.appendChild(note);
  while (box.children.length > 4) box.firstElementChild.remove();
  setTimeout(() => note.remove(), level === "error" ? 8000 : 5000);
}

/** A new element with a class, appended to `parent` when one is given. */
export function el(tag, className, parent) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (parent) parent.appendChild(node);
  return node;
}
