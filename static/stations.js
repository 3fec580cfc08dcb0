// The station form shows only the chosen source's fields (data-kinds) and the chosen transport's
// (data-modes: the poll interval or the webhook secret). Without this script every field shows.
// A field carrying an error is never hidden: its message must stay in sight.
"use strict";

function stationMode(form, kind) {
  const transport = form.querySelector("select[name=transport]");
  if (kind !== "azuracast") {
    return "poll"; // Icecast and SHOUTcast are always polled
  }
  return transport && transport.value === "webhook" ? "webhook" : "poll";
}

function showStationFields(form) {
  const kindSelect = form.querySelector("select[name=kind]");
  if (!kindSelect) {
    return;
  }
  const kind = kindSelect.value;
  const mode = stationMode(form, kind);
  form.querySelectorAll("[data-kinds], [data-modes]").forEach(function (field) {
    const kinds = field.dataset.kinds ? field.dataset.kinds.split(" ") : [kind];
    const modes = field.dataset.modes ? field.dataset.modes.split(" ") : [mode];
    const wanted = kinds.includes(kind) && modes.includes(mode);
    field.hidden = !wanted && !field.querySelector("[aria-invalid=true]");
  });
  // A transport other than polling, left over from AzuraCast, would be refused for the others.
  const transport = form.querySelector("select[name=transport]");
  if (transport && kind !== "azuracast" && transport.value !== "poll") {
    transport.value = "";
  }
}

function setUpStationForms(root) {
  const forms = root.matches && root.matches(".station-form") ? [root] : root.querySelectorAll(".station-form");
  forms.forEach(function (form) {
    showStationFields(form);
  });
}

// The first page load and every form htmx swaps in (a 422 brings the form back with errors).
htmx.onLoad(setUpStationForms);
document.addEventListener("change", function (event) {
  const target = event.target;
  if (target instanceof HTMLSelectElement && (target.name === "kind" || target.name === "transport")) {
    const form = target.closest(".station-form");
    if (form) {
      showStationFields(form);
    }
  }
});
