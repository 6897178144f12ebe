// The browser's storage when the page may use it (private modes and sandboxed frames throw on
// access): the staff pages keep unsent replies and small settings in localStorage, and what one
// tab was doing (the console's monitored conversations) in sessionStorage.
function usable(get: () => Storage): Storage | undefined {
  try {
    const s = get();
    s.getItem('sb.probe');
    return s;
  } catch {
    return undefined;
  }
}

export function localStore(): Storage | undefined {
  return usable(() => globalThis.localStorage);
}

export function sessionStore(): Storage | undefined {
  return usable(() => globalThis.sessionStorage);
}
