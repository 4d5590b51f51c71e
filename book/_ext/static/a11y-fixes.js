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
// - The primary sidebar (book title, search box, table of contents) is a plain <div>: content
//   outside any landmark. It becomes a labelled complementary region.
// - DataFrames have an empty header cell in their top-left corner (and above the index): an
//   empty <th> labels nothing, so it becomes a plain cell. A header that is only math (MathJax
//   draws glyphs with CSS: no text for axe) shows the text of its MathML, e.g. "f′(z)", instead.
// Widgets render after "load", so book.js runs the fixes again whenever the page changes.
function applyFixes() {
  const sidebar = document.getElementById("pst-primary-sidebar");
  if (sidebar && !sidebar.getAttribute("role")) {  // its title and search box sit outside any landmark
    sidebar.setAttribute("role", "complementary");
    sidebar.setAttribute("aria-label", "Book navigation");
  }
  document.querySelectorAll("main th").forEach((th) => {
    const math = th.querySelectorAll("mjx-container");
    if (math.length && !th.querySelector(".dlfund-th-math")) {
      const rest = th.cloneNode(true);
      rest.querySelectorAll("mjx-container").forEach((m) => m.remove());
      if (!rest.textContent.trim()) {
        const text = document.createElement("span");
        text.className = "dlfund-th-math";
        text.textContent = Array.from(math, (m) => m.textContent.trim()).join(" ");
        math.forEach((m) => { m.style.display = "none"; });
        th.prepend(text);
      }
    }
    if (th.textContent.trim() || th.querySelector("img, svg")) return;
    const td = document.createElement("td");
    for (const { name, value } of th.attributes) if (name !== "scope") td.setAttribute(name, value);
    th.replaceWith(td);
  });
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
// book.js runs the fixes on "load" and again whenever the page changes.
window.dlfundA11yFixes = applyFixes;
