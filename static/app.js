// The page script every page loads after htmx: htmx's settings and the little behaviour that used
// to sit inline in templates, which the Content-Security-Policy (script-src 'self', no inline
// style) would now refuse (web/app.py SECURITY_HEADERS, docs: DESIGN §9).
"use strict";

// htmx otherwise injects a <style> element for its request indicators; no eval either, so
// nothing on a page can lean on a feature the CSP blocks.
htmx.config.includeIndicatorStyles = false;
htmx.config.allowEval = false;
// 422 answers carry a form with its errors next to the fields: htmx must swap them in.
htmx.config.responseHandling = [
  { code: "204", swap: false },
  { code: "[23]..", swap: true },
  { code: "422", swap: true },
  { code: "[45]..", swap: false, error: true },
];

// The now-playing progress bar runs as a CSS animation from the server's numbers; custom
// properties set from the script are allowed where a style="" attribute is not.
function startProgress(root) {
  root.querySelectorAll(".progress[data-duration]").forEach(function (bar) {
    bar.style.setProperty("--duration", bar.dataset.duration);
    bar.style.setProperty("--elapsed", bar.dataset.elapsed || "0");
  });
}

// New content from a request (htmx:load) or from the live stream, which the SSE extension swaps
// in without a load event: it tells with htmx:sseMessage on the element it swapped into.
htmx.onLoad(startProgress);
document.addEventListener("htmx:sseMessage", function (event) {
  startProgress(event.target);
});

// A loop without a thumbnail yet: hide the broken image (error events do not bubble, so listen
// in the capture phase for every image, present and swapped in later).
document.addEventListener(
  "error",
  function (event) {
    if (event.target instanceof HTMLImageElement && event.target.classList.contains("loop-thumb")) {
      event.target.hidden = true;
    }
  },
  true,
);

// Phones: the navigation and the account links fold behind the Menu button (static/app.css
// hides them only once this has run, so without the script they stay visible).
document.addEventListener("DOMContentLoaded", function () {
  const toggle = document.querySelector(".menu-toggle");
  if (!toggle) return;
  const topbar = toggle.closest(".topbar");
  topbar.classList.add("menu-ready");
  toggle.addEventListener("click", function () {
    const open = topbar.classList.toggle("menu-open");
    toggle.setAttribute("aria-expanded", String(open));
  });
});

// A form marked data-swap-refusal answers a refused filter (a bad date) with a 400 that carries
// its results and the error beside the field: swap it in like a 422.
document.addEventListener("htmx:beforeSwap", function (event) {
  var source = event.detail.requestConfig && event.detail.requestConfig.elt;
  if (event.detail.xhr.status === 400 && source && source.closest("[data-swap-refusal]")) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
