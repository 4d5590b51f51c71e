// Loaded between require.js and the Jupyter widgets HTML manager, on pages with widgets only.
// 1. The manager asks require.js for its own fonts; point that module path at our _static copy
//    (otherwise the fonts are requested relative to the page and 404).
(function () {
  const root = new URL(document.documentElement.dataset.content_root || "./", window.location.href);
  require.config({ paths: { "@jupyter-widgets/html-manager/dist": new URL("_static/html-manager", root).href } });
})();
// 2. ipywidgets 8 typesets widget labels through the MathJax 2 API (MathJax.Hub.Queue); the book
//    uses MathJax 3, so offer that one call on top of MathJax 3's typesetPromise.
window.addEventListener("DOMContentLoaded", () => {
  if (!window.MathJax || window.MathJax.Hub) return;
  window.MathJax.Hub = {
    Queue: (...jobs) => {
      for (const job of jobs) {
        if (Array.isArray(job) && job[0] === "Typeset" && window.MathJax.typesetPromise) {
          window.MathJax.typesetPromise(job[2] ? [job[2]] : undefined).catch(() => {});
        }
      }
    },
  };
});
