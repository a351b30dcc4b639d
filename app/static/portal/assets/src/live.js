// Live updates: a small graphql-transport-ws client on our own origin (ws(s)://<host>/graphql), the protocol
// the server speaks there. One socket per tab, opened for the first subscription and closed with the last;
// the session token goes in connection_init's payload ({ Authorization: "Bearer …" }), never in the URL.
// A dropped connection is opened again with growing pauses, and its subscriptions are sent again.
import { token } from "./session.js";

const PROTOCOL = "graphql-transport-ws";
const FIRST_PAUSE_MS = 1000;
const LONGEST_PAUSE_MS = 30000;
// Close codes after which trying again cannot help: a bad message (4400), credentials the server refused
// (4403: signed out elsewhere, expired), a duplicate id (4409), too many connection_init (4429).
const FINAL_CLOSE_CODES = new Set([4400, 4403, 4409, 4429]);
const NORMAL_CLOSE = 1000;

const active = new Map(); // id → { query, variables, handlers }
let socket = null;
let acknowledged = false;
let sequence = 0;
let attempts = 0;
let retryTimer = null;

function send(message) {
  if (socket && socket.readyState === WebSocket.OPEN) socket.send(JSON.stringify(message));
}

function start(id, subscription) {
  send({ id, type: "subscribe", payload: { query: subscription.query, variables: subscription.variables } });
}

function url() {
  return `${location.protocol === "https:" ? "wss:" : "ws:"}//${location.host}/graphql`;
}

function connect() {
  clearTimeout(retryTimer);
  retryTimer = null;
  const bearer = token();
  if (!bearer) {
    fail([{ message: "signed out", extensions: { code: "UNAUTHENTICATED" } }]);
    return;
  }
  acknowledged = false;
  const opened = new WebSocket(url(), PROTOCOL);
  socket = opened;
  opened.addEventListener("open", () => {
    opened.send(JSON.stringify({ type: "connection_init", payload: { Authorization: `Bearer ${bearer}` } }));
  });
  opened.addEventListener("message", (event) => {
    if (opened !== socket) return;
    let message;
    try {
      message = JSON.parse(event.data);
    } catch {
      return;
    }
    receive(message);
  });
  opened.addEventListener("close", (event) => {
    if (opened !== socket) return; // a socket we closed on purpose
    socket = null;
    const wasUp = acknowledged;
    acknowledged = false;
    if (!active.size || event.code === NORMAL_CLOSE) return;
    if (FINAL_CLOSE_CODES.has(event.code)) {
      fail([{ message: event.reason || "closed", extensions: { code: event.code === 4403 ? "FORBIDDEN" : "CLOSED" } }]);
      return;
    }
    for (const subscription of active.values()) subscription.handlers.interrupted?.();
    if (wasUp) attempts = 0;
    retryLater();
  });
}

function retryLater() {
  // Exponential backoff with jitter, so many tabs of a restarted server do not all come back at once.
  const pause = Math.min(LONGEST_PAUSE_MS, FIRST_PAUSE_MS * 2 ** attempts) * (0.5 + Math.random() / 2);
  attempts += 1;
  retryTimer = setTimeout(connect, pause);
}

function receive(message) {
  switch (message.type) {
    case "connection_ack": {
      const reconnected = attempts > 0;
      acknowledged = true;
      attempts = 0;
      for (const [id, subscription] of active) {
        start(id, subscription);
        if (reconnected) subscription.handlers.resumed?.();
      }
      break;
    }
    case "ping":
      send({ type: "pong" });
      break;
    case "next": {
      const subscription = active.get(message.id);
      if (!subscription) break;
      const payload = message.payload || {};
      if (payload.errors && payload.errors.length && !payload.data) subscription.handlers.error?.(payload.errors);
      else subscription.handlers.next(payload.data);
      break;
    }
    case "error": {
      // The server refused this one subscription (e.g. UNAUTHENTICATED, NOT_FOUND); the socket stays open.
      const subscription = active.get(message.id);
      active.delete(message.id);
      subscription?.handlers.error?.(message.payload || []);
      closeWhenIdle();
      break;
    }
    case "complete": {
      const subscription = active.get(message.id);
      active.delete(message.id);
      subscription?.handlers.complete?.();
      closeWhenIdle();
      break;
    }
    default:
      break;
  }
}

/** Ends every subscription with `errors` (the connection cannot be used again). */
function fail(errors) {
  const ended = [...active.values()];
  active.clear();
  close();
  for (const subscription of ended) subscription.handlers.error?.(errors);
}

function close() {
  clearTimeout(retryTimer);
  retryTimer = null;
  attempts = 0;
  const closing = socket;
  socket = null;
  acknowledged = false;
  if (closing && closing.readyState <= WebSocket.OPEN) closing.close(NORMAL_CLOSE, "done");
}

function closeWhenIdle() {
  if (!active.size) close();
}

/**
 * Starts a subscription (an operation constant from operations.js). `handlers`: next(data) for each event;
 * error(errors) when the server refuses or ends it; interrupted() when the connection dropped (it is being
 * opened again); resumed() once it is back (events meanwhile may be missed: fetch the current state).
 * Returns the function that ends it; the socket closes with the last subscription.
 */
export function subscribe(query, variables, handlers) {
  const id = String(++sequence);
  const subscription = { query, variables, handlers };
  active.set(id, subscription);
  if (!socket && !retryTimer) connect();
  else if (acknowledged) start(id, subscription);
  return () => {
    if (!active.delete(id)) return;
    if (acknowledged) send({ id, type: "complete" });
    closeWhenIdle();
  };
}

// Leaving the portal (closing the tab, following a link elsewhere) closes the socket at once.
window.addEventListener("pagehide", () => {
  active.clear();
  close();
});
