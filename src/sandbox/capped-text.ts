/** A stream's kept head and tail and its full size, as the executor reports them. */
export interface CappedOutput {
  head: Buffer;
  tail: Buffer;
  total: number;
}

/** The text of a capped stream: whole when it fit, else head, a marker saying how much was dropped, and tail. */
export function cappedText({ head, tail, total }: CappedOutput): string {
  const kept = head.length + tail.length;
  if (kept >= total) return Buffer.concat([head, tail]).toString("utf8");
  return `${head.toString("utf8")}\n[... ${total - kept} bytes omitted ...]\n${tail.toString("utf8")}`;
}
