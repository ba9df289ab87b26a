/**
 * Generated device passwords. Crypto-random, 16 characters by default (Hikvision's practical
 * maximum), clamped to the device's `LoginPasswordLenLimit`, at least three of the four kinds
 * (lower, upper, digit, special) so the device rates them "strong", and free of what gets a
 * password refused or breaks the places it is copied to:
 *  - the user name (case-insensitive) or its mirror, "admin", "123", runs of four ascending or
 *    descending characters and four equal characters (Hikvision's newer rule set, docs/protocol/isapi.md §2.5);
 *  - `: @ / % ? #` (RTSP URLs), `< > & ' "` (XML), `$ \ |` and whitespace (shells, SDKs).
 */
import { randomInt } from 'node:crypto';
import { InvalidArgumentError, PasswordPolicyError } from '../errors';

/** The specials Hikvision firmware accepts (DS-90xxHUHI manual, docs/protocol/isapi.md §2.5). */
export const HIKVISION_SPECIALS = `.-_:/@,?!'()$&"[]{}#%^*+=\\|<>`;

/** Characters a generated password never contains, whatever the device allows. */
export const UNSAFE_CHARACTERS = `:@/%?#<>&'"$\\|`;

/** The specials used by default: Hikvision's list minus the unsafe ones. */
export const DEFAULT_SPECIALS = Array.from(HIKVISION_SPECIALS)
  .filter((c) => !UNSAFE_CHARACTERS.includes(c))
  .join('');

export const DEFAULT_PASSWORD_LENGTH = 16;
/** Below this the device rates any password "risky" and refuses it. */
const STRENGTH_MIN_LENGTH = 8;
const HIKVISION_MAX_LENGTH = 16;
const MAX_DRAWS = 1000;

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const DIGITS = '0123456789';

export interface PasswordPolicyOptions {
  /** The account whose password this is; never part of the password (nor its mirror). */
  username: string;
  /** Wanted length. Default 16. */
  length?: number;
  /** The device's `LoginPasswordLenLimit`, as read from its capabilities (nulls when unknown). */
  deviceLimit?: { min: number | null; max: number | null };
  /** Specials to draw from; only those the device accepts and that are safe are used. */
  specials?: string;
  /** Integer in [0, max); default `crypto.randomInt`. Tests inject a sequence. */
  randomInt?: (max: number) => number;
}

/** The length a password for this device gets: the wish, clamped to what the device allows. */
export function passwordLength(options: Pick<PasswordPolicyOptions, 'length' | 'deviceLimit'>): number {
  const wanted = options.length ?? DEFAULT_PASSWORD_LENGTH;
  if (!Number.isInteger(wanted) || wanted < 1) {
    throw new InvalidArgumentError(`length must be a positive integer, got ${wanted}`);
  }
  const min = Math.max(STRENGTH_MIN_LENGTH, options.deviceLimit?.min ?? STRENGTH_MIN_LENGTH);
  const max = Math.min(HIKVISION_MAX_LENGTH, options.deviceLimit?.max ?? HIKVISION_MAX_LENGTH);
  if (min > max) throw new PasswordPolicyError(`the device allows no password of ${min}..${max} characters`);
  return Math.min(max, Math.max(min, wanted));
}

export function generatePassword(options: PasswordPolicyOptions): string {
  const length = passwordLength(options);
  const specials = Array.from(options.specials ?? DEFAULT_SPECIALS)
    .filter((c) => HIKVISION_SPECIALS.includes(c) && !UNSAFE_CHARACTERS.includes(c))
    .join('');
  const draw = options.randomInt ?? ((max: number) => randomInt(max));
  const classes = [LOWER, UPPER, DIGITS, ...(specials ? [specials] : [])];
  const alphabet = classes.join('');
  for (let attempt = 0; attempt < MAX_DRAWS; attempt++) {
    let password = '';
    for (let i = 0; i < length; i++) password += alphabet.charAt(draw(alphabet.length));
    if (passwordProblem(options.username, password, specials) === null) return password;
  }
  throw new PasswordPolicyError('no acceptable password could be drawn; the random source looks broken');
}

export type PasswordProblem =
  'length' | 'character' | 'kinds' | 'user-name' | 'common-word' | 'sequence' | 'repetition';

/**
 * Why a password breaks the generator's own rules, or null. `specials` is the set it may contain
 * (default: the safe Hikvision specials).
 */
export function passwordProblem(
  username: string,
  password: string,
  specials: string = DEFAULT_SPECIALS,
): PasswordProblem | null {
  if (password.length < STRENGTH_MIN_LENGTH || password.length > HIKVISION_MAX_LENGTH) return 'length';
  const chars = Array.from(password);
  if (
    chars.some(
      (c) => !LOWER.includes(c) && !UPPER.includes(c) && !DIGITS.includes(c) && !specials.includes(c),
    )
  )
    return 'character';
  const kinds = [LOWER, UPPER, DIGITS, specials].filter((set) => chars.some((c) => set.includes(c))).length;
  if (kinds < 3) return 'kinds';
  const lower = password.toLowerCase();
  const name = username.toLowerCase();
  if (name && (lower.includes(name) || lower.includes(Array.from(name).reverse().join(''))))
    return 'user-name';
  if (lower.includes('admin') || lower.includes('123')) return 'common-word';
  if (hasRun(lower, 4, 1) || hasRun(lower, 4, -1)) return 'sequence';
  if (hasRun(password, 4, 0)) return 'repetition';
  return null;
}

/** True when `count` consecutive characters step by `step` in char code (0 = all equal). */
function hasRun(text: string, count: number, step: number): boolean {
  let run = 1;
  for (let i = 1; i < text.length; i++) {
    run = text.charCodeAt(i) - text.charCodeAt(i - 1) === step ? run + 1 : 1;
    if (run >= count) return true;
  }
  return false;
}
