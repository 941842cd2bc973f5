/* What the reply panel, the approvals queue and the template pages share: JSON calls to
 * the REST API with the page's CSRF token, word diffs, small DOM helpers. */
(function () {
  "use strict";

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || "";
    } catch (error) {
      return "";
    }
  }

  /** Call the REST API; resolves to {ok: true, ...body} or {ok: false, error: {code, message}}. */
  async function api(method, path, body) {
    const t = window.Tandem.t;
    let response;
    try {
      response = await fetch(path, {
        method,
        credentials: "same-origin",
        headers: {
          "Accept": "application/json",
          "Content-Type": "application/json",
          "X-CSRF-Token": csrfToken(),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (error) {
      return { ok: false, error: { code: "no_answer", message: t("no_answer") } };
    }
    let payload = {};
    try {
      payload = await response.json();
    } catch (error) {
      payload = {};
    }
    if (response.ok) return Object.assign({ ok: true }, payload);
    return {
      ok: false,
      error: payload.error || { code: "http_" + response.status, message: t("no_answer") },
    };
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  /** Fill `box` with a word diff [{op: same|del|ins, text}]; hide it when there is none. */
  function showDiff(box, parts) {
    box.replaceChildren();
    box.hidden = !parts || !parts.length;
    (parts || []).forEach((part) => {
      const tag = part.op === "del" ? "del" : part.op === "ins" ? "ins" : "span";
      box.appendChild(el(tag, "diff-" + part.op, part.text));
    });
  }

  function names(people) {
    return (people || []).map((person) => person.name).join(", ");
  }

  const SHOWN = 6;

  /** Show a refusal where the person acted (an element with role=alert), or clear it. */
  function report(box, error) {
    box.textContent = error ? error.message : "";
    box.hidden = !error;
  }

  /** "Can approve: Ana (online), Ben", or that nobody can. `online`: ids, or null when the
   * people carry their own `online`. */
  function approversText(people, online) {
    const t = window.Tandem.t;
    if (!people.length) return t("rp_nobody_approves");
    const isOn = (p) => (online ? online.has(p.id) : p.online);
    // Who is online first; a long list names a few and counts the rest.
    const sorted = people.filter(isOn).concat(people.filter((p) => !isOn(p)));
    const listed = sorted.slice(0, SHOWN).map((p) => (isOn(p) ? t("rp_online", { name: p.name }) : p.name));
    if (sorted.length > SHOWN) listed.push(t("rp_more", { count: sorted.length - SHOWN }));
    return t("rp_can_approve", { names: listed.join(", ") });
  }

  /** Fill a <select> with the colleagues an approval can be handed to. */
  function handoverChoices(select, people, handedTo) {
    select.replaceChildren(...people.map((p) => {
      const option = el("option", "", p.name);
      option.value = String(p.id);
      option.selected = !!handedTo && handedTo.id === p.id;
      return option;
    }));
  }

  window.TandemReplies = { api, el, showDiff, names, report, approversText, handoverChoices };
})();
