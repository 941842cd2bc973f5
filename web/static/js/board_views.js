/* Saved board views: the person's own and their team's, each a link to the board with its
 * filters and order (the same query string the URL holds), with a live count of the
 * threads it shows. Saving and deleting are the view.save and view.delete commands.
 */
import { t } from "./page.js";

const COUNT_EVERY_MS = 2000;

/**
 * options: {views, live, query() -> the board's query string now, apply(query),
 *           count(query) -> threads the view shows}
 */
export function startViews(options) {
  const nav = document.getElementById("views");
  if (!nav) return;
  const list = document.getElementById("view-list");
  const form = document.getElementById("view-form");
  const open = document.getElementById("view-save");
  const error = document.getElementById("view-error");
  let views = options.views.slice();

  function item(view) {
    const li = document.createElement("li");
    li.dataset.id = view.id;
    const link = document.createElement("a");
    link.href = "/" + (view.query ? "?" + view.query : "");
    link.className = "view-link";
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = view.name;
    const count = document.createElement("span");
    count.className = "n";
    link.append(name, " ", count);
    if (view.shared) {
      const shared = document.createElement("span");
      shared.className = "shared";
      shared.textContent = t("view_shared");
      link.append(" ", shared);
    }
    link.addEventListener("click", (event) => {
      if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
      event.preventDefault();
      options.apply(view.query);
      mark();
    });
    li.append(link);
    if (view.mine || !view.shared) {
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "link remove";
      remove.textContent = "×";
      remove.setAttribute("aria-label", t("view_delete", { name: view.name }));
      remove.addEventListener("click", () => drop(view));
      li.append(remove);
    }
    return li;
  }

  function draw() {
    list.replaceChildren(...views.map(item));
    counts();
    mark();
  }

  /** The view the board shows now is marked as the current one. */
  function mark() {
    const now = options.query();
    for (const li of list.children) {
      const view = views.find((v) => String(v.id) === li.dataset.id);
      const link = li.querySelector("a");
      if (view && view.query === now) link.setAttribute("aria-current", "true");
      else link.removeAttribute("aria-current");
    }
  }

  function counts() {
    for (const li of list.children) {
      const view = views.find((v) => String(v.id) === li.dataset.id);
      if (!view) continue;
      const n = options.count(view.query);
      const label = li.querySelector(".n");
      if (label.textContent !== String(n)) label.textContent = String(n);
      li.querySelector("a").setAttribute("aria-label", t("view_label", { name: view.name, count: n }));
    }
  }

  function refuse(answer) {
    error.hidden = false;
    error.textContent = answer.error.message;
  }

  async function drop(view) {
    const answer = await options.live.call("view.delete", { view_id: view.id });
    if (!answer.ok) return refuse(answer);
    error.hidden = true;
    views = views.filter((v) => v.id !== view.id);
    draw();
    open.focus();
  }

  open.addEventListener("click", () => {
    form.hidden = false;
    open.setAttribute("aria-expanded", "true");
    form.elements.name.focus();
  });
  form.addEventListener("reset", () => {
    form.hidden = true;
    open.setAttribute("aria-expanded", "false");
    open.focus();
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const answer = await options.live.call("view.save", {
      name: form.elements.name.value, query: options.query(),
      shared: form.elements.shared ? form.elements.shared.checked : false,
    });
    if (!answer.ok) return refuse(answer);
    error.hidden = true;
    views.push(answer.view);
    form.reset();
    draw();
  });
  document.getElementById("filters").addEventListener("change", mark);
  document.getElementById("filters").addEventListener("input", mark);

  draw();
  setInterval(counts, COUNT_EVERY_MS);
}
