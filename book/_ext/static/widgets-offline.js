// Jupyter widgets in the static book, with MathJax 3 and nothing loaded from a CDN.
// 1. The widgets HTML manager (1.0.x) typesets widget labels with the MathJax 2 API,
//    MathJax.Hub.Queue(["Typeset", MathJax.Hub, element]). MathJax 3 has no Hub, so every
//    widget with a description threw a page error. Give the MathJax 3 object a Hub.Queue
//    that calls MathJax.typesetPromise on the element.
// 2. The manager finds its icon fonts next to its AMD module, which require.js would look
//    for under the page's folder (404s). Point that module path at _static/html-manager.
(function () {
  "use strict";
  var staticDir = document.currentScript.src.replace(/[^/]*$/, "");
  var hub = {
    Queue: function (job) {
      var mj = window.MathJax;
      if (Array.isArray(job) && job[0] === "Typeset" && mj && mj.typesetPromise) {
        mj.typesetPromise([job[2]]).catch(function () {});
      }
    },
  };
  var current = window.MathJax;
  function withHub(value) {
    // only the loaded MathJax (it has a version), never the configuration object before it
    if (value && typeof value === "object" && value.version && !value.Hub) value.Hub = hub;
    return value;
  }
  Object.defineProperty(window, "MathJax", {
    configurable: true,
    get: function () { return current; },
    set: function (value) { current = withHub(value); },
  });
  withHub(current);

  var paths = { "@jupyter-widgets/html-manager/dist": staticDir + "html-manager" };
  if (typeof window.requirejs === "function") {
    window.requirejs.config({ paths: paths });
  } else if (typeof window.require !== "function") {
    // read by require.js as its configuration when it loads later on widget pages
    window.require = Object.assign(window.require || {}, { paths: paths });
  }
})();
