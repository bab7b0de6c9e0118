// Loaded before the bundle by the browser-crypto test page: records every Content Security
// Policy violation the page reports, so that a test can assert there were none.
window.cspViolations = [];
document.addEventListener('securitypolicyviolation', function (event) {
  window.cspViolations.push({
    directive: event.violatedDirective,
    blocked: event.blockedURI,
    sample: event.sample,
  });
});
