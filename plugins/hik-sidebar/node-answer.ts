/**
 * Asks a running node something and waits, bounded, for its answer: the messages it sends that
 * carry the `_msgid` it was given (Node-RED's convention for a reply, which hik-credentials keeps)
 * and the end of its handling (the runtime's `onComplete` hook, with the error when the node
 * failed the input). The sidebar's Rotate now and Verify use it, so they report the result the
 * node itself sent rather than "requested".
 *
 * Node-RED has no hook on what a node sends when its output is not wired (`onSend` sees only
 * messages on a wire), so while an answer is awaited the node's `send` is watched: a wrapper that
 * passes every message on unchanged. It is taken off again with the node's last question.
 */
import type { Node, NodeAPI, NodeMessage } from 'node-red';

export interface NodeAnswer {
  /** The messages the node sent in reply, in order. */
  messages: Record<string, unknown>[];
  /** The node ended its handling of the question (else the time ran out first). */
  complete: boolean;
  /** The error the node ended with (`done(err)`), or null. */
  error: Error | null;
}

interface Question {
  msg: Record<string, unknown>;
  messages: Record<string, unknown>[];
  finish: (answer: NodeAnswer) => void;
}

type Send = (msg: unknown) => void;

const COMPLETE_HOOK = 'onComplete.hik-guard-sidebar';
/** Open questions by message id, and the send of each watched node as it was before. */
const questions = new Map<string, Question>();
const watched = new Map<Node, { original: Send; wrapper: Send; hadOwn: boolean; open: number }>();

function messagesIn(out: unknown): Record<string, unknown>[] {
  if (Array.isArray(out)) return out.flatMap((item) => messagesIn(item));
  return typeof out === 'object' && out !== null ? [out as Record<string, unknown>] : [];
}

function heardSend(out: unknown): void {
  for (const msg of messagesIn(out)) {
    const question = typeof msg._msgid === 'string' ? questions.get(msg._msgid) : undefined;
    // Two watchers on one node (another wrapper put on top of ours) hear a message once.
    if (question && !question.messages.includes(msg)) question.messages.push(msg);
  }
}

function watch(node: Node): void {
  const entry = watched.get(node);
  if (entry) {
    entry.open += 1;
    return;
  }
  const self = node as unknown as { send: Send };
  const original = self.send;
  const wrapper: Send = function (this: unknown, out: unknown) {
    heardSend(out);
    original.call(this, out);
  };
  watched.set(node, { original, wrapper, hadOwn: Object.hasOwn(self, 'send'), open: 1 });
  self.send = wrapper;
}

function unwatch(node: Node): void {
  const entry = watched.get(node);
  if (!entry || --entry.open > 0) return;
  watched.delete(node);
  const self = node as unknown as { send: Send };
  // Only our own wrapper is taken off (one put on top of it since stays, and passes through ours).
  if (self.send !== entry.wrapper) return;
  if (entry.hadOwn) self.send = entry.original;
  else Reflect.deleteProperty(self, 'send');
}

export function askNode(
  RED: NodeAPI,
  node: Node,
  question: Omit<NodeMessage, '_msgid'>,
  timeoutMs: number,
): Promise<NodeAnswer> {
  const msg: Record<string, unknown> = { ...question, _msgid: RED.util.generateId() };
  const id = msg._msgid as string;
  return new Promise<NodeAnswer>((resolve) => {
    const finish = (answer: NodeAnswer): void => {
      if (!questions.delete(id)) return;
      clearTimeout(timer);
      unwatch(node);
      if (questions.size === 0) RED.hooks.remove(COMPLETE_HOOK);
      resolve(answer);
    };
    const entry: Question = { msg, messages: [], finish };
    const timer = setTimeout(() => finish({ messages: entry.messages, complete: false, error: null }), timeoutMs);
    if (questions.size === 0) RED.hooks.add(COMPLETE_HOOK, completed);
    questions.set(id, entry);
    watch(node);
    try {
      node.receive(msg as NodeMessage);
    } catch (err) {
      finish({ messages: [], complete: true, error: err instanceof Error ? err : new Error(String(err)) });
    }
  });
}

function completed(event: { msg: unknown; error?: unknown }): void {
  const id = (event.msg as { _msgid?: unknown } | null)?._msgid;
  const question = typeof id === 'string' ? questions.get(id) : undefined;
  // The same object we handed over: another node completing a copy of our message is not the answer.
  if (question?.msg !== event.msg) return;
  const error = event.error === undefined || event.error === null ? null : event.error;
  question.finish({
    messages: question.messages,
    complete: true,
    error: error === null ? null : error instanceof Error ? error : new Error(String(error)),
  });
}
