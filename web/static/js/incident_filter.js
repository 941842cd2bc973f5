/**
 * The board's incident filter follows the incidents live: a new one is added, a renamed
 * one shows its new title and count, a closed or merged one leaves (a board filtering by
 * it goes back to every incident).
 */
(function () {
  const select = document.getElementById("incident-filter");
  if (!select) return;

  function label(incident) {
    return `${incident.title} (${incident.size})`;
  }

  document.addEventListener("tandem:events", (event) => {
    for (const { type, payload } of event.detail) {
      if (type !== "incident.changed") continue;
      const incident = payload.incident;
      let option = select.querySelector(`option[value="${incident.id}"]`);
      if (incident.status !== "open") {
        if (option) {
          if (option.selected) {
            select.value = "";
            select.dispatchEvent(new Event("change", { bubbles: true }));
          }
          option.remove();
        }
        continue;
      }
      if (!option) {
        option = document.createElement("option");
        option.value = String(incident.id);
        select.append(option);
      }
      option.textContent = label(incident);
    }
  });
})();
