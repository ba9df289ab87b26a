/** NVR proxy channels: the credentials a recorder uses to log in to each of its cameras. */
import { ProtocolError } from '../../errors';
import { serializeXml, withChild, XmlElement } from '../../xml/xml';
import type { IsapiClient } from '../isapi-client';

const CHANNELS = '/ISAPI/ContentMgmt/InputProxy/channels';

export interface ProxyChannel {
  id: number;
  name: string | null;
  ipAddress: string | null;
  managePort: number | null;
  userName: string | null;
  protocol: string | null;
  model: string | null;
}

export async function listProxyChannels(client: IsapiClient): Promise<ProxyChannel[]> {
  const root = await client.requestXml('GET', CHANNELS);
  return root.childrenNamed('InputProxyChannel').map(readChannel);
}

export async function getProxyChannel(client: IsapiClient, id: number): Promise<ProxyChannel> {
  return readChannel(await client.requestXml('GET', `${CHANNELS}/${id}`));
}

function readChannel(el: XmlElement): ProxyChannel {
  const id = el.intAt('id');
  if (id === null) throw new ProtocolError('an InputProxyChannel lacks its id');
  const source = (field: string) => el.textAt('sourceInputPortDescriptor', field) || null;
  return {
    id,
    name: el.textAt('name') || null,
    ipAddress: source('ipAddress'),
    managePort: el.intAt('sourceInputPortDescriptor', 'managePortNo'),
    userName: source('userName'),
    protocol: source('proxyProtocol'),
    model: source('model'),
  };
}

/**
 * Changes only the stored password of one channel: the channel is read, its password set and
 * written back, so nothing else the recorder knows about the camera is disturbed.
 */
export async function putProxyChannelPassword(
  client: IsapiClient,
  id: number,
  password: string,
): Promise<void> {
  const channel = await client.requestXml('GET', `${CHANNELS}/${id}`);
  const source = channel.child('sourceInputPortDescriptor');
  if (channel.name !== 'InputProxyChannel' || !source) {
    throw new ProtocolError(`channel ${id} answer lacks sourceInputPortDescriptor`);
  }
  const updated = withChild(channel, withChild(source, new XmlElement('password', {}, [], password)));
  const body = `<?xml version="1.0" encoding="UTF-8"?>${serializeXml(updated)}`;
  await client.request('PUT', `${CHANNELS}/${id}`, { body });
}

export interface ProxyChannelStatus {
  id: number;
  online: boolean | null;
  /** The recorder's reason when offline, e.g. a wrong password. */
  detail: string | null;
}

export async function getProxyChannelStatus(client: IsapiClient): Promise<ProxyChannelStatus[]> {
  const root = await client.requestXml('GET', `${CHANNELS}/status`);
  return root.childrenNamed('InputProxyChannelStatus').map((el) => ({
    id: el.intAt('id') ?? -1,
    online: el.boolAt('online'),
    detail: el.textAt('chanDetectResult') || null,
  }));
}
