/**
 * The configuration checks (docs/protocol/audit.md §3): one GET each, gated on the capability
 * flags, judged from named elements only. A judge reads the values it needs and nothing else, so a
 * secret that a document carries (the EZVIZ verification code, SNMP communities, DDNS passwords,
 * the recovery e-mail) is never copied into a finding.
 */
import { parseXmlBoolean, type XmlElement } from '../xml/xml';
import type { Finding, Severity } from './finding';

/** What the capability documents and earlier checks told, for gates and later judges. */
export interface CheckContext {
  /** The account the audit logs in with. */
  username: string;
  recorder: boolean;
  /** A capability flag from System/ or Security/capabilities: true, false, or null (absent). */
  capability: (name: string) => boolean | null;
  /** Facts earlier checks learnt (`upnp`, `onvif`). */
  facts: Map<string, boolean>;
}

export interface SettingsCheck {
  /** The catalogue id (docs/protocol/audit.md §3.1), with a suffix when one row needs two GETs. */
  check: string;
  path: (ctx: CheckContext) => string;
  /** The capability flag that says whether the firmware has it (false: not asked at all). */
  capability?: string;
  /** Asked only when this holds (e.g. the UPnP port list only when UPnP is on). */
  when?: (ctx: CheckContext) => boolean;
  /** The findings (none: a pass), or null when the answer does not carry the setting at all. */
  judge: (reply: { xml: XmlElement | null; body: string }, ctx: CheckContext) => Finding[] | null;
}

/** `enabled` or `enable` at `path` (ONVIF writes `enable`), lenient on spelling, null when absent. */
export function enabledAt(el: XmlElement | undefined, ...path: string[]): boolean | null {
  const at = path.length > 0 ? el?.at(...path) : el;
  if (!at) return null;
  return at.boolAt('enabled') ?? at.boolAt('enable');
}

function finding(id: string, severity: Severity, title: string, evidence: string, fix: string): Finding {
  return { id, severity, title, evidence, fix, confidence: 'confirmed' };
}

const get = (path: string) => () => path;

/** Services beyond the web UI that firmware lists in adminAccesses (§3.1 C05). */
const EXTRA_SERVICES = [
  'DEV_MANAGE',
  'SDK_OVER_TLS',
  'WebSocket',
  'WebSocketS',
  'SRTP',
  'Bonjour',
  'IOT',
  'modbusTCP',
];

export const SETTINGS_CHECKS: readonly SettingsCheck[] = [
  {
    check: 'C01',
    path: () => `/ISAPI/Security/userCheck?timeStamp=${Date.now()}`,
    judge: ({ xml }) => {
      const out: Finding[] = [];
      const where = 'GET /ISAPI/Security/userCheck';
      if (xml?.boolAt('isDefaultPassword') === true)
        out.push(
          finding(
            'default-password',
            'critical',
            'The account still has the factory password',
            `${where}: isDefaultPassword=true`,
            'Rotate the password now (hik-guard rotate, or Rotate now in the sidebar).',
          ),
        );
      if (xml?.boolAt('isRiskPassword') === true)
        out.push(
          finding(
            'risky-password',
            'high',
            'The device rates the password as risky (easy to guess)',
            `${where}: isRiskPassword=true`,
            'Rotate the password: hik-guard generates one the device rates strong.',
          ),
        );
      if (xml?.boolAt('isActivated') === false)
        out.push(
          finding(
            'not-activated',
            'critical',
            'The device is not activated: anyone on the network can claim it',
            `${where}: isActivated=false`,
            'Activate it now with a generated password (hik-guard activate).',
          ),
        );
      const validity = xml?.intAt('residualValidity') ?? null;
      if (validity !== null && validity < 0)
        out.push(
          finding(
            'password-expired',
            'medium',
            'The password has passed its validity period',
            `${where}: residualValidity=${validity}`,
            'Rotate the password.',
          ),
        );
      return out;
    },
  },
  {
    check: 'C03',
    path: get('/ISAPI/Security/users'),
    judge: ({ xml }, ctx) => {
      const users = (xml?.childrenNamed('User') ?? []).map((u) => ({
        name: u.textAt('userName') ?? '?',
        level: u.textAt('userLevel') ?? 'unknown level',
      }));
      const others = users.filter((u) => u.name !== ctx.username);
      const admins = others.filter((u) => u.level === 'Administrator');
      const rest = others.filter((u) => u.level !== 'Administrator');
      const list = (us: typeof users): string => us.map((u) => `${u.name} (${u.level})`).join(', ');
      const out: Finding[] = [];
      if (admins.length > 0)
        out.push(
          finding(
            'extra-administrator',
            'high',
            'Another administrator account exists besides the managed one',
            `GET /ISAPI/Security/users: ${list(admins)}`,
            'Delete administrator accounts nobody uses, or lower them to Operator, in the device web UI (Configuration > System > User Management).',
          ),
        );
      if (rest.length > 0)
        out.push(
          finding(
            'extra-accounts',
            'low',
            'Further accounts exist on the device',
            `GET /ISAPI/Security/users: ${list(rest)}`,
            'Keep only accounts someone uses; each one is a password that can leak.',
          ),
        );
      return out;
    },
  },
  {
    check: 'C04',
    path: get('/ISAPI/Security/adminAccesses'),
    judge: ({ xml }) => {
      const where = 'GET /ISAPI/Security/adminAccesses';
      const protocols = (xml?.childrenNamed('AdminAccessProtocol') ?? []).map((p) => ({
        name: p.textAt('protocol') ?? '',
        enabled: enabledAt(p),
        port: p.intAt('portNo'),
        redirect: p.boolAt('redirectToHttps'),
        tls11: p.boolAt('TLS1_1Enable'),
      }));
      const http = protocols.find((p) => p.name.toUpperCase() === 'HTTP');
      const https = protocols.find((p) => p.name.toUpperCase() === 'HTTPS');
      const out: Finding[] = [];
      if (!https || https.enabled === false)
        out.push(
          finding(
            'https-disabled',
            'medium',
            'HTTPS is off: the web UI and ISAPI travel unencrypted',
            `${where}: HTTPS ${https ? 'enabled=false' : 'not listed'}`,
            'Enable HTTPS (Configuration > Network > Advanced > HTTPS) and use it for Node-RED and the browser.',
          ),
        );
      const redirected = https?.enabled !== false && (https?.redirect ?? http?.redirect) === true;
      if (http && http.enabled !== false && !redirected)
        out.push(
          finding(
            'http-enabled',
            'medium',
            'Plain HTTP is on without a redirect to HTTPS',
            `${where}: HTTP port ${http.port ?? '?'} enabled, redirectToHttps=${String(https?.redirect ?? http.redirect ?? 'absent')}`,
            'Turn on the redirect to HTTPS (or turn HTTP off) once HTTPS works.',
          ),
        );
      if (protocols.some((p) => p.tls11 === true))
        out.push(
          finding(
            'tls-1-1-enabled',
            'low',
            'The outdated TLS 1.1 is still accepted',
            `${where}: TLS1_1Enable=true`,
            'Turn TLS 1.1 off (Configuration > Network > Advanced > HTTPS / TLS).',
          ),
        );
      const extra = protocols.filter((p) => p.enabled === true && EXTRA_SERVICES.includes(p.name));
      if (extra.length > 0)
        out.push(
          finding(
            'extra-services',
            'low',
            'Extra network services are listening',
            `${where}: ${extra.map((p) => `${p.name}${p.port === null ? '' : ` ${p.port}`}`).join(', ')}`,
            'Turn off the services nothing uses (SDK port 8000 is needed by iVMS-4200 and Hik-Connect).',
          ),
        );
      return out;
    },
  },
  {
    check: 'C06',
    path: get('/ISAPI/Security/webCertificate'),
    judge: ({ xml }) => {
      const type = xml?.textAt('CertificateType') ?? xml?.textAt('certificateType') ?? null;
      if (type === null) return null;
      if (!/basic/i.test(type)) return [];
      return [
        finding(
          'web-basic-auth',
          'medium',
          'The web server accepts Basic authentication (password sent with every request)',
          `GET /ISAPI/Security/webCertificate: CertificateType=${type}`,
          'Set web authentication to digest (Configuration > System > Security > Authentication).',
        ),
      ];
    },
  },
  {
    check: 'C07',
    path: (ctx) => (ctx.recorder ? '/ISAPI/Security/RTSPCertificate' : '/ISAPI/Streaming/channels/101'),
    capability: 'isSupportRTSPCertificate',
    judge: ({ xml }, ctx) => {
      const type = ctx.recorder
        ? (xml?.textAt('certificateType') ?? null)
        : (xml?.find('Security')?.textAt('certificateType') ?? null);
      if (type === null) return null;
      if (!/basic/i.test(type)) return [];
      return [
        finding(
          'rtsp-basic-auth',
          'medium',
          'The video stream (RTSP) accepts Basic authentication',
          `GET ${ctx.recorder ? '/ISAPI/Security/RTSPCertificate' : '/ISAPI/Streaming/channels/101'}: certificateType=${type}`,
          'Set RTSP authentication to digest (Configuration > System > Security > Authentication).',
        ),
      ];
    },
  },
  {
    check: 'C08',
    path: get('/ISAPI/System/Network/UPnP'),
    capability: 'isSupportUpnp',
    judge: ({ xml }, ctx) => {
      const on = enabledAt(xml ?? undefined) === true;
      ctx.facts.set('upnp', on);
      if (!on) return [];
      return [
        finding(
          'upnp-enabled',
          'medium',
          'UPnP is on: the device may open ports on your router by itself',
          'GET /ISAPI/System/Network/UPnP: enabled=true',
          'Turn UPnP off (Configuration > Network > Advanced > NAT) unless you need it.',
        ),
      ];
    },
  },
  {
    check: 'C08-ports',
    path: get('/ISAPI/System/Network/UPnP/ports'),
    when: (ctx) => ctx.facts.get('upnp') === true,
    judge: ({ xml }) => {
      const mapped = (xml?.find('portList')?.children ?? []).filter((p) => enabledAt(p) === true);
      if (enabledAt(xml ?? undefined) === false || mapped.length === 0) return [];
      const ports = mapped.map(
        (p) => `${p.textAt('internalPort') ?? '?'}→${p.textAt('externalPort') ?? '?'}`,
      );
      return [
        finding(
          'upnp-port-mapping',
          'high',
          'The device maps its ports on the router: it is reachable from the internet',
          `GET /ISAPI/System/Network/UPnP/ports: ${ports.join(', ')}`,
          'Turn UPnP port mapping off, and remove the mappings from the router. Use a VPN to reach the camera from outside.',
        ),
      ];
    },
  },
  {
    check: 'C09',
    path: get('/ISAPI/System/Network/EZVIZ'),
    capability: 'isSupportEZVIZ',
    // verificationCode is in this document: read `enabled` and the stream flag only.
    judge: ({ xml }) => {
      if (enabledAt(xml ?? undefined) !== true) return [];
      const out = [
        finding(
          'hik-connect-enabled',
          'low',
          'Hik-Connect (EZVIZ) cloud access is on',
          'GET /ISAPI/System/Network/EZVIZ: enabled=true',
          'Turn Hik-Connect off (Configuration > Network > Advanced > Platform Access) unless you use the app.',
        ),
      ];
      if (parseXmlBoolean(xml?.textAt('streamEncrypteEnabled')) === false)
        out.push(
          finding(
            'hik-connect-unencrypted-stream',
            'low',
            'Video through Hik-Connect is not encrypted',
            'GET /ISAPI/System/Network/EZVIZ: streamEncrypteEnabled=false',
            'Turn on stream encryption in the Hik-Connect settings.',
          ),
        );
      return out;
    },
  },
  {
    check: 'C10',
    path: get('/ISAPI/System/Network/DDNS'),
    capability: 'isSupportDdns',
    judge: ({ xml }) => {
      const on =
        xml?.name === 'DDNS'
          ? enabledAt(xml)
          : (xml?.childrenNamed('DDNS') ?? []).some((d) => enabledAt(d) === true);
      if (on !== true) return [];
      return [
        finding(
          'ddns-enabled',
          'low',
          'Dynamic DNS is on: the device publishes its address on the internet',
          'GET /ISAPI/System/Network/DDNS: enabled=true',
          'Turn DDNS off unless you reach the device through it.',
        ),
      ];
    },
  },
  {
    check: 'C11-ssh',
    path: get('/ISAPI/System/Network/ssh'),
    capability: 'isSupportSSH',
    judge: ({ xml }) =>
      enabledAt(xml ?? undefined) === true
        ? [
            finding(
              'ssh-enabled',
              'medium',
              'SSH is on',
              'GET /ISAPI/System/Network/ssh: enabled=true',
              'Turn SSH off (Configuration > Network > Advanced > Other); support only needs it for a session.',
            ),
          ]
        : [],
  },
  {
    check: 'C11-telnet',
    path: get('/ISAPI/System/Network/telnetd'),
    judge: ({ xml }) =>
      enabledAt(xml ?? undefined) === true
        ? [
            finding(
              'telnet-enabled',
              'high',
              'Telnet is on (unencrypted remote shell)',
              'GET /ISAPI/System/Network/telnetd: enabled=true',
              'Turn Telnet off; if the web UI has no switch, update the firmware.',
            ),
          ]
        : [],
  },
  {
    check: 'C12',
    path: get('/ISAPI/System/Network/Integrate'),
    capability: 'isSupportIntegrate',
    judge: ({ xml }, ctx) => {
      const onvifSwitch = enabledAt(xml ?? undefined, 'ONVIF');
      const cgiSwitch = enabledAt(xml ?? undefined, 'CGI');
      if (onvifSwitch === null && cgiSwitch === null) return null;
      const onvif = onvifSwitch === true;
      ctx.facts.set('onvif', onvif);
      const out: Finding[] = [];
      if (onvif)
        out.push(
          finding(
            'onvif-enabled',
            'low',
            'ONVIF is on (separate accounts, often with old passwords)',
            'GET /ISAPI/System/Network/Integrate: ONVIF enable=true',
            'Turn ONVIF off unless a recorder or app uses it; otherwise give it media-user accounts only.',
          ),
        );
      if (cgiSwitch === true)
        out.push(
          finding(
            'cgi-enabled',
            'low',
            'The legacy CGI interface is on',
            'GET /ISAPI/System/Network/Integrate: CGI enable=true',
            'Turn CGI off (Configuration > Network > Advanced > Integration Protocol).',
          ),
        );
      return out;
    },
  },
  {
    check: 'C12-users',
    path: get('/ISAPI/Security/ONVIF/users'),
    capability: 'isSupportONVIFUserManagement',
    when: (ctx) => ctx.facts.get('onvif') === true,
    judge: ({ xml }) => {
      const admins = (xml?.childrenNamed('User') ?? []).filter(
        (u) => u.textAt('userType') === 'administrator',
      );
      if (admins.length === 0) return [];
      return [
        finding(
          'onvif-administrator',
          'medium',
          'An ONVIF account has administrator rights',
          `GET /ISAPI/Security/ONVIF/users: ${admins.map((u) => u.textAt('userName') ?? '?').join(', ')} (administrator)`,
          'Change ONVIF accounts to media user, or delete them; their passwords do not follow the web password.',
        ),
      ];
    },
  },
  {
    check: 'C13',
    path: get('/ISAPI/Security/illegalLoginLock'),
    capability: 'issupIllegalLoginLock',
    judge: ({ xml }) =>
      enabledAt(xml ?? undefined) === false
        ? [
            finding(
              'login-lock-disabled',
              'medium',
              'Failed logins are not limited: passwords can be guessed without end',
              'GET /ISAPI/Security/illegalLoginLock: enabled=false',
              'Enable the illegal login lock (Configuration > System > Security > Security Service).',
            ),
          ]
        : [],
  },
  {
    check: 'C15',
    path: get('/ISAPI/System/Network/SNMP'),
    capability: 'SnmpCap/isSupport',
    // Communities are secrets: only the v1/v2c switches are read.
    judge: ({ xml }) => {
      const on = ['SNMPv1c', 'SNMPv2c'].filter((v) => enabledAt(xml?.find(v)) === true);
      if (on.length === 0) return [];
      return [
        finding(
          'snmp-v1-v2c-enabled',
          'medium',
          'SNMP v1/v2c is on (community strings travel in clear)',
          `GET /ISAPI/System/Network/SNMP: ${on.join(', ')} enabled`,
          'Turn SNMP off, or use SNMPv3 only.',
        ),
      ];
    },
  },
  {
    check: 'C16',
    path: get('/ISAPI/System/time'),
    judge: ({ xml }) => {
      const mode = xml?.textAt('timeMode') ?? null;
      if (mode === null) return null;
      if (mode.toUpperCase() === 'NTP') return [];
      return [
        finding(
          'time-not-synchronised',
          'low',
          'The clock is not synchronised (recordings and logs get wrong times)',
          `GET /ISAPI/System/time: timeMode=${mode}`,
          'Set the time mode to NTP with your router or a public NTP server.',
        ),
      ];
    },
  },
  {
    check: 'C17',
    path: get('/ISAPI/Security/email/parameter?format=json'),
    // The recovery address is personal data: only whether one is set is read.
    judge: ({ body }) => {
      let data: { SecurityEmail?: { SecurityInformation?: { emailAddress?: unknown }[] } };
      try {
        data = JSON.parse(body) as typeof data;
      } catch {
        return null; // not the JSON document: the setting was not read
      }
      const configured = (data.SecurityEmail?.SecurityInformation ?? []).some(
        (entry) => typeof entry.emailAddress === 'string' && entry.emailAddress !== '',
      );
      if (configured) return [];
      return [
        finding(
          'no-recovery-email',
          'info',
          'No password-recovery e-mail is set',
          'GET /ISAPI/Security/email/parameter: no address configured',
          'Set a recovery e-mail (or security questions) so a forgotten password does not mean a factory reset.',
        ),
      ];
    },
  },
];

/** Checks no read-only request can answer (docs/protocol/audit.md §3.1 C18, C19): listed, never guessed. */
export const NOT_AUDITABLE: readonly { check: string; reason: string }[] = [
  { check: 'C14', reason: 'IP/MAC filters are optional hardening; not judged' },
  { check: 'C18', reason: 'no documented read-only request for the SDK security mode' },
  { check: 'C19', reason: 'no read-only request shows the SADP switch or the recorder’s camera passwords' },
];

/** Ids raised one level when the device maps ports to the internet (docs/protocol/audit.md §3.2). */
export const EXPOSED_BY_UPNP: ReadonlySet<string> = new Set([
  'http-enabled',
  'https-disabled',
  'web-basic-auth',
  'rtsp-basic-auth',
  'ssh-enabled',
  'telnet-enabled',
]);
