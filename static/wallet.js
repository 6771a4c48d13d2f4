// Wallet sign-in (Sign-In with Ethereum / Solana) for Admit's login and
// account pages. No framework, no third-party code: the page's CSP allows
// only same-origin scripts, and everything comes from data-* attributes.
//
// 1. Ask the wallet for its account (EIP-1193 with EIP-6963 discovery, or
//    the Solana Wallet Standard / window.solana).
// 2. POST the nonce URL (flow, CSRF token, chain, address): the server
//    answers with a fresh nonce and every message field.
// 3. Build the EIP-4361 / SIWS text exactly as the server renders it, ask
//    the wallet to sign it, and submit it with a normal form post, so the
//    browser follows the server's redirect (or shows its error page).
"use strict";
(function () {
  var header = { ethereum: "Ethereum", solana: "Solana" };

  // EIP-6963: wallets announce themselves in answer to a request event.
  var ethProviders = [];
  window.addEventListener("eip6963:announceProvider", function (e) {
    var d = e.detail;
    if (d && d.provider && !ethProviders.some(function (p) { return p.info.uuid === d.info.uuid; })) {
      ethProviders.push(d);
    }
  });
  window.dispatchEvent(new Event("eip6963:requestProvider"));

  // Wallet Standard: wallets register through this callback API.
  var solWallets = [];
  function registerStandard() {
    for (var i = 0; i < arguments.length; i++) {
      var w = arguments[i];
      if (w && w.features && w.features["solana:signMessage"] && w.features["standard:connect"]) {
        solWallets.push(w);
      }
    }
    return function () {};
  }
  window.addEventListener("wallet-standard:register-wallet", function (e) {
    if (typeof e.detail === "function") e.detail({ register: registerStandard });
  });
  try {
    window.dispatchEvent(new CustomEvent("wallet-standard:app-ready", { detail: { register: registerStandard } }));
  } catch (err) { /* old browsers: window.solana still works */ }

  function buildMessage(chain, f) {
    var lines = [
      f.domain + " wants you to sign in with your " + header[chain] + " account:",
      f.address, "",
    ];
    if (f.statement) lines.push(f.statement);
    lines.push("", "URI: " + f.uri, "Version: " + f.version, "Chain ID: " + f.chainId,
      "Nonce: " + f.nonce, "Issued At: " + f.issuedAt);
    if (f.expirationTime) lines.push("Expiration Time: " + f.expirationTime);
    return lines.join("\n");
  }

  function utf8Hex(s) {
    var bytes = new TextEncoder().encode(s), out = "0x";
    for (var i = 0; i < bytes.length; i++) out += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    return out;
  }

  function base64(bytes) {
    var s = "";
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s);
  }

  // text is a message the page rendered in its language (data-msg-* on the
  // wallet box, from the catalogs), else the English fallback.
  // text is a message of the page's language: the template renders each
  // one from the catalog as a data-msg-* attribute (templates/
  // scripts_test.go checks that every message read here is rendered).
  function text(key) {
    var el = document.querySelector("[data-wallet]");
    return (el && el.dataset[key]) || "";
  }

  function pickEthereum(box) {
    if (ethProviders.length === 1) return Promise.resolve(ethProviders[0].provider);
    if (ethProviders.length > 1) return choose(box, ethProviders);
    if (window.ethereum) return Promise.resolve(window.ethereum);
    return Promise.reject(new Error(text("msgNoEthereum")));
  }

  // choose lets the user pick one of several EIP-6963 wallets.
  function choose(box, list) {
    return new Promise(function (resolve) {
      var menu = document.createElement("div");
      menu.className = "wallet-choices stack";
      menu.setAttribute("data-testid", "wallet-choices");
      var label = document.createElement("p");
      label.textContent = text("msgChoose");
      menu.appendChild(label);
      list.forEach(function (p) {
        var b = document.createElement("button");
        b.type = "button";
        b.className = "btn btn-secondary";
        b.textContent = p.info.name;
        b.addEventListener("click", function () { menu.remove(); resolve(p.provider); });
        menu.appendChild(b);
      });
      box.insertBefore(menu, box.querySelector("[data-wallet-status]"));
    });
  }

  function ethereumAccount(box) {
    return pickEthereum(box).then(function (provider) {
      return provider.request({ method: "eth_requestAccounts" }).then(function (accounts) {
        if (!accounts || !accounts.length) throw new Error(text("msgNoAccount"));
        return provider.request({ method: "eth_chainId" }).then(function (chainId) {
          return {
            address: accounts[0], chainId: String(parseInt(chainId, 16)),
            sign: function (text, address) {
              return provider.request({ method: "personal_sign", params: [utf8Hex(text), address] });
            },
          };
        });
      });
    });
  }

  function solanaAccount() {
    var w = solWallets[0];
    if (w) {
      return w.features["standard:connect"].connect().then(function (res) {
        var account = (res && res.accounts && res.accounts[0]) || w.accounts[0];
        if (!account) throw new Error(text("msgNoAccount"));
        return {
          address: account.address, chainId: "",
          sign: function (text) {
            var msg = new TextEncoder().encode(text);
            return w.features["solana:signMessage"].signMessage({ account: account, message: msg })
              .then(function (out) { return base64(out[0].signature); });
          },
        };
      });
    }
    var sol = window.solana;
    if (!sol) return Promise.reject(new Error(text("msgNoSolana")));
    return sol.connect().then(function (res) {
      var key = (res && res.publicKey) || sol.publicKey;
      return {
        address: key.toString(), chainId: "",
        sign: function (text) {
          return sol.signMessage(new TextEncoder().encode(text), "utf8")
            .then(function (out) { return base64(out.signature || out); });
        },
      };
    });
  }

  function post(url, fields) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
      body: new URLSearchParams(fields).toString(),
    }).then(function (res) {
      var json = (res.headers.get("Content-Type") || "").indexOf("application/json") === 0;
      if (!json) throw new Error(text("msgExpired"));
      return res.json().then(function (body) {
        if (!res.ok) throw new Error(body.error || text("msgFailed"));
        return body;
      });
    });
  }

  // submit posts the signed message as a regular form so the browser
  // follows whatever the server answers.
  function submit(box, fields) {
    var form = document.createElement("form");
    form.method = "post";
    form.action = box.dataset.verifyUrl;
    form.hidden = true;
    Object.keys(fields).forEach(function (k) {
      var input = document.createElement("input");
      input.type = "hidden";
      input.name = k;
      input.value = fields[k];
      form.appendChild(input);
    });
    document.body.appendChild(form);
    form.submit();
  }

  function showError(box, err) {
    var status = box.querySelector("[data-wallet-status]");
    var msg = err && err.message ? err.message : String(err);
    if (err && err.code === 4001) msg = text("msgDeclined");
    status.textContent = msg;
    status.hidden = false;
  }

  function start(box, button) {
    var chain = button.dataset.walletChain;
    var base = { flow: box.dataset.flow || "", csrf_token: box.dataset.csrf };
    var buttons = box.querySelectorAll("button");
    buttons.forEach(function (b) { b.disabled = true; });
    box.querySelector("[data-wallet-status]").hidden = true;
    var account;
    (chain === "ethereum" ? ethereumAccount(box) : solanaAccount())
      .then(function (acc) {
        account = acc;
        return post(box.dataset.nonceUrl, Object.assign({ chain: chain, address: acc.address, chain_id: acc.chainId }, base));
      })
      .then(function (fields) {
        var text = buildMessage(chain, fields);
        return account.sign(text, fields.address).then(function (signature) {
          submit(box, Object.assign({ message: text, signature: signature }, base));
        });
      })
      .catch(function (err) {
        buttons.forEach(function (b) { b.disabled = false; });
        showError(box, err);
      });
  }

  document.querySelectorAll("[data-wallet]").forEach(function (box) {
    box.querySelectorAll("[data-wallet-chain]").forEach(function (button) {
      button.addEventListener("click", function () { start(box, button); });
    });
  });
})();
