/**
 * Activation of a factory-state device, without authentication (docs/protocol/isapi.md §3): the status probe,
 * the RSA challenge and the AES-wrapped activation password. On an active device the challenge and
 * activate endpoints answer 403 Invalid Operation.
 */
import { createActivationChallenge, decryptActivationPassword } from '../activation-crypto';
import { activateStatusXml, challengeXml } from '../fixtures/activation';
import { STATUS, statusResponse, type StatusSpec } from '../fixtures/response-status';
import { passwordRejection } from '../password-rules';
import { xmlResponse } from '../sim-response';
import { readXmlBody, type Route } from './route';

export const activationRoutes: Route[] = [
  {
    pattern: /^\/SDK\/activateStatus$/,
    auth: false,
    handlers: {
      GET: (device) => xmlResponse(200, activateStatusXml(device.state.activated)),
    },
  },
  {
    pattern: /^\/ISAPI\/Security\/challenge$/,
    auth: false,
    handlers: {
      POST: (device, request) => {
        if (device.state.activated)
          return statusResponse(device.xmlStyle, request.path, STATUS.invalidOperation);
        // <PublicKey><key> as the web UI sends it; face terminals wrap it in <Challenge>.
        const parsed = readXmlBody(device, request, ['PublicKey', 'Challenge']);
        if ('response' in parsed) return parsed.response;
        const challenge = createActivationChallenge(parsed.root.textAt('key') ?? '');
        if (!challenge) return statusResponse(device.xmlStyle, request.path, STATUS.badXmlContent);
        const expiresAt = device.profile.clock() + device.profile.activationChallengeSeconds * 1000;
        device.state.pendingActivation = { randomKey: challenge.randomKey, expiresAt };
        return xmlResponse(200, challengeXml(challenge.encryptedKeyBase64));
      },
    },
  },
  {
    pattern: /^\/ISAPI\/System\/activate$/,
    auth: false,
    handlers: {
      PUT: (device, request) => {
        const reply = (spec: StatusSpec) => statusResponse(device.xmlStyle, request.path, spec);
        if (device.state.activated) return reply(STATUS.invalidOperation);
        // <ActivateInfo>, or the face-terminal <Activate><ActivateInfo> wrapper.
        const parsed = readXmlBody(device, request, ['ActivateInfo', 'Activate']);
        if ('response' in parsed) return parsed.response;
        const blob = parsed.root.find('password')?.text;
        if (blob === undefined) return reply(STATUS.badXmlContent);
        const pending = device.state.pendingActivation;
        device.state.pendingActivation = null; // one attempt per challenge
        if (!pending || pending.expiresAt <= device.profile.clock()) return reply(STATUS.invalidOperation);
        const password = decryptActivationPassword(pending.randomKey, blob);
        if (password === null) return reply(STATUS.badXmlContent);
        if (passwordRejection('admin', password) !== null) return reply(STATUS.invalidOperation);
        device.state.activate(password);
        device.counters.activations += 1;
        return reply(STATUS.ok);
      },
    },
  },
];
