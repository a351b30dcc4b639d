// The one way the portal talks to the server: POST /graphql, like any storefront would.
import { currentLocale } from "./i18n.js";
import { clearToken, token } from "./session.js";

export class SignedOut extends Error {}

export class RequestFailed extends Error {
  constructor(message, code) {
    super(message);
    this.code = code;
  }
}

let onSignedOut = () => {};
let roles = [];

/**
 * The signed-in account's roles as the last response that selected `me { roles }` said (every console page's
 * data does): the console's navigation shows administrators' sections by it. The API still decides access.
 */
export function knownRoles() {
  return roles;
}

/** What to do when the server says our token no longer works (the router sends the reader to sign in). */
export function whenSignedOut(callback) {
  onSignedOut = callback;
}

/** Runs one operation; returns its `data`. Field errors and refusals throw RequestFailed. */
export async function request(query, variables = {}) {
  const headers = {
    "content-type": "application/json",
    accept: "application/graphql-response+json, application/json;q=0.9",
    // The language the reader sees: mail sent before the customer has settings (activation, reset) uses it.
    "accept-language": currentLocale(),
  };
  const bearer = token();
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  let response;
  try {
    response = await fetch("/graphql", {
      method: "POST",
      headers,
      body: JSON.stringify({ query, variables }),
      credentials: "omit",
      cache: "no-store",
    });
  } catch {
    throw new RequestFailed("network", "NETWORK");
  }
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  const errors = (body && body.errors) || [];
  const codes = errors.map((error) => error.extensions && error.extensions.code);
  if (response.status === 401 || codes.includes("AUTH_TOKEN_INVALID")) {
    clearToken();
    roles = [];
    onSignedOut();
    throw new SignedOut();
  }
  if (!body || errors.length || !body.data) {
    const first = errors[0];
    throw new RequestFailed(first ? first.message : `HTTP ${response.status}`, codes[0] || "UNKNOWN");
  }
  if (body.data.me && Array.isArray(body.data.me.roles)) roles = body.data.me.roles;
  return body.data;
}
