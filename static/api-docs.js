// Starts Swagger UI on the API page (templates/api_docs.html) from static/vendor/swagger-ui:
// no inline script under the CSP, nothing loaded from another origin.
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  const root = document.getElementById("swagger-ui");
  // "Try it out" runs with the page's login, so unsafe requests need the session's CSRF token,
  // the one htmx sends from the body's hx-headers.
  const headers = JSON.parse(document.body.getAttribute("hx-headers") || "{}");
  window.ui = SwaggerUIBundle({
    url: root.dataset.schemaUrl,
    domNode: root,
    deepLinking: true,
    // The default validator badge is an image from validator.swagger.io: keep everything local.
    validatorUrl: null,
    requestInterceptor: function (request) {
      request.headers["x-csrftoken"] = headers["x-csrftoken"];
      return request;
    },
  });
});
