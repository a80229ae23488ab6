/** A literal string made safe to put inside a RegExp source (every special character escaped). */
export const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
