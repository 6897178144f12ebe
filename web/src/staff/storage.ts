// The browser's localStorage when the page may use it (private modes and sandboxed frames throw on
// access): the staff pages keep unsent replies and small settings there.
export function localStore(): Storage | undefined {
  try {
    const s = globalThis.localStorage;
    s.getItem('sb.probe');
    return s;
  } catch {
    return undefined;
  }
}
