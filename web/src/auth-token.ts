const STORAGE_KEY = 'ensemble.token';
const HASH_PREFIX = '#token=';

/**
 * The API token of a server started with `--token`: given once in the address (`#token=…`, which
 * never reaches the server's logs), then kept in sessionStorage for the tab's life.
 */
export interface AuthToken {
  /** The token, or undefined when none was given (a loopback server without one). */
  read(): string | undefined;
  save(token: string): void;
  /** Asks the person for the token after a 401; undefined when they decline. */
  ask(): string | undefined;
  /**
   * Keeps a token given in the address (`#token=…`) and takes it out of the address bar and the
   * history, so a shared screenshot or link does not leak it. Called on load and on every hash change
   * (a link pasted into an open tab only changes the hash).
   */
  captureFromHash(): void;
}

/** The token of this tab: from `location.hash` (`#token=…`, then removed from the address) or sessionStorage. */
export function createAuthToken(): AuthToken {
  const token: AuthToken = {
    read: () => sessionStorage.getItem(STORAGE_KEY) ?? undefined,
    save: (value) => sessionStorage.setItem(STORAGE_KEY, value),
    ask: () => {
      const answer = window.prompt('This ensemble server needs its API token (ensemble serve --token):')?.trim();
      if (answer === undefined || answer === '') return undefined;
      token.save(answer);
      return answer;
    },
    captureFromHash: () => {
      if (!location.hash.startsWith(HASH_PREFIX)) return;
      const given = decodeURIComponent(location.hash.slice(HASH_PREFIX.length)).trim();
      if (given !== '') token.save(given);
      history.replaceState(null, '', `${location.pathname}${location.search}#/runs`);
    },
  };
  token.captureFromHash();
  return token;
}
