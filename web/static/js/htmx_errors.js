/* No refusal is silent. htmx does not swap 4xx answers by default, so a form whose action
 * the server refused (409 "a reply waits for approval already", 403, 400) would just sit
 * there. Here a refused request's HTML fragment (the panel with its error) is swapped in
 * like any answer; a JSON error (the CSRF check) or no answer at all is shown as a message
 * right before the element the person used. */
(function () {
  "use strict";

  const script = document.currentScript;
  const noAnswer = (script && script.dataset.noAnswer) || "The server did not answer. Try again.";

  function messageOf(xhr) {
    const type = xhr.getResponseHeader("Content-Type") || "";
    if (type.includes("json")) {
      try {
        const error = JSON.parse(xhr.responseText).error;
        if (error && error.message) return error.message;
      } catch (ignored) { /* not the desk's JSON: say what we know */ }
    }
    return noAnswer;
  }

  /** Put `text` in an alert just before `where` (once per element, replaced each time). */
  function show(where, text) {
    const anchor = (where && where.closest && where.closest("form")) || where;
    if (!anchor || !anchor.parentNode) {
      if (window.Tandem) window.Tandem.toast(text);
      return;
    }
    let note = anchor.previousElementSibling;
    if (!note || !note.classList.contains("request-error")) {
      note = document.createElement("p");
      note.className = "error request-error";
      note.setAttribute("role", "alert");
      anchor.parentNode.insertBefore(note, anchor);
    }
    note.textContent = text;
  }

  function clear(where) {
    const anchor = (where && where.closest && where.closest("form")) || where;
    const note = anchor && anchor.previousElementSibling;
    if (note && note.classList.contains("request-error")) note.remove();
  }

  document.addEventListener("htmx:beforeSwap", (event) => {
    const xhr = event.detail.xhr;
    const html = (xhr.getResponseHeader("Content-Type") || "").includes("text/html");
    if (xhr.status >= 400 && xhr.status < 500 && html && xhr.responseText) {
      event.detail.shouldSwap = true; // the fragment carries the refusal's message
      event.detail.isError = false;
    }
  });

  document.addEventListener("htmx:afterRequest", (event) => {
    if (event.detail.successful) clear(event.detail.elt);
  });
  document.addEventListener("htmx:responseError", (event) => {
    show(event.detail.elt, messageOf(event.detail.xhr));
  });
  document.addEventListener("htmx:sendError", (event) => show(event.detail.elt, noAnswer));
})();
