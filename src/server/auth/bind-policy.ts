import { isIP } from 'node:net';
import { EnsembleError } from '../../core/index.js';

/** Shortest token accepted: a guessable token on a network-facing server is no protection. */
export const MIN_TOKEN_LENGTH = 16;

/** Whether `host` is reachable only from this machine: `localhost`, 127.0.0.0/8 or ::1. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || bare === '0:0:0:0:0:0:0:1' || bare.toLowerCase().startsWith('::ffff:127.');
  return false;
}

/**
 * Refuses to serve beyond loopback without a token (anyone on the network could start agents
 * that run commands), and refuses a token too short to protect anything. INVALID_CONFIG names the bind.
 */
export function checkBindPolicy(host: string, token: string | undefined): void {
  if (token !== undefined && token.length < MIN_TOKEN_LENGTH) {
    throw new EnsembleError('INVALID_CONFIG', `the API token must be at least ${MIN_TOKEN_LENGTH} characters (it has ${token.length}); generate one with: openssl rand -hex 32`);
  }
  if (token === undefined && !isLoopbackHost(host)) {
    throw new EnsembleError(
      'INVALID_CONFIG',
      `refusing to listen on ${host} without a token: anyone who can reach it could start agents. Set ENSEMBLE_TOKEN or pass --token (at least ${MIN_TOKEN_LENGTH} characters), or bind 127.0.0.1`,
      { details: { host } },
    );
  }
}
