/**
 * Text with what changes from one identical step to the next blanked: paths under /tmp, timestamps,
 * hashes and ids, standalone numbers (line numbers, sizes, counters, durations). Two actions or results that
 * normalise alike are the same step repeated.
 */
export function normalise(text: string): string {
  return (
    blankIds(text)
      // Standalone numbers only: "line 12", "3.5 s", "12 bytes"; not the digits of a name such as f12.py or test_3.
      .replace(/(?<![\w./-])\d+(?:\.\d+)?(?![\w/-]|\.[a-zA-Z])/g, "#")
      .replace(/\s+/g, " ")
      .trim()
  );
}

/**
 * Text with only what is never meaningful blanked — /tmp paths, timestamps, hashes and ids — and its numbers kept:
 * for comparing the output of code run before and after an edit, where `got 41` then `got 42` is the progress.
 */
export function blankIds(text: string): string {
  return text
    .replace(/\/tmp\/[^\s'"`:)]*/g, "/tmp/_")
    .replace(/\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:?\d\d)?/g, "_")
    .replace(/\b\d\d:\d\d:\d\d(\.\d+)?\b/g, "_")
    .replace(/0x[0-9a-f]+|\b(?=[0-9a-f]*\d)[0-9a-f]{7,}\b/gi, "_");
}
