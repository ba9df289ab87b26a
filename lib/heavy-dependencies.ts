/**
 * The packages that cost something to load, each loaded the first time a caller needs it: a
 * Node-RED with this package installed and no hik node deployed, or a CLI command that never
 * reaches one, does not pay for them (undici alone is about 110 modules and 19 MB resident on
 * Node 20). MQTT.js is loaded the same way, by lib/mqtt/mqtt-link.ts. The types come from
 * `import type`, which emits nothing; the packages are the same, only the moment changes.
 */
/* eslint-disable @typescript-eslint/no-require-imports -- a require on first use is the point */
import type * as NodeTls from 'node:tls';
import type * as Croner from 'croner';
import type * as FastXmlParser from 'fast-xml-parser';
import type * as HomeAssistantWebSocket from 'home-assistant-js-websocket';
import type * as Undici from 'undici';

let undiciModule: typeof Undici | undefined;
let fastXmlParserModule: typeof FastXmlParser | undefined;
let homeAssistantModule: typeof HomeAssistantWebSocket | undefined;
let cronerModule: typeof Croner | undefined;
let tlsModule: typeof NodeTls | undefined;

/** undici: Home Assistant's REST API and WebSocket (ISAPI goes over node:http). */
export function undici(): typeof Undici {
  return (undiciModule ??= require('undici') as typeof Undici);
}

/** fast-xml-parser: documents the flat-document shortcut in lib/xml/flat-xml.ts does not take. */
export function fastXmlParser(): typeof FastXmlParser {
  return (fastXmlParserModule ??= require('fast-xml-parser') as typeof FastXmlParser);
}

/** home-assistant-js-websocket: the Home Assistant WebSocket protocol. */
export function homeAssistantWebSocket(): typeof HomeAssistantWebSocket {
  return (homeAssistantModule ??= require('home-assistant-js-websocket') as typeof HomeAssistantWebSocket);
}

/** croner: cron expressions of rotation schedules. */
export function croner(): typeof Croner {
  return (cronerModule ??= require('croner') as typeof Croner);
}

/** node:tls, Node's own but not free either (about 1 MB more than node:http): HTTPS devices only. */
export function nodeTls(): typeof NodeTls {
  return (tlsModule ??= require('node:tls') as typeof NodeTls);
}
