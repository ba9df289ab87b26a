/**
 * What a simulated device keeps about accounts beside its user list (docs/protocol/isapi.md §2.1,
 * §5; consumers.md §2, §3): each user's remote rights (UserPermission), the ONVIF user list (a
 * separate list with its own passwords, untouched by a web password change) and the ONVIF switch
 * of Network/Integrate. A factory reset forgets all of it and leaves ONVIF off, as shipped.
 */
import { InvalidArgumentError } from '../lib/errors';
import type { UserLevel } from './device-profile';
import type { SimUser } from './device-state';

/** Users (and ONVIF users) a camera holds (`supportUserNums`, docs/protocol/isapi.md §2.1). */
export const MAX_USERS = 32;

/** The remote rights the simulator knows; real firmware lists more, these are the ones it serves. */
export interface SimRemoteRights {
  preview: boolean;
  playBack: boolean;
  ptzControl: boolean;
  record: boolean;
  /** Reading and changing settings over ISAPI (what a viewer lacks). */
  parameterConfig: boolean;
}

export const REMOTE_RIGHTS: readonly (keyof SimRemoteRights)[] = [
  'preview',
  'playBack',
  'ptzControl',
  'record',
  'parameterConfig',
];

export type OnvifUserType = 'administrator' | 'operator' | 'mediaUser';
export const ONVIF_USER_TYPES: readonly OnvifUserType[] = ['administrator', 'operator', 'mediaUser'];

export interface SimOnvifUser {
  id: number;
  userName: string;
  password: string;
  userType: OnvifUserType;
}

export interface SimOnvifUserInit {
  userName: string;
  password: string;
  userType?: OnvifUserType;
}

/** The rights a new user of each level starts with, as the web UI pre-ticks them. */
export function defaultRights(level: UserLevel): SimRemoteRights {
  const admin = level === 'Administrator';
  const operator = level === 'Operator';
  return {
    preview: true,
    playBack: true,
    ptzControl: admin || operator,
    record: admin || operator,
    parameterConfig: admin,
  };
}

export class DeviceAccounts {
  /** Rights set through UserPermission; a user without an entry has its level's defaults. */
  private readonly rights = new Map<number, SimRemoteRights>();
  readonly onvifUsers: SimOnvifUser[] = [];
  onvifEnabled: boolean;

  constructor(onvifUsers: readonly SimOnvifUserInit[], onvifEnabled: boolean) {
    this.onvifEnabled = onvifEnabled;
    for (const user of onvifUsers) this.addOnvifUser(user);
  }

  rightsOf(user: SimUser): SimRemoteRights {
    return { ...(this.rights.get(user.id) ?? defaultRights(user.userLevel)) };
  }

  setRights(userId: number, rights: SimRemoteRights): void {
    this.rights.set(userId, { ...rights });
  }

  forgetUser(userId: number): void {
    this.rights.delete(userId);
  }

  onvifUserById(id: number): SimOnvifUser | undefined {
    return this.onvifUsers.find((u) => u.id === id);
  }

  onvifUserByName(userName: string): SimOnvifUser | undefined {
    return this.onvifUsers.find((u) => u.userName === userName);
  }

  addOnvifUser(init: SimOnvifUserInit): SimOnvifUser {
    if (!init.userName || this.onvifUserByName(init.userName)) {
      throw new InvalidArgumentError(
        `ONVIF user name must be non-empty and unique: ${JSON.stringify(init.userName)}`,
      );
    }
    const user: SimOnvifUser = {
      id: Math.max(0, ...this.onvifUsers.map((u) => u.id)) + 1,
      userName: init.userName,
      password: init.password,
      userType: init.userType ?? 'administrator',
    };
    this.onvifUsers.push(user);
    return user;
  }

  removeOnvifUser(id: number): boolean {
    const index = this.onvifUsers.findIndex((u) => u.id === id);
    if (index < 0) return false;
    this.onvifUsers.splice(index, 1);
    return true;
  }

  reset(): void {
    this.rights.clear();
    this.onvifUsers.splice(0, this.onvifUsers.length);
    this.onvifEnabled = false;
  }
}
