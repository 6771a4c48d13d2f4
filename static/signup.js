// signup.js: live feedback on new-password fields (sign-up, reset, change
// password). It only mirrors the length rules the server enforces; the
// server's answer (blocklist, patterns) stays authoritative. Loaded as a
// same-origin script: the CSP forbids inline scripts.
"use strict";

(function () {
  function check(input) {
    var min = parseInt(input.dataset.min, 10) || 8;
    var max = parseInt(input.dataset.max, 10) || 128;
    var n = Array.from(input.value).length;
    if (n === 0) return "";
    if (n < min) return "Use at least " + min + " characters (" + (min - n) + " more).";
    if (n > max) return "Use at most " + max + " characters.";
    if (/^(.)\1+$/.test(input.value)) return "A repeated character is too easy to guess.";
    return "";
  }

  document.querySelectorAll('input[data-policy="password"]').forEach(function (input) {
    var out = document.getElementById(input.getAttribute("aria-describedby"));
    if (!out) return;
    input.addEventListener("input", function () {
      var msg = check(input);
      out.textContent = msg;
      if (msg) input.setAttribute("aria-invalid", "true");
      else input.removeAttribute("aria-invalid");
    });
  });
})();
