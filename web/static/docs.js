// Swagger UI over /openapi.json; no online validator badge (the page makes no outside call).
// BaseLayout, not StandaloneLayout: the standalone top bar (a box to load any URL's spec)
// draws its logo as an SVG with an inline <style>, which our policy (no 'unsafe-inline')
// blocks; we need neither.
window.addEventListener("load", () => {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
});
