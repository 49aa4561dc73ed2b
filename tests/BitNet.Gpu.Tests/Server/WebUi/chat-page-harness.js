// Runs the chat page's script (as the server serves it) in Node against a running server, with a minimal stand-in for
// the page's elements, sends one message and prints what the page shows as JSON:
//   node chat-page-harness.js SERVER_URL MESSAGE SETTINGS_JSON
// SETTINGS_JSON sets input fields by id (e.g. {"temperature": "0", "max-tokens": "12"}). Used by WebUiTests.
"use strict";
const vm = require("node:vm");

const [server, message, settingsJson] = process.argv.slice(2);
const settings = JSON.parse(settingsJson || "{}");

class Element {
  constructor(id = "") {
    this.id = id;
    this.value = settings[id] ?? "";
    this.textContent = "";
    this.hidden = id === "stop";
    this.disabled = false;
    this.className = "";
    this.children = [];
    this.listeners = {};
    this.scrollTop = 0;
    this.scrollHeight = 0;
    const classes = new Set();
    this.classList = {
      add: (c) => { classes.add(c); this.className = [...new Set([...this.className.split(" ").filter(Boolean), ...classes])].join(" "); },
      remove: (c) => { classes.delete(c); this.className = this.className.split(" ").filter((x) => x !== c).join(" "); },
    };
  }
  append(...nodes) { this.children.push(...nodes); }
  replaceChildren() { this.children = []; }
  querySelector(selector) { return this.children.find((c) => c.className.split(" ").includes(selector.slice(1))) ?? null; }
  addEventListener(type, listener) { (this.listeners[type] ??= []).push(listener); }
  dispatch(type, event = {}) { for (const l of this.listeners[type] ?? []) l({ preventDefault() {}, ...event }); }
  requestSubmit() { this.dispatch("submit"); }
  focus() {}
}

const elements = new Map();
const document = {
  getElementById: (id) => elements.get(id) ?? elements.set(id, new Element(id)).get(id),
  createElement: () => new Element(),
};
const storage = new Map();
const context = vm.createContext({
  document,
  window: { prompt: () => null },
  localStorage: { getItem: (k) => storage.get(k) ?? null, setItem: (k, v) => storage.set(k, v) },
  fetch: (path, init) => fetch(new URL(path, server), init),
  performance, TextDecoder, AbortController, setTimeout, console,
});

async function main() {
  const script = await (await fetch(new URL("/webui/app.js", server))).text();
  vm.runInContext(script, context, { filename: "app.js" });
  const $ = document.getElementById;
  $("input").value = message;
  $("composer").requestSubmit();
  // The page shows Stop while an answer streams; wait until it is hidden again.
  for (let waited = 0; !$("stop").hidden || waited === 0; waited += 20) {
    if (waited > 60000) throw new Error("the answer did not finish in 60 s");
    await new Promise((r) => setTimeout(r, 20));
  }
  // The model's name comes from its own requests (/health, then /v1/models), which a busy machine may answer after the
  // reply: wait for it too.
  for (let waited = 0; $("model").textContent === "" && waited < 10000; waited += 20) await new Promise((r) => setTimeout(r, 20));
  const shown = $("log").children.map((m) => ({ className: m.className, role: m.children[0].textContent, text: m.children[1].textContent }));
  console.log(JSON.stringify({ model: $("model").textContent, messages: shown, footer: $("footer").textContent, sendDisabled: $("send").disabled }));
}

main().catch((e) => { console.error(e.stack || String(e)); process.exit(1); });
