/**
 * Programmatic fault injection for one device (`device.faults`): each fault can be limited to a
 * method, a path (exact, query excluded, or a RegExp) and a number of occurrences (default
 * 'always'). Several faults may match one request; latency then delays whatever else happens.
 */
import { InvalidArgumentError } from '../lib/errors';

export interface FaultScope {
  method?: string;
  path?: string | RegExp;
  /**
   * true: only requests carrying an Authorization header (skips the unauthenticated first round
   * trip of a digest exchange); false: only requests without one. Default: both.
   */
  withCredentials?: boolean;
  times?: number | 'always';
  /** Let this many matching requests through untouched first (e.g. fail only the second login). */
  after?: number;
}

export type FaultSpec = FaultScope &
  (
    | { kind: 'latency'; ms: number }
    /** Destroy the socket without answering. */
    | { kind: 'dropConnection' }
    /** 503 with ResponseStatus statusCode 2 Device Busy. */
    | { kind: 'busy' }
    /** Headers at once, then the body in `chunks` pieces spread over `durationMs`. */
    | { kind: 'slowBody'; durationMs: number; chunks?: number }
    /** Accept and never answer, until `faults.clear()` (then answered normally) or the server stops. */
    | { kind: 'hang' }
    /** Drop the connection and reboot; with applyBeforeFailing the request takes effect first. */
    | { kind: 'rebootMidRequest'; applyBeforeFailing?: boolean }
    /** Broken or hostile firmware: the answer keeps its status but carries this body instead. */
    | { kind: 'replaceBody'; body: string }
  );

export interface InjectedFault {
  readonly spec: FaultSpec;
  /** Requests this fault has affected so far. */
  readonly hits: number;
  remove(): void;
}

/** What applies to one request, after matching every active fault. */
export interface MatchedFaults {
  latencyMs: number;
  hang: boolean;
  dropConnection: boolean;
  busy: boolean;
  slowBody: { durationMs: number; chunks: number } | null;
  rebootMidRequest: { applyBeforeFailing: boolean } | null;
  replaceBody: string | null;
}

interface ActiveFault {
  spec: FaultSpec;
  hits: number;
  /** Matching requests let through because of `after`. */
  passed: number;
}

export class FaultPlan {
  private readonly active: ActiveFault[] = [];
  private readonly hung = new Set<(outcome: 'release' | 'abort') => void>();

  inject(spec: FaultSpec): InjectedFault {
    const { times = 'always' } = spec;
    if (times !== 'always' && (!Number.isInteger(times) || times < 1)) {
      throw new InvalidArgumentError("times must be a positive integer or 'always'");
    }
    if (spec.kind === 'latency' && !(spec.ms >= 0)) throw new InvalidArgumentError('ms must be >= 0');
    if (spec.kind === 'slowBody' && !(spec.durationMs >= 0))
      throw new InvalidArgumentError('durationMs must be >= 0');
    if (spec.after !== undefined && (!Number.isInteger(spec.after) || spec.after < 0))
      throw new InvalidArgumentError('after must be a whole number >= 0');
    const fault: ActiveFault = { spec, hits: 0, passed: 0 };
    this.active.push(fault);
    const remove = (): void => {
      const i = this.active.indexOf(fault);
      if (i >= 0) this.active.splice(i, 1);
    };
    return {
      spec,
      get hits() {
        return fault.hits;
      },
      remove,
    };
  }

  /** Removes every fault and lets hung requests go on to be answered. */
  clear(): void {
    this.active.splice(0, this.active.length);
    this.settleHung('release');
  }

  /** Requests currently held by a hang fault. */
  get hungRequests(): number {
    return this.hung.size;
  }

  /** Matches a request against the active faults, spending one occurrence of each that applies. */
  take(method: string, path: string, withCredentials: boolean): MatchedFaults {
    const matched: MatchedFaults = {
      latencyMs: 0,
      hang: false,
      dropConnection: false,
      busy: false,
      slowBody: null,
      rebootMidRequest: null,
      replaceBody: null,
    };
    for (const fault of [...this.active]) {
      if (!scopeMatches(fault.spec, method, path, withCredentials)) continue;
      if (fault.passed < (fault.spec.after ?? 0)) {
        fault.passed += 1;
        continue;
      }
      fault.hits += 1;
      if (fault.spec.times !== undefined && fault.spec.times !== 'always' && fault.hits >= fault.spec.times) {
        this.active.splice(this.active.indexOf(fault), 1);
      }
      const spec = fault.spec;
      switch (spec.kind) {
        case 'latency':
          matched.latencyMs += spec.ms;
          break;
        case 'dropConnection':
        case 'busy':
        case 'hang':
          matched[spec.kind] = true;
          break;
        case 'slowBody':
          matched.slowBody = { durationMs: spec.durationMs, chunks: Math.max(1, spec.chunks ?? 4) };
          break;
        case 'rebootMidRequest':
          matched.rebootMidRequest = { applyBeforeFailing: spec.applyBeforeFailing ?? false };
          break;
        case 'replaceBody':
          matched.replaceBody = spec.body;
          break;
      }
    }
    return matched;
  }

  /** Holds a request until `clear()` ('release') or the server stops ('abort'). */
  hold(): Promise<'release' | 'abort'> {
    return new Promise((resolve) => {
      const settle = (outcome: 'release' | 'abort'): void => {
        this.hung.delete(settle);
        resolve(outcome);
      };
      this.hung.add(settle);
    });
  }

  /** The server is stopping or rebooting: hung requests end without an answer. */
  abortHung(): void {
    this.settleHung('abort');
  }

  private settleHung(outcome: 'release' | 'abort'): void {
    for (const settle of [...this.hung]) settle(outcome);
  }
}

function scopeMatches(scope: FaultScope, method: string, path: string, withCredentials: boolean): boolean {
  if (scope.withCredentials !== undefined && scope.withCredentials !== withCredentials) return false;
  if (scope.method !== undefined && scope.method.toUpperCase() !== method.toUpperCase()) return false;
  if (scope.path === undefined) return true;
  if (typeof scope.path === 'string') return scope.path === path;
  scope.path.lastIndex = 0; // a /g pattern must not remember the previous request
  return scope.path.test(path);
}
