export { HaTestServer, type HaTestServerOptions, type HaTestCounters } from './ha-test-server';
export type { FiredEvent, Notification, ServiceCall, StateObject } from './ha-core';
