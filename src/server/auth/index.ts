/** Who may use the API: the bind policy (a token beyond loopback) and the constant-time token check. */
export { checkBindPolicy, isLoopbackHost, MIN_TOKEN_LENGTH } from './bind-policy.js';
export { isTokenAccepted, readBearerToken } from './bearer-token.js';
