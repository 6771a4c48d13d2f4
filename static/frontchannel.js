// frontchannel.js: the signed-out page of Front-Channel Logout 1.0 §4.
// It waits until every application's logout iframe has loaded (or five
// seconds have passed), then goes on to the application's
// post_logout_redirect_uri, the Continue link. Same-origin script: the CSP
// forbids inline scripts.
"use strict";

(function () {
  var link = document.querySelector("a[data-frontchannel-continue]");
  if (!link) return;
  var frames = Array.from(document.querySelectorAll("iframe[data-testid=frontchannel-frame]"));
  var pending = frames.length;
  var gone = false;
  function go() {
    if (gone) return;
    gone = true;
    window.location.replace(link.href);
  }
  frames.forEach(function (f) {
    f.addEventListener("load", function () {
      pending -= 1;
      if (pending <= 0) go();
    });
  });
  if (pending === 0) go();
  setTimeout(go, 5000);
})();
