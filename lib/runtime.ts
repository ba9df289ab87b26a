/**
 * Process-wide shared things: every node and the CLI in one process must see the same login
 * guard (and, as they arrive, the same SADP sockets, vault and Home Assistant links). Kept on a
 * global symbol so that even two loaded copies of this package share one guard.
 */
import { LoginGuard } from './isapi/login-guard';

interface SharedRuntime {
  loginGuard: LoginGuard;
}

const RUNTIME_KEY = Symbol.for('node-red-contrib-hik-guard.runtime');

function runtime(): SharedRuntime {
  const holder = globalThis as { [RUNTIME_KEY]?: SharedRuntime };
  holder[RUNTIME_KEY] ??= { loginGuard: new LoginGuard() };
  return holder[RUNTIME_KEY];
}

/** The login-attempt guard shared by every node and the CLI in this process. */
export function sharedLoginGuard(): LoginGuard {
  return runtime().loginGuard;
}
