// passkey.js drives the passkey buttons (login, second step, registration)
// described by data-* attributes on [data-passkey] boxes. No framework, no
// inline script (the CSP forbids it). The flow:
//
//  1. POST the box's data-options-url (flow id and CSRF token as a form) to
//     get WebAuthn options; base64url fields become ArrayBuffers.
//  2. navigator.credentials.get/create asks the authenticator.
//  3. The response, JSON with base64url fields, is posted as a regular form
//     to data-submit-url, so the browser follows the server's redirect or
//     shows its page (with an error message).
//
// On the login page a conditional request (mediation: "conditional") is
// started as soon as the page loads, so the e-mail field's autofill offers
// passkeys; pressing the button aborts it and asks again, modally.
(function () {
  "use strict";

  function toBuffer(s) {
    var b64 = s.replace(/-/g, "+").replace(/_/g, "/");
    while (b64.length % 4) b64 += "=";
    var bin = atob(b64);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out.buffer;
  }

  function toBase64url(buf) {
    var bytes = new Uint8Array(buf);
    var bin = "";
    for (var i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]);
    return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function supported() {
    return !!(window.PublicKeyCredential && navigator.credentials);
  }

  function status(box, msg) {
    var el = box.querySelector("[data-passkey-status]");
    if (!el) return;
    el.textContent = msg;
    el.hidden = !msg;
  }

  // text is a message the page rendered in its language (data-msg-* on the
  // passkey box, from the catalogs), else the English fallback.
  // text is a message of the page's language: the template renders each
  // one from the catalog as a data-msg-* attribute (templates/
  // scripts_test.go checks that every message read here is rendered).
  function text(key) {
    var el = document.querySelector("[data-passkey]");
    return (el && el.dataset[key]) || "";
  }

  function post(url, fields) {
    var body = new URLSearchParams();
    Object.keys(fields).forEach(function (k) { if (fields[k] !== undefined) body.append(k, fields[k]); });
    return fetch(url, {
      method: "POST", credentials: "same-origin", body: body,
      headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) {
        if (!res.ok || !data.publicKey) {
          throw new Error(data.error || text("msgUnavailable"));
        }
        return data.publicKey;
      });
    });
  }

  function requestOptions(pk) {
    pk.challenge = toBuffer(pk.challenge);
    (pk.allowCredentials || []).forEach(function (c) { c.id = toBuffer(c.id); });
    return pk;
  }

  function creationOptions(pk) {
    pk.challenge = toBuffer(pk.challenge);
    pk.user.id = toBuffer(pk.user.id);
    (pk.excludeCredentials || []).forEach(function (c) { c.id = toBuffer(c.id); });
    return pk;
  }

  function encode(cred) {
    var r = cred.response;
    var out = {
      id: cred.id, rawId: toBase64url(cred.rawId), type: cred.type,
      authenticatorAttachment: cred.authenticatorAttachment || undefined,
      clientExtensionResults: cred.getClientExtensionResults ? cred.getClientExtensionResults() : {},
      response: { clientDataJSON: toBase64url(r.clientDataJSON) },
    };
    if (r.attestationObject) {
      out.response.attestationObject = toBase64url(r.attestationObject);
      if (r.getTransports) out.response.transports = r.getTransports();
    } else {
      out.response.authenticatorData = toBase64url(r.authenticatorData);
      out.response.signature = toBase64url(r.signature);
      if (r.userHandle) out.response.userHandle = toBase64url(r.userHandle);
    }
    return JSON.stringify(out);
  }

  function submit(box, credential) {
    var form = document.createElement("form");
    form.method = "post";
    form.action = box.dataset.submitUrl;
    form.hidden = true;
    var fields = { flow: box.dataset.flow, csrf_token: box.dataset.csrf, credential: credential, name: nameOf(box) };
    Object.keys(fields).forEach(function (k) {
      if (fields[k] === undefined) return;
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = k;
      input.value = fields[k];
      form.appendChild(input);
    });
    document.body.appendChild(form);
    form.submit();
  }

  function nameOf(box) {
    var input = box.querySelector("[data-passkey-name]");
    return input ? input.value : undefined;
  }

  function explain(err) {
    if (err && err.name === "NotAllowedError") return text("msgCancelled");
    if (err && err.name === "InvalidStateError") return text("msgExists");
    if (err && err.name === "AbortError") return "";
    return (err && err.message) || text("msgFailed");
  }

  // ceremony runs one request; mediation "conditional" is the autofill one.
  function ceremony(box, mediation, signal) {
    var mode = box.dataset.passkey;
    return post(box.dataset.optionsUrl, { flow: box.dataset.flow, csrf_token: box.dataset.csrf })
      .then(function (pk) {
        if (mode === "register") return navigator.credentials.create({ publicKey: creationOptions(pk) });
        var req = { publicKey: requestOptions(pk), signal: signal };
        if (mediation) req.mediation = mediation;
        return navigator.credentials.get(req);
      })
      .then(function (cred) {
        if (cred) submit(box, encode(cred));
      });
  }

  function setup(box) {
    var button = box.querySelector("[data-passkey-start]");
    if (!supported()) {
      if (button) button.disabled = true;
      status(box, text("msgUnsupported"));
      return;
    }
    var controller = null;
    if (box.dataset.passkey === "login" && PublicKeyCredential.isConditionalMediationAvailable) {
      PublicKeyCredential.isConditionalMediationAvailable().then(function (ok) {
        if (!ok) return;
        controller = new AbortController();
        ceremony(box, "conditional", controller.signal).catch(function () { /* autofill dismissed */ });
      });
    }
    if (!button) return;
    button.addEventListener("click", function () {
      if (controller) controller.abort();
      controller = new AbortController();
      status(box, "");
      button.disabled = true;
      ceremony(box, "", controller.signal).catch(function (err) {
        button.disabled = false;
        status(box, explain(err));
      });
    });
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-passkey]"), setup);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
