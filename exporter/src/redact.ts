/**
 * Credentials out of logs and error messages. A MongoDB URI carries secrets in its userinfo
 * (`user:password@`, where a careless password holds `/`, `@`, `?` or a space unescaped) and in
 * options (`tlsCertificateKeyFilePassword`, `authMechanismProperties=AWS_SESSION_TOKEN:...`,
 * `proxyPassword`, and anything named like a password, secret, token or key). The parser below
 * does not trust the URI to be well formed: it errs towards hiding too much.
 */

const MASK = '***';

/** Option (and auth mechanism property) names whose values are secret, case-insensitive. */
const SENSITIVE_NAME = /pass|pwd|secret|token|credential|signature|(?:api|access|private|secret|session)_?key/i;

/** What may follow the `@` that ends the userinfo: a host list, then the path or the options, or nothing. */
const AFTER_USERINFO =
  /^(?:\[[0-9a-z:.%]*\]|[a-z0-9._%~-]*)(?::\d*)?(?:,(?:\[[0-9a-z:.%]*\]|[a-z0-9._%~-]+)(?::\d*)?)*(?:[/?]|$)/i;

interface Redaction {
  text: string;
  /** The secret values found (as written and percent-decoded), to scrub from free text. */
  secrets: string[];
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Where the userinfo ends: the last `@` followed by something that reads as a host list. A
 * password with an unescaped `@` keeps the earlier ones inside the userinfo; an `@` inside an
 * option value is skipped because `&` and `=` cannot follow a host. Without any such `@`, the last
 * `@` of all (hiding too much rather than too little); -1 when there is none.
 */
function userinfoEnd(rest: string): number {
  for (let i = rest.lastIndexOf('@'); i >= 0; i = i === 0 ? -1 : rest.lastIndexOf('@', i - 1)) {
    if (AFTER_USERINFO.test(rest.slice(i + 1))) return i;
  }
  return rest.lastIndexOf('@');
}

/** `KEY:value,KEY2:value2` with the values of sensitive keys masked (a masked value runs to the next `KEY:`). */
function redactProperties(raw: string, secrets: string[]): string {
  const decoded = decode(raw);
  let masking = false;
  const parts: string[] = [];
  for (const piece of decoded.split(',')) {
    const colon = piece.indexOf(':');
    if (colon < 0) {
      // A comma inside a secret value: still part of it.
      if (masking) {
        secrets.push(piece);
        continue;
      }
      parts.push(piece);
      continue;
    }
    const name = piece.slice(0, colon);
    masking = SENSITIVE_NAME.test(name);
    if (masking) {
      secrets.push(piece.slice(colon + 1));
      parts.push(`${name}:${MASK}`);
    } else parts.push(piece);
  }
  if (parts.join(',') !== decoded) secrets.push(raw);
  return parts.join(',');
}

function redactOptions(query: string, secrets: string[]): string {
  return query
    .split(/([&;])/)
    .map((part) => {
      if (part === '&' || part === ';') return part;
      const eq = part.indexOf('=');
      if (eq < 0) return part;
      const name = part.slice(0, eq);
      const value = part.slice(eq + 1);
      if (/^authmechanismproperties$/i.test(decode(name))) return `${name}=${redactProperties(value, secrets)}`;
      if (!SENSITIVE_NAME.test(decode(name)) || value === '') return part;
      secrets.push(value, decode(value));
      return `${name}=${MASK}`;
    })
    .join('');
}

function redact(text: string): Redaction {
  const secrets: string[] = [];
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(text)?.[0] ?? '';
  let rest = text.slice(scheme.length);
  let userinfo = '';
  const at = userinfoEnd(rest);
  if (at >= 0) {
    const info = rest.slice(0, at);
    const colon = info.indexOf(':');
    if (colon >= 0) {
      const password = info.slice(colon + 1);
      secrets.push(password, decode(password));
      userinfo = `${info.slice(0, colon)}:${MASK}@`;
    } else userinfo = `${info}@`;
    rest = rest.slice(at + 1);
  }
  const q = rest.indexOf('?');
  const tail = q < 0 ? rest : `${rest.slice(0, q + 1)}${redactOptions(rest.slice(q + 1), secrets)}`;
  return { text: `${scheme}${userinfo}${tail}`, secrets: secrets.filter((s) => s !== '') };
}

/** A MongoDB URI (well formed or not) with its password and secret options masked, safe to log. */
export function redactUri(uri: string): string {
  return redact(uri).text;
}

/** The secret values a URI holds (password, secret options), for scrubbing free text such as driver errors. */
export function secretsOf(uri: string): string[] {
  return [...new Set(redact(uri).secrets)].sort((a, b) => b.length - a.length);
}

/**
 * Free text (an error message) with the given secrets and every `scheme://userinfo@` password in it
 * masked. Secrets shorter than 3 characters are left alone (they would mask unrelated text).
 */
export function redactText(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) if (secret.length >= 3) out = out.split(secret).join(MASK);
  return out.replace(/[a-z][a-z0-9+.-]*:\/\/\S+/gi, (uri) => redactUri(uri));
}
