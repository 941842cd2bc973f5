/* The admin pages: an invitation link, a webhook URL or a secret is selected as soon as
 * it gets focus, ready to copy. Delegated from the document, so it holds for panels htmx
 * swaps in later. */
document.addEventListener("focusin", (event) => {
  if (event.target.matches("input[data-select-on-focus]")) event.target.select();
});
