/**
 * ONVIF users: a separate account list on the device, with passwords of their own that a web
 * password change leaves alone (docs/protocol/users-and-onvif.md). Network/Integrate says
 * whether the firmware has ONVIF at all (no `<ONVIF>` element: it has not).
 */
import { NotSupportedError, ProtocolError } from '../../errors';
import { escapeXml, type XmlElement } from '../../xml/xml';
import type { IsapiClient } from '../isapi-client';

const ONVIF_USERS = '/ISAPI/Security/ONVIF/users';

export interface OnvifIntegration {
  /** The firmware knows ONVIF (Integrate has an `<ONVIF>` element). */
  supported: boolean;
  /** Whether ONVIF is switched on; null when not reported. */
  enabled: boolean | null;
}

export async function getOnvifIntegration(client: IsapiClient): Promise<OnvifIntegration> {
  let root: XmlElement;
  try {
    root = await client.requestXml('GET', '/ISAPI/System/Network/Integrate');
  } catch (err) {
    if (err instanceof NotSupportedError) return { supported: false, enabled: null };
    throw err;
  }
  const onvif = root.child('ONVIF');
  return { supported: onvif !== undefined, enabled: onvif?.boolAt('enable') ?? null };
}

/** `administrator`, `operator` or `mediaUser` on the devices seen so far. */
export interface OnvifUser {
  id: number;
  userName: string;
  userType: string | null;
}

/** The list, without passwords. Firmware without ONVIF user management throws NotSupportedError. */
export async function listOnvifUsers(client: IsapiClient): Promise<OnvifUser[]> {
  const root = await client.requestXml('GET', ONVIF_USERS);
  return root.childrenNamed('User').map((el) => {
    const id = el.intAt('id');
    const userName = el.textAt('userName');
    if (id === null || !userName) throw new ProtocolError('an ONVIF User entry lacks id or userName');
    return { id, userName, userType: el.textAt('userType') || null };
  });
}

/** Sets one ONVIF user's password, keeping its name and type (the Nx Witness pattern). */
export async function putOnvifUserPassword(
  client: IsapiClient,
  user: OnvifUser,
  password: string,
): Promise<void> {
  const body =
    '<?xml version="1.0" encoding="UTF-8"?>' +
    `<User><id>${user.id}</id><userName>${escapeXml(user.userName)}</userName>` +
    `<password>${escapeXml(password)}</password>` +
    (user.userType ? `<userType>${escapeXml(user.userType)}</userType>` : '') +
    '</User>';
  await client.request('PUT', `${ONVIF_USERS}/${user.id}`, { body });
}
