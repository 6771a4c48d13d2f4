// password.js: the behaviour of password fields on the hosted pages
// (sign-up, reset, change password, delete account, sign-in). Loaded as a
// same-origin script: the CSP forbids inline scripts. Every page works
// without it; it only adds:
//
//  - focus on the error summary after a failed submission, so that screen
//    readers and keyboards start at what went wrong (WCAG 2.1 SC 3.3.1);
//  - a show-password toggle beside each password input (a real <button>
//    with aria-pressed, so it is announced and reachable by keyboard);
//  - live checks of new-password fields with the server's own rules,
//    fetched from /login/password-rules on Admit's origin (length, the
//    common-password list, repeated or sequential patterns, the e-mail
//    address), and a strength meter. The server stays authoritative.
"use strict";

(function () {
  var summary = document.querySelector("[data-error-summary]");
  if (summary) summary.focus();

  document.querySelectorAll(".password-wrap").forEach(function (wrap) {
    var input = wrap.querySelector("input");
    if (!input) return;
    // One constant label, in the page's language (data-show, from the
    // catalog); aria-pressed tells whether the password shows.
    var show = wrap.dataset.show;
    if (!show) return;
    var btn = document.createElement("button");
    btn.type = "button";
    btn.className = "btn btn-secondary password-toggle";
    btn.textContent = show;
    btn.setAttribute("aria-pressed", "false");
    btn.setAttribute("aria-controls", input.id);
    btn.setAttribute("data-testid", input.name + "-toggle");
    btn.addEventListener("click", function () {
      var showing = input.type === "text";
      input.type = showing ? "password" : "text";
      btn.setAttribute("aria-pressed", showing ? "false" : "true");
    });
    wrap.appendChild(btn);
  });

  var fields = document.querySelectorAll('input[data-policy="password"]');
  if (fields.length === 0) return;

  var lang = document.documentElement.lang || "en";
  fetch("/login/password-rules?lang=" + encodeURIComponent(lang), { credentials: "same-origin" })
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (rules) {
      if (!rules) return;
      var blocked = new Set(rules.blocked || []);
      fields.forEach(function (input) { watch(input, rules, blocked); });
    })
    .catch(function () { /* the server checks on submit */ });

  function emailOf(input) {
    if (input.dataset.email) return input.dataset.email;
    var f = input.form && input.form.querySelector('input[type="email"]');
    return f ? f.value : "";
  }

  // problem mirrors selfservice.Policy.Problem, in the same order.
  function problem(pw, email, rules, blocked) {
    var chars = Array.from(pw);
    var n = chars.length;
    if (n < rules.min) return "too_short";
    if (n > rules.max) return "too_long";
    if (blocked.has(pw.toLowerCase())) return "common";
    if (n > 1) {
      var same = true, up = true, down = true;
      for (var i = 1; i < n; i++) {
        var c = chars[i].codePointAt(0), p = chars[i - 1].codePointAt(0);
        same = same && chars[i] === chars[0];
        up = up && c === p + 1;
        down = down && c === p - 1;
      }
      if (same || up || down) return "pattern";
    }
    var local = (email || "").split("@")[0].toLowerCase();
    if (local.length >= 4 && pw.toLowerCase().indexOf(local) >= 0) return "email";
    return "";
  }

  // score: 0 refused; otherwise 1..4 by length beyond the minimum and the
  // kinds of characters used (a hint for people, not a rule).
  function score(pw, rules) {
    var n = Array.from(pw).length;
    var kinds = [/[a-z]/, /[A-Z]/, /[0-9]/, /[^A-Za-z0-9]/].filter(function (re) { return re.test(pw); }).length;
    var s = 1;
    if (n >= rules.min + 4 || kinds >= 3) s = 2;
    if (n >= rules.min + 4 && kinds >= 2) s = 3;
    if (n >= 16 || (n >= rules.min + 6 && kinds >= 3)) s = 4;
    return s;
  }

  function watch(input, rules, blocked) {
    var out = document.getElementById(input.id + "-problem");
    var meter = input.closest(".field").querySelector(".strength");
    function update() {
      var pw = input.value;
      if (pw === "") {
        out.textContent = "";
        out.className = "field-error";
        input.removeAttribute("aria-invalid");
        if (meter) meter.hidden = true;
        return;
      }
      var p = problem(pw, emailOf(input), rules, blocked);
      var s = p ? 0 : score(pw, rules);
      if (meter) {
        meter.hidden = false;
        meter.dataset.score = String(p ? 1 : s);
      }
      if (p) {
        out.className = "field-error";
        out.textContent = rules.messages[p] || "";
        input.setAttribute("aria-invalid", "true");
      } else {
        out.className = "field-ok";
        out.textContent = rules.messages["strength_" + s] || "";
        input.removeAttribute("aria-invalid");
      }
    }
    input.addEventListener("input", update);
    if (input.value !== "") update(); // typed before the rules arrived
  }
})();
