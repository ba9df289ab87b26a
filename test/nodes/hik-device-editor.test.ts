/**
 * The editor side of hik-device (nodes/hik-device/hik-device.html), run in a bare VM context with a
 * minimal RED: its definition registers, validators answer true or a translated message, and the
 * template holds no literal text (everything comes from the catalog).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';

const html = readFileSync(join(__dirname, '..', '..', 'nodes', 'hik-device', 'hik-device.html'), 'utf8');
const catalog = JSON.parse(
  readFileSync(
    join(__dirname, '..', '..', 'nodes', 'hik-device', 'locales', 'en-US', 'hik-device.json'),
    'utf8',
  ),
) as Record<string, unknown>;

type Validator = (value: unknown, opt: object) => true | string;
interface PropertyDef {
  value: unknown;
  required?: boolean;
  validate?: Validator;
}
interface EditorDefinition {
  category: string;
  defaults: Record<string, PropertyDef>;
  credentials: Record<string, { type: string }>;
  _: (key: string) => string;
}

function scriptBlocks(type: string): string[] {
  const blocks: string[] = [];
  const pattern = new RegExp(`<script type="${type}"[^>]*>(?<body>[\\s\\S]*?)</script>`, 'g');
  for (const match of html.matchAll(pattern)) blocks.push(match.groups?.body ?? '');
  return blocks;
}

function loadDefinition(): { type: string; def: EditorDefinition } {
  const registered: { type: string; def: EditorDefinition }[] = [];
  const RED = {
    settings: { get: (key: string, fallback: unknown) => (key === 'hikDeviceVersion' ? 1 : fallback) },
    nodes: {
      registerType(type: string, def: EditorDefinition) {
        // What the editor does on registration: a translator bound to the node's namespace.
        def._ = (key: string) => `t(${key})`;
        registered.push({ type, def });
      },
    },
  };
  for (const code of scriptBlocks('text/javascript')) runInNewContext(code, { RED });
  assert.equal(registered.length, 1);
  const [first] = registered;
  assert.ok(first);
  return first;
}

function lookup(key: string): unknown {
  return key
    .split('.')
    .reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part], catalog);
}

describe('hik-device editor', () => {
  const { type, def } = loadDefinition();
  const validate = (field: string, value: unknown): true | string => {
    const property = def.defaults[field];
    const validator = property?.validate;
    assert.ok(validator, `${field} has a validator`);
    return validator(value, {});
  };

  it('registers a config node with the runtime defaults and a password credential', () => {
    assert.equal(type, 'hik-device');
    assert.equal(def.category, 'config');
    // Objects made in the VM context have its prototypes: compare plain copies.
    const plain = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;
    const defaults = plain(Object.fromEntries(Object.entries(def.defaults).map(([k, v]) => [k, v.value])));
    assert.deepEqual(defaults, {
      name: '',
      host: '',
      protocol: 'https',
      port: 443,
      username: 'admin',
      serial: '',
      allowHttpPasswordChange: false,
      consumers: [],
      keepOnvifUsersInStep: true,
      streamingAccount: false,
      version: 1,
    });
    assert.deepEqual(plain(def.credentials), { password: { type: 'password' } });
  });

  it('has two-argument validators, so the editor shows their messages', () => {
    for (const [field, property] of Object.entries(def.defaults)) {
      if (property.validate) assert.equal(property.validate.length, 2, field);
    }
  });

  it('accepts good values', () => {
    for (const host of ['198.51.100.20', 'cam-garage.lan', 'fd00::20'])
      assert.equal(validate('host', host), true);
    assert.equal(validate('port', 443), true);
    assert.equal(validate('port', '8443'), true);
    assert.equal(validate('protocol', 'http'), true);
    assert.equal(validate('username', 'admin'), true);
    assert.equal(validate('serial', 'DS-2CD2043G2-I20230101AAWRJ12345678'), true);
    assert.equal(validate('serial', ''), true, 'a device not contacted yet has no serial');
  });

  it('answers bad values with the translated message for the field', () => {
    const cases: [string, unknown][] = [
      ['host', ''],
      ['host', 'http://198.51.100.20'],
      ['host', '198.51.100.20:80'],
      ['host', '[fd00::20]'],
      ['host', 'fd00::20:80:xyz'],
      ['port', 0],
      ['port', 65536],
      ['port', 'abc'],
      ['protocol', 'ftp'],
      ['username', ' '],
      ['serial', 'has spaces'],
    ];
    for (const [field, value] of cases) {
      assert.equal(validate(field, value), `t(hik-device.validation.${field})`, `${field} ${String(value)}`);
      assert.equal(typeof lookup(`hik-device.validation.${field}`), 'string', `catalog has ${field}`);
    }
  });

  it('has no literal text in its template, and every data-i18n key is in the catalog', () => {
    const [template] = scriptBlocks('text/html');
    assert.ok(template);
    const text = template.replace(/<[^>]*>/g, '').trim();
    assert.equal(text, '', 'literal text in the template');
    const keys = [...template.matchAll(/data-i18n="(?:\[[a-z]+\])?(?<key>[^"]+)"/g)].map(
      (m) => m.groups?.key ?? '',
    );
    assert.ok(keys.length > 5);
    for (const key of keys) assert.equal(typeof lookup(key), 'string', key);
  });
});
