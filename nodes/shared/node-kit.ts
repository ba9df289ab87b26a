/**
 * The plumbing every hik guard node shares, so that each node file reads like the others and only
 * says what is its own: settings read through the migrations (a newer or unusable config gives
 * one translated warning and null), an input handler that ends in `done` exactly once, and one
 * way to show a failure (red ring with the error code, then `done(err)` in an input handler or
 * `node.error` elsewhere, never both).
 */
import type { Node, NodeAPI, NodeMessageInFlow } from 'node-red';
import { HikError } from '../../lib/errors';
import { migrate, NewerConfigVersionError, type MigrationChain, type NodeConfig } from './migrations';

/** What a settings reader answers (nodes/shared/*-settings.ts). */
export type SettingsResult<S, P extends string> = { ok: true; settings: S } | { ok: false; problem: P };

/**
 * The node's settings after migration and validation, or null after one warning
 * (`<type>.log.newerConfig` / `<type>.log.invalidConfig` with `<type>.validation.<problem>`).
 */
export function readNodeSettings<S, P extends string>(
  RED: NodeAPI,
  node: Node,
  def: NodeConfig,
  chain: MigrationChain,
  read: (config: NodeConfig) => SettingsResult<S, P>,
): S | null {
  const type = node.type;
  const invalid = (problem: string): null => {
    node.warn(RED._(`${type}.log.invalidConfig`, { problem: RED._(`${type}.validation.${problem}`) }));
    return null;
  };
  let config: Record<string, unknown>;
  try {
    config = migrate(def, chain);
  } catch (err: unknown) {
    if (err instanceof NewerConfigVersionError) {
      node.warn(
        RED._(`${type}.log.newerConfig`, { found: err.foundVersion, supported: err.supportedVersion }),
      );
      return null;
    }
    if (HikError.isHikError(err)) return invalid('version');
    throw err;
  }
  const result = read(config);
  return result.ok ? result.settings : invalid(result.problem);
}

/** The error code of a failure (`HIK_ERR` for anything that is not one of ours). */
export function errorCode(err: unknown): string {
  return HikError.isHikError(err) ? err.code : 'HIK_ERR';
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/**
 * Shows a failure: red ring `errors.<CODE>`, then `done(err)` when handling an input (Catch nodes
 * see it with the message), else `node.error(err)`.
 */
export function reportFailure(node: Node, err: unknown, done?: (err?: Error) => void): void {
  node.status({ fill: 'red', shape: 'ring', text: `errors.${errorCode(err)}` });
  if (done) done(asError(err));
  else node.error(asError(err));
}

export type SendFn = (msg: Record<string, unknown> | (Record<string, unknown> | null)[]) => void;

/** Wires `input` to `work`: `done()` after it, or the failure reported through `done(err)`. */
export function onInput(node: Node, work: (msg: NodeMessageInFlow, send: SendFn) => Promise<void>): void {
  node.on('input', (msg: NodeMessageInFlow, send: SendFn, done: (err?: Error) => void) => {
    work(msg, send).then(
      () => done(),
      (err: unknown) => reportFailure(node, err, done),
    );
  });
}

/**
 * Wires `close` to `stop`: `done` always called, after `stop` ended or `timeoutMs` passed (well
 * under Node-RED's 15 s close timeout), and the status cleared.
 */
export function onClose(node: Node, stop: (removed: boolean) => Promise<unknown>, timeoutMs = 5_000): void {
  node.on('close', (removed: boolean, done: () => void) => {
    let timer: NodeJS.Timeout | undefined;
    const bounded = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    const stopped = Promise.resolve()
      .then(() => stop(removed))
      .catch((err: unknown) => node.error(asError(err)));
    void Promise.race([stopped, bounded]).finally(() => {
      clearTimeout(timer);
      node.status({});
      done();
    });
  });
}
