import { BIDI_CONTROLS } from "./invisible-chars.js";

/** U+200D ZERO WIDTH JOINER: invisible, and GitHub links no mention, reference, tag or URL it splits. */
export const ZWJ = "\u200d";

/**
 * Neutralises text that came from the model or from test output before Nightshift posts it (PR body,
 * commit message, issue comment). The rules work the same inside and outside code, so no Markdown
 * parsing can disagree with GitHub's:
 * - `@user`, `@org/team` → not a mention (nobody is pinged);
 * - `#12`, `org/repo#3`, `GH-12` → not a reference, so no closing keyword (`Fixes`, `Closes`, …) acts on
 *   anything; the only closing reference in a PR is the `Fixes #<issue>` Nightshift writes itself;
 * - `http://…` / `https://…` → not a link (no cross-reference by URL, no autolink);
 * - `![…](…)` and every raw HTML tag (`<img>`, `<picture>`, `<details>`, `<!-- -->`) → shown as text,
 *   so no remote image is fetched and nothing is hidden;
 * - HTML entities (`&#64;`) → shown as text, so they cannot spell a mention after decoding;
 * - bidi control characters → removed.
 * The joiner is invisible, so prose and code read the same.
 */
export function neutraliseOutput(text: string): string {
  return text
    .replace(BIDI_CONTROLS, "")
    .replace(/(^|[^A-Za-z0-9])@(?=[A-Za-z0-9])/g, `$1@${ZWJ}`)
    .replace(/#(?=\d)/g, `#${ZWJ}`)
    .replace(/\b(GH)-(?=\d)/gi, `$1${ZWJ}-`)
    .replace(/\b(https?|ftp|wss?):\/\//gi, `$1:${ZWJ}//`)
    .replace(/\bwww\./gi, `www${ZWJ}.`)
    .replace(/!\[/g, `!${ZWJ}[`)
    .replace(/<(?=[A-Za-z!/?])/g, `<${ZWJ}`)
    .replace(/&(?=[#A-Za-z])/g, `&${ZWJ}`);
}

/**
 * Nightshift's own sentence that may quote others (a stop message, a setup command, what the sandbox lacks):
 * neutralised, on one line, at most `max` characters, code spans kept unless their backticks are unbalanced.
 */
export function neutraliseSentence(text: string | undefined, max = 300): string {
  const flat = (text ?? "").replace(/[\r\n]+/g, " ").trim();
  const cut = flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
  // An odd number of backticks would open a code span that runs on: drop them then.
  return neutraliseOutput((cut.match(/`/g)?.length ?? 0) % 2 === 1 ? cut.replace(/`/g, "'") : cut);
}

/**
 * One line of text Nightshift repeats (an issue title, a command it did not understand): neutralised,
 * on one line, without Markdown emphasis or code delimiters, at most `max` characters.
 */
export function neutraliseLine(text: string, max = 120): string {
  const line = text
    .replace(/[\r\n]+/g, " ")
    .replace(/[`*_~|]/g, "'")
    .trim();
  return neutraliseOutput(line.length > max ? `${line.slice(0, max - 1)}…` : line);
}

/** A person's login written without pinging them (when a review request or assignment already notifies them). */
export function quietMention(login: string): string {
  return neutraliseLine(`@${login}`, 60);
}
