/* Managing reply templates: search, create, edit, delete (template.manage). */
(function () {
  "use strict";

  const T = window.Tandem;
  const R = window.TandemReplies;
  const t = T.t;
  const data = T.readJson("templates-data");
  const can = new Set(data.me.permissions);
  const rows = document.getElementById("templates-rows");
  const search = document.getElementById("templates-search");
  const form = document.getElementById("template-form");
  const $ = (id) => document.getElementById(id);
  let templates = data.templates;
  let timer = null;

  function show() {
    rows.replaceChildren();
    templates.forEach((template) => {
      const row = R.el("tr");
      row.dataset.id = template.id;
      const name = R.el("td", "", template.name);
      if (template.holding_statement) name.append(" ", R.el("span", "badge warn", t("rp_holding")));
      const actions = R.el("td", "actions");
      if (can.has("template.manage")) {
        const edit = R.el("button", "link", t("rp_edit"));
        const remove = R.el("button", "link warn", t("rp_delete"));
        edit.type = remove.type = "button";
        edit.addEventListener("click", () => fill(template));
        remove.addEventListener("click", async () => {
          if (!window.confirm(t("rp_confirm_delete"))) return;
          const answer = await R.api("DELETE", "/api/templates/" + template.id);
          T.toast(answer.ok ? t("rp_deleted") : answer.error.message, answer.ok ? "info" : "error");
          if (answer.ok) load();
        });
        actions.append(edit, " ", remove);
      }
      row.append(name, R.el("td", "", template.language), R.el("td", "body", template.body),
        R.el("td", "", template.tags.join(", ")), actions);
      rows.appendChild(row);
    });
  }

  async function load() {
    const answer = await R.api("GET", "/api/templates?q=" + encodeURIComponent(search.value.trim()));
    if (answer.ok) {
      templates = answer.templates;
      show();
    }
  }

  function fill(template) {
    $("template-id").value = template ? template.id : "";
    $("template-name").value = template ? template.name : "";
    $("template-language-field").value = template ? template.language : data.languages[0];
    $("template-body").value = template ? template.body : "";
    $("template-tags").value = template ? template.tags.join(", ") : "";
    $("template-holding").checked = template ? template.holding_statement : false;
    $("template-name").focus();
  }

  search.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(load, 150);
  });

  if (form) {
    $("template-new").addEventListener("click", () => fill(null));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const id = $("template-id").value;
      const body = {
        name: $("template-name").value,
        language: $("template-language-field").value,
        body: $("template-body").value,
        tags: $("template-tags").value.split(",").map((s) => s.trim()).filter(Boolean),
        holding_statement: $("template-holding").checked,
      };
      const answer = id ? await R.api("PATCH", "/api/templates/" + id, body)
        : await R.api("POST", "/api/templates", body);
      // A refusal (an unknown {variable}, a duplicate name) stays in the form, next to the text.
      const error = $("template-error");
      error.hidden = answer.ok;
      error.textContent = answer.ok ? "" : answer.error.message;
      if (answer.ok) {
        T.toast(t("rp_saved"), "info");
        fill(null);
        load();
      }
    });
  }

  show();
})();
