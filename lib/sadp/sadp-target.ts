/**
 * `HOST[:PORT]` targets for unicast or directed-broadcast inquiries, as the CLI's `--target` and
 * the node's "extra targets" field take them.
 */
import { isIP } from 'node:net';
import { InvalidArgumentError } from '../errors';
import type { SadpTarget } from './sadp-scanner';

const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$/;

/** `192.168.1.64`, `192.168.1.255:37020`, `cam.lan`; IPv4 only (SADP has no IPv6 transport). */
export function parseSadpTarget(text: string): SadpTarget {
  const trimmed = text.trim();
  const match = /^([^:]+)(?::(\d{1,5}))?$/.exec(trimmed);
  const host = match?.[1];
  if (!host || (isIP(host) !== 4 && !(isIP(host) === 0 && HOSTNAME.test(host)))) {
    throw new InvalidArgumentError(`target ${JSON.stringify(trimmed)} is not an IPv4 address or host name`);
  }
  if (match[2] === undefined) return { host };
  const port = Number(match[2]);
  if (port < 1 || port > 65535) throw new InvalidArgumentError(`target ${trimmed}: port must be 1 to 65535`);
  return { host, port };
}

/** A comma- or space-separated list of targets; empty text gives none. */
export function parseSadpTargetList(text: string): SadpTarget[] {
  return text
    .split(/[\s,]+/)
    .filter((t) => t !== '')
    .map(parseSadpTarget);
}
