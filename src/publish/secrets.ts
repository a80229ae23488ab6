/** Credentials that must never appear in a PR body or a comment, by their published formats. */
const SECRETS: [string, RegExp][] = [
  ["GitHub token", /\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})\b/g],
  ["AWS access key", /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/g],
  ["private key", /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)/g],
  ["Slack token", /\bxox[abposr]-[A-Za-z0-9-]{10,}\b/g],
  ["Google API key", /\bAIza[0-9A-Za-z_-]{35}\b/g],
  ["OpenAI-style key", /\bsk-[A-Za-z0-9]{32,}\b/g],
  ["credentials in a URL", /\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]+:[^\s/@]+@/gi],
];

/** Replaces anything that looks like a credential with a marker; returns the kinds found. */
export function redactSecrets(text: string): { text: string; found: string[] } {
  const found: string[] = [];
  let out = text;
  for (const [kind, pattern] of SECRETS) {
    out = out.replace(pattern, () => {
      found.push(kind);
      return `[redacted ${kind}]`;
    });
  }
  return { text: out, found: [...new Set(found)] };
}
