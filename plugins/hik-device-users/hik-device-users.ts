/**
 * Runtime half of the editor plugin that counts `hik-device` users (the editor half,
 * hik-device-users.html, does the counting). Node-RED counts a config node's users only through
 * single-valued properties; hik-reset and hik-credentials list their devices, so without this
 * every camera would look unused and be offered for deletion.
 */
import type { NodeAPI } from 'node-red';

interface PluginRegistry {
  registerPlugin(id: string, definition: Record<string, unknown>): void;
}

export = (RED: NodeAPI): void => {
  (RED as unknown as { plugins: PluginRegistry }).plugins.registerPlugin('hik-device-users', {
    type: 'hik-guard-editor',
  });
};
