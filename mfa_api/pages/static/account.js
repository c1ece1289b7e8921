// The /account page: plain JavaScript calling the service's JSON API (no build step, no CDN).
"use strict";

const AUTH = "/api/auth";
const LEGACY = document.body.dataset.legacy;
const $ = (id) => document.getElementById(id);
const state = {
  access: sessionStorage.getItem("access"),
  email: sessionStorage.getItem("email"),
  challenge: null,
};

function say(message) {
  $("error").textContent = "";
  $("status").textContent = message || "";
}

function fail(error) {
  $("status").textContent = "";
  $("error").textContent = error.message || String(error);
  $("error").focus();
}

async function api(method, path, body, token) {
  const headers = {};
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = "Bearer " + token;
  const options = { method, headers };
  if (body !== undefined) options.body = JSON.stringify(body);
  const response = await fetch(path, options);
  let data = {};
  try {
    data = await response.json();
  } catch (ignored) {
    data = {};
  }
  if (!response.ok || data.success === false) {
    const error = new Error(data.message || data.error || "Request failed (" + response.status + ")");
    error.status = response.status;
    throw error;
  }
  return data;
}

function show(section) {
  for (const id of ["signed-out", "signup-confirm", "second-step", "signed-in"]) {
    $(id).hidden = id !== section;
  }
}

function deviceKey(email) {
  return "device:" + email.toLowerCase();
}

function stepUp() {
  const body = { password: $("step-password").value };
  const code = $("step-code").value.trim();
  if (code) body.otp = code;
  return body;
}

function setAccess(token) {
  state.access = token;
  sessionStorage.setItem("access", token);
}

function listItems(list, items, render) {
  list.replaceChildren();
  for (const item of items) {
    const li = document.createElement("li");
    render(li, item);
    list.append(li);
  }
  if (!items.length) {
    const li = document.createElement("li");
    li.textContent = "None.";
    list.append(li);
  }
}

function button(label, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  b.addEventListener("click", () => onClick().catch(fail));
  return b;
}

// Signing up: the mfa-php face's /register, then /verify with both codes.
async function signUp(event) {
  event.preventDefault();
  const form = new FormData(event.target);
  const body = Object.fromEntries(form.entries());
  const answer = await api("POST", LEGACY + "/register", body);
  state.email = body.email;
  $("signup-qr").src = answer.data.qrCode;
  $("signup-secret").textContent = answer.data.secret;
  show("signup-confirm");
  say("Check your email for a code, and add the key to your authenticator app.");
  $("confirm-email-code").focus();
}

async function confirmSignUp(event) {
  event.preventDefault();
  const body = { email: state.email, type: "register", ...Object.fromEntries(new FormData(event.target).entries()) };
  await api("POST", LEGACY + "/verify", body);
  show("signed-out");
  $("login-email").value = state.email;
  say("Your account is ready. Log in.");
  $("login-password").focus();
}

// Logging in: the password, then (2FA on) a code, a backup code or a passkey.
async function logIn(event) {
  event.preventDefault();
  stopAutofill(); // one WebAuthn request at a time: the second step may use a passkey
  const email = $("login-email").value.trim();
  const body = { email, password: $("login-password").value };
  const device = localStorage.getItem(deviceKey(email));
  if (device) body.deviceToken = device;
  const answer = await api("POST", AUTH + "/login", body);
  state.email = email;
  sessionStorage.setItem("email", email);
  if (answer.requires2fa) {
    state.challenge = answer.challengeToken;
    show("second-step");
    say("Enter the code from your authenticator app, or use a passkey.");
    $("second-code").focus();
    return;
  }
  await signedIn(answer);
}

async function signedIn(answer) {
  stopAutofill();
  setAccess(answer.accessToken);
  if (answer.deviceToken) localStorage.setItem(deviceKey(state.email), answer.deviceToken);
  state.challenge = null;
  $("login-password").value = "";
  await showAccount();
  say("You are signed in.");
}

async function answerCode(event) {
  event.preventDefault();
  const body = { otp: $("second-code").value.trim(), remember: $("remember").checked };
  await signedIn(await api("POST", AUTH + "/2fa/verify", body, state.challenge));
}

async function answerBackupCode(event) {
  event.preventDefault();
  const body = { backup_code: $("backup-code").value.trim(), remember: $("remember").checked };
  const answer = await api("POST", AUTH + "/2fa/recover", body, state.challenge);
  await signedIn(answer);
  say("Signed in with a backup code; " + answer.remainingBackupCodes + " left. " + (answer.warning || ""));
}

async function answerPasskey() {
  const asked = await api("POST", AUTH + "/2fa/passkey/options", undefined, state.challenge);
  const options = PublicKeyCredential.parseRequestOptionsFromJSON(asked.publicKey);
  const credential = await navigator.credentials.get({ publicKey: options });
  const body = { credential: credential.toJSON(), remember: $("remember").checked };
  await signedIn(await api("POST", AUTH + "/2fa/passkey", body, state.challenge));
}

// Signing in with a passkey alone: the button (the email, if typed, names its passkeys), and
// the browser's passkey autofill on the email field (conditional mediation) where it offers it.
let autofill = null; // the AbortController of the pending autofill request
let autofillFailures = 0; // options that could not be had in a row: each waits twice as long
const AUTOFILL_TRIES = 5;

async function finishPasskeySignIn(asked, request) {
  const options = PublicKeyCredential.parseRequestOptionsFromJSON(asked.publicKey);
  const credential = await navigator.credentials.get({ ...request, publicKey: options });
  const answer = await api("POST", AUTH + "/passkey-login", { credential: credential.toJSON() });
  await signedIn(answer);
  state.email = $("who").textContent;
  sessionStorage.setItem("email", state.email);
  say("Signed in with a passkey.");
}

async function signInWithPasskey() {
  stopAutofill();
  try {
    const email = $("login-email").value.trim();
    const asked = await api("POST", AUTH + "/passkey-login/options", email ? { email } : undefined);
    await finishPasskeySignIn(asked, {});
  } catch (error) {
    startAutofill().catch(fail);
    throw error;
  }
}

function stopAutofill() {
  if (autofill) autofill.abort();
  autofill = null;
}

function offersAutofill() {
  const credential = window.PublicKeyCredential;
  // parseRequestOptionsFromJSON came after conditional mediation (Chrome 129, Safari 18.4).
  return Boolean(credential && credential.isConditionalMediationAvailable && credential.parseRequestOptionsFromJSON);
}

async function startAutofill() {
  if (autofill || !offersAutofill()) return;
  if (!(await PublicKeyCredential.isConditionalMediationAvailable())) return;
  const controller = new AbortController();
  autofill = controller;
  let asked;
  try {
    asked = await api("POST", AUTH + "/passkey-login/options");
    autofillFailures = 0;
  } catch (error) {
    // No options (rate-limited, unavailable, offline): try again later, twice as late each
    // time, and give up after a few, rather than spend the address's limit in a loop.
    if (autofill === controller) autofill = null;
    if (!controller.signal.aborted) retryAutofillLater();
    return;
  }
  try {
    // Its challenge answers within its timeout: ask for fresh options a little before.
    const renew = Math.max(10000, (asked.publicKey.timeout || 300000) - 10000);
    setTimeout(() => {
      if (autofill === controller) {
        stopAutofill();
        startAutofill();
      }
    }, renew);
    $("login-form").dataset.passkeyAutofill = "on";
    await finishPasskeySignIn(asked, { mediation: "conditional", signal: controller.signal });
  } catch (error) {
    if (controller.signal.aborted) return; // stopped: the button, a login, or renewed
    autofill = null;
    if (error.name === "NotAllowedError") return; // the browser's own refusal or time-out
    fail(error);
    if (error.status === 401 || error.status === 423) startAutofill().catch(fail); // refused
    else retryAutofillLater(); // the service could not answer: not at once
  }
}

function retryAutofillLater() {
  if (++autofillFailures > AUTOFILL_TRIES) return;
  setTimeout(() => {
    if (!state.access) startAutofill().catch(fail); // still signed out
  }, 2000 * 2 ** autofillFailures);
}

// The signed-in page.
async function showAccount() {
  const me = await api("GET", AUTH + "/me", undefined, state.access);
  $("who").textContent = me.email;
  $("twofa-state").textContent = me.twofaEnabled ? "on" : "off";
  $("setup-start").hidden = me.twofaEnabled;
  $("disable").hidden = !me.twofaEnabled;
  show("signed-in");
  await Promise.all([listPasskeys(), listDevices(), listEvents()]);
}

async function listPasskeys() {
  const answer = await api("GET", AUTH + "/passkeys", undefined, state.access);
  listItems($("passkey-list"), answer.passkeys, (li, passkey) => {
    li.append(passkey.name + " (added " + passkey.createdAt + ") ");
    if (passkey.suspended) {
      const warning = document.createElement("strong");
      warning.textContent = "Suspended: a copy of it may exist. Remove it (with another second factor) and add a new one. ";
      li.append(warning);
    }
    li.append(button("Remove " + passkey.name, async () => {
      await api("DELETE", AUTH + "/passkeys/" + passkey.id, stepUp(), state.access);
      say("Passkey removed.");
      await listPasskeys();
    }));
  });
}

async function listDevices() {
  const answer = await api("GET", AUTH + "/devices", undefined, state.access);
  listItems($("device-list"), answer.devices, (li, device) => {
    li.append(device.label + " (last used " + device.lastUsedAt + ") ");
    li.append(button("Forget this device", async () => {
      await api("DELETE", AUTH + "/devices/" + device.id, undefined, state.access);
      say("Device forgotten.");
      await listDevices();
    }));
  });
}

async function listEvents() {
  const answer = await api("GET", AUTH + "/events?limit=20", undefined, state.access);
  listItems($("event-list"), answer.events, (li, event) => {
    li.textContent = event.at + " " + event.event.replaceAll("_", " ") + (event.ip ? " from " + event.ip : "");
  });
}

async function addPasskey() {
  const asked = await api("POST", AUTH + "/passkeys/options", stepUp(), state.access);
  const options = PublicKeyCredential.parseCreationOptionsFromJSON(asked.publicKey);
  const credential = await navigator.credentials.create({ publicKey: options });
  const body = { credential: credential.toJSON(), name: $("passkey-name").value };
  await api("POST", AUTH + "/passkeys", body, state.access);
  $("step-code").value = "";
  say("Passkey added.");
  await listPasskeys();
}

async function newBackupCodes() {
  const answer = await api("POST", AUTH + "/2fa/backup-codes", stepUp(), state.access);
  setAccess(answer.accessToken);
  $("step-code").value = "";
  listItems($("backup-list"), answer.backupCodes, (li, code) => {
    li.textContent = code;
  });
  say("New backup codes: keep them somewhere safe, they are shown only this once. Earlier ones no longer work.");
}

async function startSetup() {
  const answer = await api("POST", AUTH + "/2fa/setup", undefined, state.access);
  $("setup-qr").src = answer.qrCodeUrl;
  $("setup-secret").textContent = answer.secretKey;
  $("setup-qr-box").hidden = false;
  $("setup-code").focus();
}

async function enable() {
  const body = { password: $("step-password").value, otp: $("setup-code").value.trim() };
  const answer = await api("POST", AUTH + "/2fa/enable", body, state.access);
  setAccess(answer.accessToken);
  $("setup-qr-box").hidden = true;
  say("Two-factor authentication is on.");
  await showAccount();
}

async function disable() {
  const answer = await api("POST", AUTH + "/2fa/disable", stepUp(), state.access);
  setAccess(answer.accessToken);
  $("step-code").value = "";
  say("Two-factor authentication is off.");
  await showAccount();
}

async function logOut(everywhere) {
  await api("POST", AUTH + "/logout", everywhere ? { everywhere: true } : undefined, state.access);
  if (everywhere && state.email) localStorage.removeItem(deviceKey(state.email));
  state.access = null;
  sessionStorage.removeItem("access");
  $("step-password").value = "";
  $("step-code").value = "";
  $("backup-list").replaceChildren();
  show("signed-out");
  say(everywhere ? "Logged out everywhere." : "Logged out.");
  startAutofill().catch(fail);
}

function on(id, kind, handler) {
  $(id).addEventListener(kind, (event) => handler(event).catch(fail));
}

on("signup-form", "submit", signUp);
on("confirm-form", "submit", confirmSignUp);
on("login-form", "submit", logIn);
on("code-form", "submit", answerCode);
on("backup-form", "submit", answerBackupCode);
on("passkey-login", "click", answerPasskey);
on("passkey-signin", "click", signInWithPasskey);
on("passkey-add", "click", addPasskey);
on("backup-new", "click", newBackupCodes);
on("setup-start", "click", startSetup);
on("setup-enable", "click", enable);
on("disable", "click", disable);
on("devices-forget", "click", async () => {
  await api("DELETE", AUTH + "/devices", undefined, state.access);
  say("Every device forgotten.");
  await listDevices();
});
on("logout", "click", () => logOut(false));
on("logout-everywhere", "click", () => logOut(true));

if (state.access) {
  showAccount().catch(() => {
    sessionStorage.removeItem("access");
    show("signed-out");
    startAutofill().catch(fail);
  });
} else {
  show("signed-out");
  startAutofill().catch(fail);
}
