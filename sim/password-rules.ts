/**
 * Password rules of real Hikvision firmware (docs/protocol/isapi.md §2.5): 8–16 characters from letters, digits
 * and the specials the DS-90xxHUHI manual lists; at least two of the four kinds (lower, upper,
 * digit, special); not the user name nor its mirror. Anything else is "Risky" (level 0) and refused.
 */

export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 16;

/** The manual's list; it has no space, `~`, backtick or `;`, so the sim refuses those too. */
const ALLOWED_SPECIALS = `.-_:/@,?!'()$&"[]{}#%^*+=\\|<>`;

export type PasswordRejection = 'length' | 'character' | 'one-kind' | 'user-name';

/** Why the device would refuse this password, or null when it is acceptable. */
export function passwordRejection(userName: string, password: string): PasswordRejection | null {
  if (password.length < MIN_PASSWORD_LENGTH || password.length > MAX_PASSWORD_LENGTH) return 'length';
  if (Array.from(password).some((c) => kindOf(c) === null)) return 'character';
  if (passwordKinds(password) < 2) return 'one-kind';
  const lower = password.toLowerCase();
  const name = userName.toLowerCase();
  if (lower === name || lower === Array.from(name).reverse().join('')) return 'user-name';
  return null;
}

/** Strength level as the web UI shows it: 0 risky, 1 weak, 2 medium, 3 strong. */
export function passwordLevel(userName: string, password: string): 0 | 1 | 2 | 3 {
  if (passwordRejection(userName, password) !== null) return 0;
  const kinds = passwordKinds(password);
  if (kinds >= 3) return 3;
  const onlyDigitsAndOneCase = /^(?:[0-9a-z]+|[0-9A-Z]+)$/.test(password);
  return onlyDigitsAndOneCase ? 1 : 2;
}

type Kind = 'lower' | 'upper' | 'digit' | 'special';

function kindOf(c: string): Kind | null {
  if (c >= 'a' && c <= 'z') return 'lower';
  if (c >= 'A' && c <= 'Z') return 'upper';
  if (c >= '0' && c <= '9') return 'digit';
  return ALLOWED_SPECIALS.includes(c) ? 'special' : null;
}

function passwordKinds(password: string): number {
  return new Set(
    Array.from(password)
      .map(kindOf)
      .filter((k) => k !== null),
  ).size;
}
