// Map keys made of several text fields. Joining them with a separator would let two different
// records share a key ("B\0C" + "JSA" and "C" + "JSA\0B"); every part but the last is prefixed
// with its length, so two keys are equal only when every field is.

/** One key for these fields, equal for two lists exactly when every field is equal. */
export function compositeKey(...parts: readonly (string | number)[]): string {
  let key = '';
  const last = parts.length - 1;
  for (let i = 0; i < last; i++) {
    const part = String(parts[i]);
    key += `${part.length}:${part}|`;
  }
  return last >= 0 ? key + String(parts[last]) : key;
}
