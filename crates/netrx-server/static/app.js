// netrx web app: progressive enhancement only — every page and form works without it.
// 1. Unsaved-change warning on the case editor.
// 2. "Add a row" for the editor's row lists.
// 3. Focus the error summary after a refused save; the print button of the report.
(function () {
  "use strict";

  function ready(fn) {
    if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); }
  }

  ready(function () {
    // 1. Unsaved changes: warn before leaving a changed form (not when submitting it).
    var forms = document.querySelectorAll("form[data-warn-unsaved]");
    forms.forEach(function (form) {
      var dirty = false;
      var mark = function () { dirty = true; form.setAttribute("data-dirty", "true"); };
      form.addEventListener("input", mark);
      form.addEventListener("change", mark);
      form.addEventListener("submit", function () { dirty = false; });
      window.addEventListener("beforeunload", function (e) {
        if (dirty) { e.preventDefault(); e.returnValue = ""; return ""; }
      });
      // A refused save (errors or a conflict) still holds unsaved edits.
      if (document.getElementById("error-summary") || document.getElementById("conflict")) { mark(); }
      document.querySelectorAll("a[data-discard]").forEach(function (a) {
        a.addEventListener("click", function (e) {
          if (!window.confirm("Discard the edits in this form and load the current version?")) { e.preventDefault(); return; }
          dirty = false;
        });
      });
    });

    // 2. Add a row: copy the last row of the list, with the next index and empty values.
    document.querySelectorAll("button[data-add-row]").forEach(function (btn) {
      btn.addEventListener("click", function () {
        var list = btn.getAttribute("data-add-row");
        var body = document.querySelector('tbody[data-list="' + list + '"]');
        if (!body || !body.lastElementChild) { return; }
        var last = body.lastElementChild;
        var n = body.children.length;
        var re = new RegExp("^(i-|e-)?" + list.replace(/\./g, "\\.") + "\\[\\d+\\]");
        var row = last.cloneNode(true);
        var rename = function (v) { return v.replace(re, function (m, p) { return (p || "") + list + "[" + n + "]"; }); };
        row.id = rename(row.id);
        row.querySelectorAll("input, select").forEach(function (el) {
          el.name = rename(el.name);
          el.id = rename(el.id);
          el.removeAttribute("aria-invalid");
          el.removeAttribute("aria-describedby");
          if (el.tagName === "SELECT") { el.selectedIndex = 0; } else { el.value = ""; }
          var label = el.getAttribute("aria-label");
          if (label) { el.setAttribute("aria-label", label.replace(/row \d+$/, "row " + (n + 1))); }
        });
        row.querySelectorAll(".err").forEach(function (p) { p.remove(); });
        row.querySelectorAll(".invalid").forEach(function (td) { td.classList.remove("invalid"); });
        body.appendChild(row);
        var first = row.querySelector("input, select");
        if (first) { first.focus(); }
      });
    });

    // 3. After a refused save, move focus to the summary so screen readers announce it.
    var summary = document.getElementById("error-summary") || document.getElementById("conflict");
    if (summary) {
      if (!summary.hasAttribute("tabindex")) { summary.setAttribute("tabindex", "-1"); }
      summary.focus();
    }
    document.querySelectorAll("button[data-print]").forEach(function (b) {
      b.addEventListener("click", function () { window.print(); });
    });
  });
})();
