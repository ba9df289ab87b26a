/** Every endpoint a simulated device knows, and the lookup by path. */
import { accountRoutes } from './account-routes';
import { activationRoutes } from './activation-routes';
import { hardeningRoutes } from './hardening-routes';
import { inputProxyRoutes } from './input-proxy-routes';
import type { Route } from './route';
import { securityRoutes } from './security-routes';
import { systemRoutes } from './system-routes';

const ROUTES: readonly Route[] = [
  ...activationRoutes,
  ...systemRoutes,
  ...securityRoutes,
  ...inputProxyRoutes,
  ...accountRoutes,
  ...hardeningRoutes,
];

export function findRoute(path: string): { route: Route; params: string[] } | null {
  for (const route of ROUTES) {
    const match = route.pattern.exec(path);
    if (match) return { route, params: match.slice(1) };
  }
  return null;
}
