/* The escalation panel (htmx, _escalation.html): choosing the language of the public
 * holding reply puts that language's text into the box, to edit before it is sent. The
 * panel is swapped in and out, so the listener sits on the document. */
(function () {
  "use strict";

  document.addEventListener("change", (event) => {
    const select = event.target;
    if (!select.matches || !select.matches("#escalation select.holding-language")) return;
    const box = select.form && select.form.querySelector("textarea.holding-text");
    const chosen = select.selectedOptions[0];
    if (box && chosen) box.value = chosen.dataset.text || "";
  });
})();
