// The password rules of app/security/passwords.py, checked as the customer types. The server stays the
// authority: a form still shows its userErrors; this only says earlier what it would answer.
// tests/portal/test_browser_security.py compares passwordProblems() with the server's rules on many samples.
import { h } from "./dom.js";
import { COMMON_PASSWORDS } from "./common-passwords.js";
import { t } from "./i18n.js";

export const MIN_LENGTH = 10;
export const MAX_LENGTH = 128;
const MIN_LOCAL_PART_TO_CHECK = 3;
const MIN_SEQUENCE_RUN = 3;
const MAX_PREDICTABLE_SHARE = 0.5;
const SEQUENCES = [
  "abcdefghijklmnopqrstuvwxyz",
  "0123456789",
  "1234567890",
  "!@#$%^&*()",
  "qwertyuiop",
  "asdfghjkl",
  "zxcvbnm",
  "qwertzuiop",
  "yxcvbnm",
  "azertyuiop",
  "qsdfghjklm",
  "wxcvbn",
];
const SUCCESSORS = new Set(
  SEQUENCES.flatMap((sequence) => [...sequence].slice(1).map((char, index) => sequence[index] + char)),
);

/** The server's problem codes for `password` (empty when it is acceptable), in its order. */
export function passwordProblems(password, email) {
  const normalized = String(password || "").normalize("NFKC");
  const chars = [...normalized]; // code points, as Python counts them
  const problems = [];
  if (chars.length < MIN_LENGTH) problems.push("PASSWORD_TOO_SHORT");
  if (chars.length > MAX_LENGTH) problems.push("PASSWORD_TOO_LONG");
  const lowered = normalized.toLowerCase();
  if (COMMON_PASSWORDS.has(lowered)) problems.push("PASSWORD_TOO_COMMON");
  else if (!problems.length && predictableShare([...lowered]) >= MAX_PREDICTABLE_SHARE) {
    problems.push("PASSWORD_TOO_PREDICTABLE");
  }
  if (email) {
    const localPart = String(email).split("@", 1)[0].toLowerCase();
    if ([...localPart].length >= MIN_LOCAL_PART_TO_CHECK && lowered.includes(localPart)) {
      problems.push("PASSWORD_CONTAINS_EMAIL");
    }
  }
  return problems;
}

/** The share of characters guessable from the ones before them (repeated units, sequential runs). */
function predictableShare(chars) {
  if (!chars.length) return 0;
  const marked = new Array(chars.length).fill(false);
  markRepetitions(chars, marked);
  markSequences(chars, marked);
  return marked.filter(Boolean).length / chars.length;
}

function markRepetitions(chars, marked) {
  const size = chars.length;
  for (let period = 1; period <= Math.floor(size / 2); period++) {
    let matches = 0;
    for (let index = period; index <= size; index++) {
      if (index < size && chars[index] === chars[index - period]) {
        matches++;
        continue;
      }
      if (matches >= period) {
        for (let position = index - matches; position < index; position++) marked[position] = true;
      }
      matches = 0;
    }
  }
}

function markSequences(chars, marked) {
  for (const step of [1, -1]) {
    let start = 0;
    for (let index = 1; index <= chars.length; index++) {
      if (index < chars.length) {
        const pair = step === 1 ? chars[index - 1] + chars[index] : chars[index] + chars[index - 1];
        if (SUCCESSORS.has(pair)) continue;
      }
      if (index - start >= MIN_SEQUENCE_RUN) {
        for (let position = start + 1; position < index; position++) marked[position] = true;
      }
      start = index;
    }
  }
}

// Each rule the list shows, and the problem codes that break it.
const RULES = [
  { key: "password.rule.length", codes: ["PASSWORD_TOO_SHORT", "PASSWORD_TOO_LONG"] },
  { key: "password.rule.common", codes: ["PASSWORD_TOO_COMMON"] },
  { key: "password.rule.predictable", codes: ["PASSWORD_TOO_PREDICTABLE"] },
  { key: "password.rule.email", codes: ["PASSWORD_CONTAINS_EMAIL"], needsEmail: true },
];

/**
 * Adds the live rule list below the password input of `fieldElement` (from forms.js field()), described by
 * it for screen readers. `email()` returns the address the password must not contain (or null: that rule is
 * then left out, the server checks it once it knows the account). Returns a function that re-checks.
 */
export function attachPasswordRules(fieldElement, { email = () => null } = {}) {
  const input = fieldElement.querySelector("input");
  const list = h("ul", { class: "password-rules", id: `${input.id}-rules` });
  const items = RULES.map((rule) => {
    const state = h("span", { class: "sr-only" });
    const item = h("li", { "data-rule": rule.key.split(".").pop() }, state, h("span", {}, t(rule.key)));
    list.append(item);
    return { rule, item, state };
  });
  const error = fieldElement.querySelector(".field-error");
  fieldElement.insertBefore(list, error);
  input.setAttribute("aria-describedby", `${list.id} ${input.getAttribute("aria-describedby") || ""}`.trim());
  const update = () => {
    const address = email();
    const problems = passwordProblems(input.value, address);
    const typed = input.value.length > 0;
    for (const { rule, item, state } of items) {
      item.hidden = Boolean(rule.needsEmail && !address);
      const broken = rule.codes.some((code) => problems.includes(code));
      const status = !typed ? "pending" : broken ? "unmet" : "met";
      item.className = `rule-${status}`;
      state.textContent = status === "pending" ? "" : `${t(`password.${status}`)} `;
    }
  };
  input.addEventListener("input", update);
  update();
  return update;
}
