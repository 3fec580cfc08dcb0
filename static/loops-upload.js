// The loop upload form (templates/loops/upload_form.html): a progress bar while the file goes up
// (htmx's xhr progress events), and a file over the limit refused before a byte is sent.
"use strict";

function uploadForm(event) {
  const form = event.target.closest ? event.target.closest("form.upload-form") : null;
  return form;
}

document.addEventListener("htmx:xhr:progress", function (event) {
  const form = uploadForm(event);
  if (!form || !event.detail.lengthComputable) {
    return;
  }
  const bar = form.querySelector("progress");
  bar.hidden = false;
  bar.value = Math.round((event.detail.loaded / event.detail.total) * 100);
});

document.addEventListener("htmx:confirm", function (event) {
  const form = uploadForm(event);
  if (!form) {
    return;
  }
  const input = form.querySelector("input[type=file]");
  const file = input.files && input.files[0];
  const limit = Number(form.dataset.maxBytes);
  if (file && limit && file.size > limit) {
    event.preventDefault();
    input.setCustomValidity("The file is larger than " + form.dataset.maxMb + " MB, the limit.");
    input.reportValidity();
    return;
  }
  input.setCustomValidity("");
  form.querySelector("button[type=submit]").disabled = true;
});

document.addEventListener("change", function (event) {
  if (event.target instanceof HTMLInputElement && event.target.type === "file") {
    event.target.setCustomValidity("");
  }
});

// A failed request (the network, a 5xx) leaves the form in place: let it be sent again.
document.addEventListener("htmx:afterRequest", function (event) {
  const form = uploadForm(event);
  if (form && form.isConnected) {
    form.querySelector("button[type=submit]").disabled = false;
  }
});
