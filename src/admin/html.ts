/** Text that is already safe HTML (built by `html` or `raw`); everything else is escaped. */
export class SafeHtml {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Escapes text for an element body or a quoted attribute value. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

export type Part = SafeHtml | string | number | boolean | null | undefined | Part[];

function render(part: Part): string {
  if (part === null || part === undefined || part === false || part === true) return "";
  if (Array.isArray(part)) return part.map(render).join("");
  if (part instanceof SafeHtml) return part.text;
  return escapeHtml(part);
}

/**
 * Tagged template for HTML: every interpolated value is escaped unless it is SafeHtml (the result of
 * another `html` call). Run data comes from models, repositories and issue authors, so nothing from
 * it is ever trusted as markup.
 */
export function html(strings: TemplateStringsArray, ...values: Part[]): SafeHtml {
  let out = strings[0]!;
  values.forEach((value, i) => (out += render(value) + strings[i + 1]!));
  return new SafeHtml(out);
}

/** Marks a constant string (never data) as markup. */
export function raw(text: string): SafeHtml {
  return new SafeHtml(text);
}
