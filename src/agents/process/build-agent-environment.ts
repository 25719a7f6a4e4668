import { ENSEMBLE_TASK_VARIABLES } from '../schema.js';
import type { AgentEnvironment } from '../schema.js';

/**
 * Variables every process agent receives from ensemble's environment, when set: what programs need
 * to find themselves, their tools and the user's settings, and nothing that grants access. Keys,
 * tokens and ensemble's own settings (`ENSEMBLE_TOKEN`) pass only when the agent declares them (`env:`).
 */
export const PASSED_ENVIRONMENT_NAMES: readonly string[] = [
  // Where things are, and who and where the user is.
  'PATH', 'HOME', 'USER', 'LOGNAME', 'SHELL', 'TMPDIR', 'TMP', 'TEMP', 'TZ',
  'XDG_CONFIG_HOME', 'XDG_CACHE_HOME', 'XDG_DATA_HOME', 'XDG_STATE_HOME', 'XDG_RUNTIME_DIR',
  // Language and terminal.
  'LANG', 'LANGUAGE', 'TERM', 'COLORTERM', 'NO_COLOR', 'FORCE_COLOR', 'CI',
  // Network: proxies and certificate stores (a CLI behind a corporate proxy fails without them).
  'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY', 'ALL_PROXY', 'http_proxy', 'https_proxy', 'no_proxy', 'all_proxy',
  'SSL_CERT_FILE', 'SSL_CERT_DIR', 'REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE',
  // Toolchains that test runners and builds look up.
  'JAVA_HOME', 'GOPATH', 'GOROOT', 'GOCACHE', 'GOMODCACHE', 'GOFLAGS', 'CARGO_HOME', 'RUSTUP_HOME',
  'PYTHONPATH', 'VIRTUAL_ENV', 'CONDA_PREFIX', 'PYENV_ROOT', 'NVM_DIR', 'PNPM_HOME', 'BUN_INSTALL', 'DENO_DIR',
];

/** Prefixes of variables passed like {@link PASSED_ENVIRONMENT_NAMES} (locale categories, Node's settings). */
export const PASSED_ENVIRONMENT_PREFIXES: readonly string[] = ['LC_', 'NODE_'];

// NODE_AUTH_TOKEN (npm's registry token) and its kind are secrets even under an allowed prefix.
const SECRET_NAME_PATTERN = /TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH|_KEY|KEY_/i;
const TASK_VARIABLES: ReadonlySet<string> = new Set(ENSEMBLE_TASK_VARIABLES);

/**
 * The environment of a process agent: the allow-list above from `parent`, what the agent declares
 * (`env:` pass-through names and patterns from `parent`, then literal values), then the task's
 * variables, which nothing overrides.
 */
export function buildAgentEnvironment(
  parent: NodeJS.ProcessEnv,
  declared: AgentEnvironment | undefined,
  taskVariables: Readonly<Record<string, string>>,
): Record<string, string> {
  const environment: Record<string, string> = {};
  for (const [name, value] of Object.entries(parent)) {
    // A task variable absent for this task (ENSEMBLE_PROMPT of a long prompt) must not come from the parent.
    if (value === undefined || TASK_VARIABLES.has(name)) continue;
    if (isAllowListed(name) || (declared !== undefined && isDeclared(name, declared.passThrough))) environment[name] = value;
  }
  if (declared !== undefined) Object.assign(environment, declared.values);
  return Object.assign(environment, taskVariables);
}

function isAllowListed(name: string): boolean {
  if (PASSED_ENVIRONMENT_NAMES.includes(name)) return true;
  return PASSED_ENVIRONMENT_PREFIXES.some((prefix) => name.startsWith(prefix)) && !SECRET_NAME_PATTERN.test(name);
}

function isDeclared(name: string, passThrough: readonly string[]): boolean {
  return passThrough.some((pattern) => (pattern.endsWith('*') ? name.startsWith(pattern.slice(0, -1)) : name === pattern));
}
