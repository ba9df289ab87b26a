/**
 * The mutable state of one simulated device: activation, accounts, NVR channels and boot time.
 * Plain data with small invariant-keeping methods; HTTP and authentication live elsewhere.
 */
import { randomUUID } from 'node:crypto';
import { InvalidArgumentError } from '../lib/errors';
import { DeviceAccounts, type SimOnvifUserInit } from './device-accounts';
import type { SimChannelInit, SimUserInit, UserLevel } from './device-profile';

export interface SimUser {
  id: number;
  userName: string;
  userLevel: UserLevel;
  /** null only for the factory admin of an inactive device. */
  password: string | null;
}

export interface SimChannel {
  id: number;
  name: string;
  ipAddress: string;
  managePortNo: number;
  srcInputPort: number;
  userName: string;
  password: string;
  /** Simulator-only: whether the NVR reaches this camera over HTTPS. Never rendered. */
  https: boolean;
  streamType: string;
  model: string;
  devIndex: string;
}

/** The built-in admin is id 1 (docs/protocol/isapi.md §2.1). */
export const ADMIN_USER_ID = 1;

export class DeviceState {
  activated: boolean;
  bootTime: number;
  /** The activation challenge's R, single-use and short-lived; forgotten on reboot. */
  pendingActivation: { randomKey: string; expiresAt: number } | null = null;
  /** The admin always first: set here and by factoryReset, never removed. */
  readonly users: [SimUser, ...SimUser[]];
  readonly channels: SimChannel[] = [];
  /** User rights, ONVIF users and the ONVIF switch (sim/device-accounts.ts). */
  readonly accounts: DeviceAccounts;

  constructor(
    adminPassword: string | null,
    users: readonly SimUserInit[],
    channels: readonly SimChannelInit[],
    now: number,
    onvif: { users: readonly SimOnvifUserInit[]; enabled: boolean } = { users: [], enabled: false },
  ) {
    this.accounts = new DeviceAccounts(onvif.users, onvif.enabled);
    this.activated = adminPassword !== null;
    this.bootTime = now;
    this.users = [
      {
        id: ADMIN_USER_ID,
        userName: 'admin',
        userLevel: 'Administrator',
        password: adminPassword,
      },
    ];
    for (const user of users) this.addUser(user);
    for (const channel of channels) this.addChannel(channel);
  }

  userById(id: number): SimUser | undefined {
    return this.users.find((u) => u.id === id);
  }

  userByName(userName: string): SimUser | undefined {
    return this.users.find((u) => u.userName === userName);
  }

  /** Always first: the constructor and factoryReset put it there and nothing removes it. */
  get admin(): SimUser {
    return this.users[0];
  }

  addUser(init: SimUserInit): SimUser {
    if (!init.userName || this.userByName(init.userName)) {
      throw new InvalidArgumentError(
        `user name must be non-empty and unique: ${JSON.stringify(init.userName)}`,
      );
    }
    const user: SimUser = {
      id: Math.max(...this.users.map((u) => u.id)) + 1,
      userName: init.userName,
      userLevel: init.userLevel ?? 'Operator',
      password: init.password,
    };
    this.users.push(user);
    return user;
  }

  /** Removes a user other than the built-in admin, with its rights; false when there is none. */
  removeUser(id: number): boolean {
    const index = this.users.findIndex((u) => u.id === id);
    if (index < 1) return false;
    this.users.splice(index, 1);
    this.accounts.forgetUser(id);
    return true;
  }

  addChannel(init: SimChannelInit): SimChannel {
    const channel: SimChannel = {
      id: this.channels.length === 0 ? 1 : Math.max(...this.channels.map((c) => c.id)) + 1,
      name: init.name ?? `IPCamera ${String(this.channels.length + 1).padStart(2, '0')}`,
      ipAddress: init.ipAddress,
      managePortNo: init.managePortNo,
      srcInputPort: 1,
      userName: init.userName,
      password: init.password,
      https: init.https ?? false,
      streamType: 'auto',
      model: init.model ?? '',
      devIndex: randomUUID().toUpperCase(),
    };
    this.channels.push(channel);
    return channel;
  }

  channelById(id: number): SimChannel | undefined {
    return this.channels.find((c) => c.id === id);
  }

  activate(adminPassword: string): void {
    this.activated = true;
    this.admin.password = adminPassword;
  }

  /** Inactive, only the factory admin without password, no channels. */
  factoryReset(): void {
    this.activated = false;
    this.users.splice(0, this.users.length, {
      id: ADMIN_USER_ID,
      userName: 'admin',
      userLevel: 'Administrator',
      password: null,
    });
    this.channels.splice(0, this.channels.length);
    this.accounts.reset();
  }
}
