// Accessibility fixes for markup the theme and docutils produce.
// - The search button's aria-label ("Search") hides its visible text ("Search Ctrl+K"), so
//   speech-input users cannot name it: let the visible text be its name.
// - The colour-mode button's icons carry titles ("Light", "Dark", ...) that do not match its
//   label ("Color mode"): the icons are decoration, so drop their titles and hide them.
// - docutils renders a bibliography as role="list" whose entries have role="doc-biblioentry",
//   which is not a list item: screen readers then announce an empty list.
window.addEventListener("load", () => {
  document.querySelectorAll(".citation-list > .citation").forEach((el) => el.setAttribute("role", "listitem"));
  document.querySelectorAll(".search-button__button").forEach((el) => {
    if (el.textContent.trim()) el.removeAttribute("aria-label");
  });
  document.querySelectorAll(".theme-switch-button > *").forEach((icon) => {
    icon.querySelectorAll("title").forEach((t) => t.remove());
    icon.removeAttribute("aria-labelledby");
    icon.removeAttribute("title");
    icon.setAttribute("aria-hidden", "true");
  });
});
