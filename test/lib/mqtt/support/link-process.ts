/**
 * A process that holds one MqttLink and nothing else, so a test can kill it (SIGKILL, as a crash or
 * an out-of-memory kill would) and watch the broker publish the link's last will. Prints
 * `connected` once the link is connected. Arguments: broker URL, availability topic.
 */
import { MqttLink } from '../../../../lib/mqtt/mqtt-link';

const [url = '', topic = ''] = process.argv.slice(2);
const link = new MqttLink({
  url,
  clientId: `crash_${process.pid}`,
  availabilityTopic: topic,
  subscriptions: [],
});
link.onConnected(() => process.stdout.write('connected\n'));
link.start();
