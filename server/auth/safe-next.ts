/**
 * Where the login page may send a user after sign-in: a path on this site, nothing else (issue 19 item 2). The
 * value is parsed as a URL against a placeholder origin, as a browser would resolve it against the app's own
 * origin, so every trick a browser understands (`/\host`, `/%09/host`, `//host`, `/.//host`, schemes) ends up
 * with another origin and is refused. What comes back is the normalised path, query and fragment.
 */
const PLACEHOLDER_ORIGIN = "http://opsmerge.invalid";
export const DEFAULT_NEXT = "/tickets";

export function safeNext(value: unknown): string {
  if (typeof value !== "string" || !value.startsWith("/")) return DEFAULT_NEXT;
  let url: URL;
  try {
    url = new URL(value, PLACEHOLDER_ORIGIN);
  } catch {
    return DEFAULT_NEXT;
  }
  if (url.origin !== PLACEHOLDER_ORIGIN) return DEFAULT_NEXT;
  const path = `${url.pathname}${url.search}${url.hash}`;
  // A normalised path starting with two slashes would be read as another host once written into a Location.
  return /^\/[/\\]/.test(path) ? DEFAULT_NEXT : path;
}
