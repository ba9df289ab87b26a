/** The simulator's public surface, for tests, the demo and the CLI. */
export { DEMO_ADMIN_PASSWORD, demoFleet, type SimFleetMember } from './demo-fleet';
export {
  ISAPI_NAMESPACES,
  type IsapiNamespace,
  type SimChannelInit,
  type SimDeviceOptions,
  type SimDeviceType,
  type SimUserInit,
  type UserLevel,
} from './device-profile';
export type { SimChannel, SimUser } from './device-state';
export type { AuthOffer, NonceStyle, RealmStyle } from './digest-challenge';
export type { DigestAlgorithm } from './digest-hash';
export type { FaultScope, FaultSpec, InjectedFault } from './fault-plan';
export { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH, passwordLevel, passwordRejection } from './password-rules';
export { runSimCommand, SIM_HELP, type SimCommandIo } from './sim-cli';
export { SadpResponder, type SadpResponderCounters, type SadpResponderOptions } from './sadp/sadp-responder';
export type { SadpMacStyle, SadpQuirks } from './sadp/sadp-quirks';
export type { SimCounters } from './sim-counters';
export { SimDevice, type SimListenOptions } from './sim-device';
export { DEFAULT_BASE_ADDRESS, SimFleet, type SimFleetOptions } from './sim-fleet';
export { loadSimCertificate, SIM_CERTIFICATE_NAMES, type SimCertificateName } from './tls-certificates';
