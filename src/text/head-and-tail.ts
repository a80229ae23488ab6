/**
 * A long text cut to about `max` characters by keeping its head and its tail, with a marker saying how much was
 * dropped between them. A command's verdict is usually at the end (a build's errors, a traceback's last line, a
 * test runner's summary) and what it ran at the start: keeping only the head would lose the part that says what
 * went wrong.
 */
export function headAndTail(text: string, max: number): string {
  if (text.length <= max) return text;
  const half = Math.floor(max / 2);
  return `${text.slice(0, half)}\n[... ${text.length - 2 * half} characters omitted ...]\n${text.slice(-half)}`;
}
