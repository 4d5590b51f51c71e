// Page behaviour of the book (loaded on every page by book/_ext/offline_book.py).
(function () {
  // 1. Phone/tablet navigation. pydata-sphinx-theme 0.17 binds the drawers to the first
  //    ".primary-toggle"/".secondary-toggle" of the page, a hidden button in its own navbar,
  //    so the book theme's visible buttons do nothing (pydata-sphinx-theme #2451). Forward
  //    their clicks to the bound buttons.
  document.addEventListener("click", (event) => {
    const button = event.target.closest && event.target.closest(".primary-toggle, .secondary-toggle");
    if (!button) return;
    const kind = button.classList.contains("primary-toggle") ? ".primary-toggle" : ".secondary-toggle";
    const bound = document.querySelector(kind);
    if (!bound || bound === button) return;
    event.preventDefault();
    event.stopPropagation();
    bound.click();
  }, true);

  // 2. Figures shrunk to fit the column open full size when tapped (or with Enter/Space).
  let dialog = null;
  function zoom(img) {
    if (!dialog) {
      dialog = document.createElement("dialog");
      dialog.className = "dlfund-zoom";
      dialog.setAttribute("aria-label", "Enlarged figure");
      dialog.innerHTML = '<button type="button" class="dlfund-zoom-close">Close</button><div class="dlfund-zoom-body"></div>';
      dialog.addEventListener("click", (e) => {
        if (e.target === dialog || e.target.classList.contains("dlfund-zoom-close")) dialog.close();
      });
      document.body.appendChild(dialog);
    }
    const big = img.cloneNode();
    big.removeAttribute("tabindex");
    big.removeAttribute("role");
    big.removeAttribute("aria-label");
    big.className = "";
    big.style.cssText = "";
    const body = dialog.querySelector(".dlfund-zoom-body");
    body.replaceChildren(big);
    dialog.showModal();
  }
  function naturalWidth(img) {  // CSS width of the figure: its style width (2x PNGs), else its pixels
    return parseFloat(img.style.width) || Number(img.getAttribute("width")) || img.naturalWidth;
  }
  function markZoomable() {
    document.querySelectorAll("main .cell_output img, main figure img").forEach((img) => {
      const shrunk = img.complete && img.naturalWidth && img.getBoundingClientRect().width < 0.9 * naturalWidth(img);
      if (shrunk && !img.classList.contains("dlfund-zoomable")) {
        img.classList.add("dlfund-zoomable");
        img.tabIndex = 0;
        img.setAttribute("role", "button");
        img.setAttribute("aria-label", "Enlarge figure: " + (img.alt || "").slice(0, 120));
      } else if (!shrunk && img.classList.contains("dlfund-zoomable")) {
        img.classList.remove("dlfund-zoomable");
        img.removeAttribute("tabindex");
        img.removeAttribute("role");
        img.removeAttribute("aria-label");
      }
    });
  }
  document.addEventListener("click", (e) => {
    if (e.target.classList && e.target.classList.contains("dlfund-zoomable")) {
      e.preventDefault();  // Sphinx links a scaled figure to its file: open it in place instead
      zoom(e.target);
    }
  });
  document.addEventListener("keydown", (e) => {
    if ((e.key === "Enter" || e.key === " ") && e.target.classList && e.target.classList.contains("dlfund-zoomable")) {
      e.preventDefault();
      zoom(e.target);
    }
  });

  // 3. Wide tables and display equations scroll sideways, with a visible cue and a tab stop.
  function markScrollers() {
    document.querySelectorAll("main table").forEach((table) => {
      if (table.closest(".dlfund-scroll, .pst-scrollable-table-container, .dlfund-quiz")) return;
      const wrap = document.createElement("div");
      wrap.className = "dlfund-scroll";
      table.replaceWith(wrap);
      wrap.appendChild(table);
    });
    document.querySelectorAll("main .dlfund-scroll, main .pst-scrollable-table-container, main mjx-container[display='true'], main div.math").forEach((el) => {
      const wide = el.scrollWidth > el.clientWidth + 1;
      el.classList.toggle("dlfund-scrolls", wide);
      if (wide && !el.hasAttribute("tabindex")) {
        el.tabIndex = 0;
        if (!el.getAttribute("role")) el.setAttribute("role", "group");  // a group, not a landmark: many per page
        if (!el.getAttribute("aria-label")) el.setAttribute("aria-label", el.querySelector("table") ? "Table, scrolls sideways" : "Equation, scrolls sideways");
      }
    });
  }

  // 4. Widgets that need a running Python kernel: controls disabled and labelled, with a way to run them.
  function markKernelWidgets() {
    document.querySelectorAll(".dlfund-needs-kernel:not(.dlfund-static)").forEach((box) => {
      box.classList.add("dlfund-static");
      box.setAttribute("aria-disabled", "true");
      box.querySelectorAll("select, input, button, textarea").forEach((c) => { c.disabled = true; });
      const binder = document.querySelector("a[href*='mybinder.org']");
      const notebook = document.querySelector("a[href$='.ipynb']");
      const note = document.createElement("p");
      note.className = "dlfund-needs-kernel-note";
      note.innerHTML = "<strong>These controls need a running Python kernel</strong> and are disabled on this web page. "
        + (binder ? `<a href="${binder.href}">Launch this chapter on Binder</a>` : "Launch this chapter on Binder")
        + (notebook ? `, or <a href="${notebook.href}" download>download the notebook</a> and run it in Jupyter.` : " or run the notebook in Jupyter.");
      box.parentNode.insertBefore(note, box);
    });
  }

  function refresh() {
    if (window.dlfundA11yFixes) window.dlfundA11yFixes();
    markZoomable();
    markScrollers();
    markKernelWidgets();
  }
  window.addEventListener("load", () => {
    refresh();
    let pending = false;
    new MutationObserver(() => {
      if (pending) return;
      pending = true;
      setTimeout(() => { pending = false; refresh(); }, 100);
    }).observe(document.body, { childList: true, subtree: true });
    window.addEventListener("resize", () => { markZoomable(); markScrollers(); });
    document.addEventListener("toggle", () => { markZoomable(); markScrollers(); }, true);
  });
  window.dlfundBook = { refresh };
})();
