/* The escalation panel (htmx, _escalation.html).
 *
 * Choosing the language of the public holding reply puts that language's text into the
 * box, to edit before it is sent. And what the panel said after an action ("the holding
 * reply waits for approval") stays when the panel is fetched again because the thread
 * changed, which the action itself usually causes. The panel is swapped in and out, so
 * the listeners sit on the document. */
(function () {
  "use strict";

  let said = null; // the last action's outcome, as the panel put it
  let refreshing = false;

  document.addEventListener("change", (event) => {
    const select = event.target;
    if (!select.matches || !select.matches("#escalation select.holding-language")) return;
    const box = select.form && select.form.querySelector("textarea.holding-text");
    const chosen = select.selectedOptions[0];
    if (box && chosen) box.value = chosen.dataset.text || "";
  });

  document.addEventListener("htmx:beforeSwap", (event) => {
    if (event.detail.target && event.detail.target.id === "escalation") {
      refreshing = event.detail.requestConfig.verb === "get";
    }
  });

  document.addEventListener("htmx:afterSettle", () => {
    const panel = document.getElementById("escalation");
    if (!panel) return;
    const done = panel.querySelector(".escalation-done");
    if (!refreshing) {
      said = done ? done.textContent : null;
      return;
    }
    if (said && !done && !panel.querySelector(".error")) {
      const note = document.createElement("p");
      note.className = "escalation-done";
      note.setAttribute("role", "status");
      note.textContent = said;
      const title = panel.querySelector("h2");
      if (title) title.after(note);
    }
  });
})();
