// The review queue's keyboard (templates/library/review.html): j/k move between rows, a accepts
// the current row's suggestion, r rejects it, s opens its search by hand. Keys typed into a field
// are left alone.
(function () {
  "use strict";

  function rows() {
    return Array.from(document.querySelectorAll(".review-row"));
  }

  function current() {
    const active = document.activeElement;
    return active && active.closest ? active.closest(".review-row") : null;
  }

  function move(step) {
    const all = rows();
    if (all.length === 0) return;
    const at = all.indexOf(current());
    const next = at === -1 ? 0 : Math.min(Math.max(at + step, 0), all.length - 1);
    all[next].focus();
    all[next].scrollIntoView({ block: "nearest" });
  }

  function press(selector) {
    const row = current() || rows()[0];
    const button = row ? row.querySelector(selector) : null;
    if (!button) return;
    const after = rows()[rows().indexOf(row) + 1];
    button.click();
    if (after) after.focus();
  }

  // s: open the current row's search by hand and put the cursor in its artist field.
  function search() {
    const row = current() || rows()[0];
    const details = row ? row.querySelector(".review-search") : null;
    if (!details) return;
    details.open = true;
    details.querySelector("input[name=artist]").focus();
  }

  // A refused decision (a row gone meanwhile: 404) is said in its row instead of doing nothing.
  document.addEventListener("htmx:responseError", function (event) {
    const source = event.detail.elt;
    const row = source && source.closest ? source.closest(".review-row") : null;
    if (!row) return;
    let note = row.querySelector(".review-error");
    if (!note) {
      note = document.createElement("p");
      note.className = "review-error form-error";
      note.setAttribute("role", "alert");
      row.appendChild(note);
    }
    note.textContent = "Not saved (" + event.detail.xhr.status + "): reload the queue.";
  });

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.target;
    if (target && target.closest && target.closest("input, textarea, select")) return;
    const actions = {
      j: function () { move(1); },
      k: function () { move(-1); },
      a: function () { press(".review-accept"); },
      r: function () { press(".review-reject"); },
      s: function () { search(); },
    };
    const action = actions[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  });
})();
