// Accessibility fixes for markup the theme and docutils produce.
// - The search button's aria-label ("Search") hides its visible text ("Search Ctrl+K"), so
//   speech-input users cannot name it: let the visible text be its name.
// - The colour-mode button's icons carry titles ("Light", "Dark", ...) that do not match its
//   label ("Color mode"): the icons are decoration, so drop their titles and hide them.
// - docutils renders a bibliography as role="list" whose entries have role="doc-biblioentry",
//   which is not a list item: screen readers then announce an empty list.
// - Folded code cells: the <summary> says "Show code cell source" but is labelled
//   "Toggle hidden content"; let the visible text be its name.
// - Sliders of the static widgets have no accessible name: give each handle its widget's label.
// Widgets render after "load", so the fixes run again whenever the page changes.
function applyFixes() {
  document.querySelectorAll("details > summary[aria-label]").forEach((el) => {
    if (el.textContent.trim()) el.removeAttribute("aria-label");
  });
  document.querySelectorAll(".widget-slider, .jupyter-widgets.widget-hslider").forEach((w) => {
    const label = (w.querySelector(".widget-label") || {}).textContent || "value";
    w.querySelectorAll("[role=slider]").forEach((h, i, all) => {
      if (!h.getAttribute("aria-label")) h.setAttribute("aria-label", all.length > 1 ? `${label.trim()} ${i ? "upper" : "lower"} bound` : label.trim());
    });
  });
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
}
window.addEventListener("load", () => {
  applyFixes();
  let pending = false;
  new MutationObserver(() => {
    if (pending) return;
    pending = true;
    setTimeout(() => { pending = false; applyFixes(); }, 50);
  }).observe(document.body, { childList: true, subtree: true });
});
