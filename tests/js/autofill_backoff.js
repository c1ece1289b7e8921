// The account page's passkey autofill must not ask for options in a loop (run by
// tests/unit/test_account_page_script.py): account.js loaded with a stubbed DOM, fetch and
// WebAuthn; node autofill_backoff.js MODE prints how many POSTs to /passkey-login/options one
// signed-out page made in 200 ms. MODE: 429 (every options call refused), notype (a browser
// with conditional mediation but no parseRequestOptionsFromJSON), ok (options answered).
"use strict";
const fs = require("fs");
const vm = require("vm");
const mode = process.argv[2] || "429";
const el = () => ({ hidden: false, value: "", textContent: "", dataset: {}, focus() {}, addEventListener() {},
  replaceChildren() {}, append() {}, getAttribute() { return null; } });
const els = {};
let optionCalls = 0;
const sandbox = {
  console, setTimeout, clearTimeout, AbortController, JSON, Promise, Error, Math, Object, String,
  document: { body: { dataset: { legacy: "/mfa-php/api" } }, getElementById: (id) => (els[id] ||= el()), createElement: el },
  sessionStorage: { getItem: () => null, setItem() {}, removeItem() {} },
  localStorage: { getItem: () => null, setItem() {}, removeItem() {} },
  fetch: async (path) => {
    if (path.endsWith("/passkey-login/options")) optionCalls++;
    await new Promise((r) => setTimeout(r, 1)); // a fast network round trip
    if (mode === "429") return { ok: false, status: 429, json: async () => ({ success: false, message: "Too many requests" }) };
    return { ok: true, status: 200, json: async () => ({ success: true, publicKey: { challenge: "x", timeout: 300000 } }) };
  },
  navigator: { credentials: { get: () => new Promise(() => {}) } },
};
// A browser with conditional mediation but without parseRequestOptionsFromJSON (Chrome 108-128,
// Safari 16-18.3) when mode is "notype"; with it otherwise.
const PKC = { isConditionalMediationAvailable: async () => true };
if (mode !== "notype") PKC.parseRequestOptionsFromJSON = (o) => o;
sandbox.PublicKeyCredential = PKC;
sandbox.window = sandbox;
vm.createContext(sandbox);
vm.runInContext(fs.readFileSync(__dirname + "/../../mfa_api/pages/static/account.js", "utf8"), sandbox);
setTimeout(() => {
  console.log(JSON.stringify({ mode, optionCalls }));
  process.exit(0);
}, 200);
