// bitnet-gpu's chat page: a conversation with the served model over POST /v1/chat/completions, streamed as
// server-sent events. Text is always put on the page as text (textContent), never as markup.
"use strict";

const $ = (id) => document.getElementById(id);
const keyStorage = "bitnet-gpu.api-key";

const chat = {
  messages: [],       // the conversation so far: {role, content}
  controller: null,   // aborts the answer being generated
  apiKey: localStorage.getItem(keyStorage) || "",
};

function requestHeaders() {
  const headers = { "Content-Type": "application/json" };
  if (chat.apiKey) headers.Authorization = "Bearer " + chat.apiKey;
  return headers;
}

// fetch with the API key; a 401 asks for the key once and tries again.
async function call(path, init = {}) {
  let response = await fetch(path, { ...init, headers: requestHeaders() });
  if (response.status === 401) {
    const key = window.prompt("This server needs an API key:");
    if (key) {
      chat.apiKey = key.trim();
      localStorage.setItem(keyStorage, chat.apiKey);
      response = await fetch(path, { ...init, headers: requestHeaders() });
    }
  }
  return response;
}

// The message of an error answer: OpenAI's {"error": {"message"}}, else the status.
async function errorMessage(response) {
  try {
    const body = await response.json();
    return body.error?.message ?? String(body.error ?? response.statusText);
  } catch {
    return `${response.status} ${response.statusText}`;
  }
}

// Calls onData with each event's data (parsed JSON) of a text/event-stream response, until the stream ends.
async function readEvents(response, onData) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      for (const line of event.split("\n")) {
        if (!line.startsWith("data: ")) continue;
        const data = line.slice("data: ".length);
        if (data !== "[DONE]") onData(JSON.parse(data));
      }
    }
  }
}

function addMessage(role, text) {
  const message = document.createElement("div");
  message.className = "message " + role;
  const label = document.createElement("div");
  label.className = "role";
  label.textContent = role;
  const body = document.createElement("div");
  body.className = "text";
  body.textContent = text;
  message.append(label, body);
  $("log").append(message);
  scrollToEnd();
  return message;
}

function scrollToEnd() {
  const log = $("log");
  log.scrollTop = log.scrollHeight;
}

function setBusy(busy) {
  $("send").disabled = busy;
  $("stop").hidden = !busy;
}

// A number setting, or undefined when its field is empty (the server's default applies).
function setting(id) {
  const text = $(id).value.trim();
  return text === "" ? undefined : Number(text);
}

function requestBody() {
  const system = $("system").value.trim();
  return {
    messages: system ? [{ role: "system", content: system }, ...chat.messages] : chat.messages,
    stream: true,
    stream_options: { include_usage: true },
    temperature: setting("temperature"),
    top_k: setting("top-k"),
    top_p: setting("top-p"),
    max_tokens: setting("max-tokens"),
  };
}

async function send(text) {
  const conversation = chat.messages; // "New chat" starts another; this answer stays with its own
  conversation.push({ role: "user", content: text });
  addMessage("user", text);
  const reply = addMessage("assistant", "");
  const replyText = reply.querySelector(".text");
  reply.classList.add("pending");
  chat.controller = new AbortController();
  setBusy(true);

  const started = performance.now();
  let firstPiece = 0;
  let answer = "";
  let usage = null;
  let finish = null;
  try {
    const response = await call("/v1/chat/completions", { method: "POST", body: JSON.stringify(requestBody()), signal: chat.controller.signal });
    if (!response.ok) throw new Error(await errorMessage(response));
    await readEvents(response, (chunk) => {
      if (chunk.error) throw new Error(chunk.error.message);
      if (chunk.usage) usage = chunk.usage;
      for (const choice of chunk.choices ?? []) {
        const piece = choice.delta?.content;
        if (piece) {
          firstPiece ||= performance.now();
          answer += piece;
          replyText.textContent = answer;
          scrollToEnd();
        }
        finish = choice.finish_reason ?? finish;
      }
    });
    conversation.push({ role: "assistant", content: answer });
    $("footer").textContent = summary(usage, finish, started, firstPiece);
  } catch (error) {
    if (error.name === "AbortError") {
      conversation.push({ role: "assistant", content: answer }); // what came before Stop stays in the conversation
      $("footer").textContent = "stopped";
    } else {
      conversation.pop(); // the question that failed is not part of the conversation
      reply.classList.add("error");
      replyText.textContent = answer + (answer ? "\n" : "") + error.message;
      $("footer").textContent = "";
    }
  } finally {
    reply.classList.remove("pending");
    chat.controller = null;
    setBusy(false);
  }
}

// "24 tokens, 31.5 tokens/s (first after 0.21 s), stopped at the end of the text"
function summary(usage, finish, started, firstPiece) {
  if (!usage) return "";
  const end = performance.now();
  const seconds = (end - (firstPiece || started)) / 1000;
  const speed = usage.completion_tokens > 1 && seconds > 0 ? `, ${((usage.completion_tokens - 1) / seconds).toFixed(1)} tokens/s` : "";
  const wait = firstPiece ? ` (first after ${((firstPiece - started) / 1000).toFixed(2)} s)` : "";
  const why = finish === "length" ? ", cut at the token limit" : "";
  return `${usage.prompt_tokens} prompt tokens, ${usage.completion_tokens} generated${speed}${wait}${why}`;
}

async function showModel() {
  try {
    const health = await call("/health");
    $("health").textContent = health.ok ? "" : "loading the model…";
    if (!health.ok) {
      setTimeout(showModel, 1000);
      return;
    }
    const models = await call("/v1/models");
    if (models.ok) $("model").textContent = (await models.json()).data?.[0]?.id ?? "";
  } catch {
    $("health").textContent = "the server does not answer";
    setTimeout(showModel, 3000);
  }
}

function start() {
  $("composer").addEventListener("submit", (event) => {
    event.preventDefault();
    const text = $("input").value.trim();
    if (!text || chat.controller) return;
    $("input").value = "";
    send(text);
  });
  $("input").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      $("composer").requestSubmit();
    }
  });
  $("stop").addEventListener("click", () => chat.controller?.abort());
  $("new-chat").addEventListener("click", () => {
    chat.controller?.abort();
    chat.messages = [];
    $("log").replaceChildren();
    $("footer").textContent = "";
    $("input").focus();
  });
  showModel();
  $("input").focus();
}

start();
