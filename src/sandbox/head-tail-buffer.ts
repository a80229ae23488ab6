/**
 * Keeps the first and the last `limit / 2` bytes of a stream and counts the rest, so a command that
 * prints gigabytes costs a bounded amount of memory and the caller still sees how it began and ended.
 */
export class HeadTailBuffer {
  private head: Buffer[] = [];
  private headBytes = 0;
  private tail: Buffer = Buffer.alloc(0);
  total = 0;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.total += chunk.length;
    const headRoom = Math.floor(this.limit / 2) - this.headBytes;
    if (headRoom > 0) {
      const part = chunk.subarray(0, headRoom);
      this.head.push(part);
      this.headBytes += part.length;
      chunk = chunk.subarray(part.length);
    }
    if (chunk.length === 0) return;
    const keep = this.limit - Math.floor(this.limit / 2);
    if (chunk.length >= keep) this.tail = Buffer.from(chunk.subarray(-keep));
    else this.tail = Buffer.concat([this.tail.length + chunk.length > keep ? this.tail.subarray(this.tail.length + chunk.length - keep) : this.tail, chunk]);
  }

  get truncated(): boolean {
    return this.total > this.limit;
  }

  text(): string {
    const head = Buffer.concat(this.head).toString("utf8");
    if (!this.truncated) return head + this.tail.toString("utf8");
    const omitted = this.total - this.headBytes - this.tail.length;
    return `${head}\n[... ${omitted} bytes omitted ...]\n${this.tail.toString("utf8")}`;
  }
}
