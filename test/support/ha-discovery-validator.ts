/**
 * A checker for Home Assistant MQTT discovery messages, written from Home Assistant's MQTT
 * documentation (mqtt.markdown and the per-platform pages, summarised in docs/protocol/mqtt.md),
 * not from any publisher's code, so a discovery builder cannot agree with itself by accident.
 *
 * It checks what Home Assistant checks or documents: the topic form
 * `<prefix>/<component>/[<node_id>/]<object_id>/config` with `[a-zA-Z0-9_-]` ids; a JSON object
 * payload whose keys may be long or abbreviated (never both); the keys each component requires; a
 * `device` block only with `unique_id`, holding `identifiers` or `connections` (pairs), a
 * `configuration_url` of http(s):// or homeassistant://; enum sensors with options and without
 * unit or state class; `entity_category` config/diagnostic (sensors: diagnostic only); command
 * topics without wildcards; availability entries with a topic; `origin` with a name; unique ids
 * unique across every config seen. An empty payload (a deletion) is valid and forgets the id.
 */

/** The abbreviations Home Assistant accepts (mqtt.markdown, "abbreviations"), the ones a checker needs. */
const ABBREVIATIONS: Readonly<Record<string, string>> = {
  avty: 'availability',
  avty_mode: 'availability_mode',
  avty_t: 'availability_topic',
  avty_tpl: 'availability_template',
  cmd_t: 'command_topic',
  cmd_tpl: 'command_template',
  dev: 'device',
  dev_cla: 'device_class',
  en: 'enabled_by_default',
  ent_cat: 'entity_category',
  evt_typ: 'event_types',
  exp_aft: 'expire_after',
  ic: 'icon',
  json_attr_t: 'json_attributes_topic',
  json_attr_tpl: 'json_attributes_template',
  o: 'origin',
  obj_id: 'object_id',
  ops: 'options',
  p: 'platform',
  pl_avail: 'payload_available',
  pl_not_avail: 'payload_not_available',
  pl_off: 'payload_off',
  pl_on: 'payload_on',
  pl_prs: 'payload_press',
  qos: 'qos',
  ret: 'retain',
  stat_cla: 'state_class',
  stat_t: 'state_topic',
  uniq_id: 'unique_id',
  unit_of_meas: 'unit_of_measurement',
  val_tpl: 'value_template',
};

const DEVICE_ABBREVIATIONS: Readonly<Record<string, string>> = {
  cns: 'connections',
  cu: 'configuration_url',
  hw: 'hw_version',
  ids: 'identifiers',
  mdl: 'model',
  mdl_id: 'model_id',
  mf: 'manufacturer',
  sa: 'suggested_area',
  sn: 'serial_number',
  sw: 'sw_version',
};

const ORIGIN_ABBREVIATIONS: Readonly<Record<string, string>> = { sw: 'sw_version', url: 'support_url' };

/** Keys each component requires (the per-platform documentation). */
const REQUIRED: Readonly<Record<string, readonly string[]>> = {
  sensor: ['state_topic'],
  binary_sensor: ['state_topic'],
  button: ['command_topic'],
  event: ['state_topic', 'event_types'],
  switch: ['command_topic'],
  text: ['command_topic'],
  update: [],
  device_automation: ['automation_type', 'topic', 'type', 'subtype', 'device'],
};

const BINARY_SENSOR_CLASSES = new Set([
  'battery', 'battery_charging', 'carbon_monoxide', 'cold', 'connectivity', 'door', 'garage_door', 'gas',
  'heat', 'light', 'lock', 'moisture', 'motion', 'moving', 'occupancy', 'opening', 'plug', 'power',
  'presence', 'problem', 'running', 'safety', 'smoke', 'sound', 'tamper', 'update', 'vibration', 'window',
]); // prettier-ignore
const BUTTON_CLASSES = new Set(['identify', 'restart', 'update']);
const EVENT_CLASSES = new Set(['button', 'doorbell', 'motion']);
const ID = /^[a-zA-Z0-9_-]+$/;

export interface ValidatedConfig {
  readonly component: string;
  readonly objectId: string;
  /** Long key names, abbreviations expanded (device and origin blocks too). */
  readonly config: Record<string, unknown>;
}

function expand(
  block: Record<string, unknown>,
  table: Readonly<Record<string, string>>,
  where: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(block)) {
    const long = table[key] ?? key;
    if (long in out) throw new Error(`${where}: "${long}" is given twice (long and abbreviated)`);
    out[long] = value;
  }
  return out;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isTopic(value: unknown, publish: boolean): boolean {
  if (typeof value !== 'string' || value === '' || value.includes('\0')) return false;
  return !publish || !/[+#]/.test(value);
}

export class DiscoveryValidator {
  /** unique_id → the topic that declared it. */
  private readonly ids = new Map<string, string>();

  constructor(private readonly prefix = 'homeassistant') {}

  /** True for a topic in the discovery namespace (`<prefix>/…/config`). */
  isDiscoveryTopic(topic: string): boolean {
    return topic.startsWith(`${this.prefix}/`) && topic.endsWith('/config');
  }

  /** Checks one message; returns the expanded config, or null for a deletion. Throws what is wrong. */
  check(topic: string, payload: string | Buffer): ValidatedConfig | null {
    const parts = topic.split('/');
    const where = topic;
    if (parts[0] !== this.prefix || parts.at(-1) !== 'config' || (parts.length !== 4 && parts.length !== 5))
      throw new Error(`${where}: not <prefix>/<component>/[<node_id>/]<object_id>/config`);
    const component = parts[1] ?? '';
    const objectId = parts[parts.length - 2] ?? '';
    if (!(component in REQUIRED)) throw new Error(`${where}: unknown component ${component}`);
    for (const id of parts.slice(2, -1))
      if (!ID.test(id)) throw new Error(`${where}: id "${id}" has characters outside [a-zA-Z0-9_-]`);
    const text = payload.toString();
    if (text === '') {
      for (const [id, at] of this.ids) if (at === topic) this.ids.delete(id);
      return null;
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      throw new Error(`${where}: payload is not JSON`);
    }
    if (!isRecord(raw)) throw new Error(`${where}: payload must be a JSON object`);
    const config = expand(raw, ABBREVIATIONS, where);
    for (const key of REQUIRED[component] ?? [])
      if (!(key in config)) throw new Error(`${where}: ${component} requires ${key}`);

    for (const [key, value] of Object.entries(config)) {
      if (!key.endsWith('_topic')) continue;
      if (!isTopic(value, key === 'command_topic')) throw new Error(`${where}: ${key} is not a valid topic`);
    }
    this.checkAvailability(config, where);
    this.checkComponent(component, config, where);

    const uniqueId = config.unique_id;
    if (uniqueId !== undefined) {
      if (typeof uniqueId !== 'string' || uniqueId === '')
        throw new Error(`${where}: unique_id must be a string`);
      const other = this.ids.get(uniqueId);
      if (other !== undefined && other !== topic)
        throw new Error(`${where}: unique_id ${uniqueId} is already used by ${other}`);
      this.ids.set(uniqueId, topic);
    }
    if ('device' in config) {
      if (uniqueId === undefined) throw new Error(`${where}: a device block needs unique_id`);
      config.device = this.checkDevice(config.device, where);
    }
    if ('origin' in config) {
      if (!isRecord(config.origin)) throw new Error(`${where}: origin must be an object`);
      const origin = expand(config.origin, ORIGIN_ABBREVIATIONS, `${where} origin`);
      if (typeof origin.name !== 'string' || origin.name === '')
        throw new Error(`${where}: origin needs a name`);
      config.origin = origin;
    }
    if ('default_entity_id' in config) {
      const id = config.default_entity_id;
      if (typeof id !== 'string' || !new RegExp(`^${component}\\.[a-z0-9_]+$`).test(id))
        throw new Error(`${where}: default_entity_id must be ${component}.<object id>`);
    }
    if ('object_id' in config && (typeof config.object_id !== 'string' || !ID.test(config.object_id)))
      throw new Error(`${where}: object_id has characters outside [a-zA-Z0-9_-]`);
    if ('entity_category' in config) {
      const category = config.entity_category;
      if (category !== 'config' && category !== 'diagnostic')
        throw new Error(`${where}: entity_category must be config or diagnostic`);
      if ((component === 'sensor' || component === 'binary_sensor') && category !== 'diagnostic')
        throw new Error(`${where}: a ${component}'s entity_category must be diagnostic`);
    }
    for (const key of ['value_template', 'json_attributes_template', 'command_template']) {
      const template = config[key];
      if (template === undefined) continue;
      if (
        typeof template !== 'string' ||
        (template.match(/{{/g)?.length ?? 0) !== (template.match(/}}/g)?.length ?? 0)
      )
        throw new Error(`${where}: ${key} is not a balanced template`);
    }
    return { component, objectId, config };
  }

  private checkAvailability(config: Record<string, unknown>, where: string): void {
    if ('availability' in config) {
      const list = config.availability;
      if (!Array.isArray(list) || list.length === 0)
        throw new Error(`${where}: availability must be a non-empty list`);
      for (const entry of list as unknown[]) {
        if (!isRecord(entry)) throw new Error(`${where}: availability entries are objects`);
        const item = expand(entry, { t: 'topic', ...ABBREVIATIONS }, `${where} availability`);
        if (!isTopic(item.topic, false)) throw new Error(`${where}: availability entry without a topic`);
      }
      if ('availability_topic' in config)
        throw new Error(`${where}: availability and availability_topic are exclusive`);
    }
    const mode = config.availability_mode;
    if (mode !== undefined && mode !== 'all' && mode !== 'any' && mode !== 'latest')
      throw new Error(`${where}: availability_mode must be all, any or latest`);
  }

  private checkComponent(component: string, config: Record<string, unknown>, where: string): void {
    if (config.device_class !== undefined && typeof config.device_class !== 'string')
      throw new Error(`${where}: device_class must be a string`);
    const deviceClass = config.device_class;
    if (component === 'sensor') {
      if (deviceClass === 'enum') {
        const options = config.options;
        if (!Array.isArray(options) || options.length === 0 || !options.every((o) => typeof o === 'string'))
          throw new Error(`${where}: an enum sensor needs a non-empty list of options`);
        if ('unit_of_measurement' in config || 'state_class' in config)
          throw new Error(`${where}: an enum sensor takes no unit_of_measurement or state_class`);
      } else if ('options' in config) {
        throw new Error(`${where}: options belong to device_class enum`);
      }
    }
    if (component === 'binary_sensor' && deviceClass !== undefined && !BINARY_SENSOR_CLASSES.has(deviceClass))
      throw new Error(`${where}: unknown binary_sensor device_class ${deviceClass}`);
    if (component === 'button' && deviceClass !== undefined && !BUTTON_CLASSES.has(deviceClass))
      throw new Error(`${where}: unknown button device_class ${deviceClass}`);
    if (component === 'button' && 'payload_press' in config && typeof config.payload_press !== 'string')
      throw new Error(`${where}: payload_press must be a string`);
    if (component === 'event') {
      const types = config.event_types;
      if (
        !Array.isArray(types) ||
        types.length === 0 ||
        !types.every((t) => typeof t === 'string' && t !== '')
      )
        throw new Error(`${where}: event_types must be a non-empty list of strings`);
      if (deviceClass !== undefined && !EVENT_CLASSES.has(deviceClass))
        throw new Error(`${where}: unknown event device_class ${deviceClass}`);
    }
  }

  private checkDevice(value: unknown, where: string): Record<string, unknown> {
    if (!isRecord(value)) throw new Error(`${where}: device must be an object`);
    const device = expand(value, DEVICE_ABBREVIATIONS, `${where} device`);
    const ids = device.identifiers;
    const connections = device.connections;
    if (ids === undefined && connections === undefined)
      throw new Error(`${where}: device needs identifiers or connections`);
    if (ids !== undefined) {
      const list = Array.isArray(ids) ? (ids as unknown[]) : [ids];
      if (list.length === 0 || !list.every((i) => typeof i === 'string' && i !== ''))
        throw new Error(`${where}: device identifiers must be a string or a list of strings`);
    }
    if (connections !== undefined) {
      if (
        !Array.isArray(connections) ||
        !(connections as unknown[]).every(
          (c) =>
            Array.isArray(c) && c.length === 2 && c.every((part) => typeof part === 'string' && part !== ''),
        )
      )
        throw new Error(`${where}: device connections must be [type, value] pairs`);
    }
    const url = device.configuration_url;
    if (url !== undefined && (typeof url !== 'string' || !/^(https?:\/\/|homeassistant:\/\/)\S+$/.test(url)))
      throw new Error(`${where}: configuration_url must be http(s):// or homeassistant://`);
    for (const key of [
      'name',
      'manufacturer',
      'model',
      'sw_version',
      'hw_version',
      'serial_number',
      'suggested_area',
    ])
      if (key in device && typeof device[key] !== 'string')
        throw new Error(`${where}: device ${key} must be a string`);
    return device;
  }
}
