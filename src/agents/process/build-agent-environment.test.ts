import { describe, expect, it } from 'vitest';
import { buildAgentEnvironment } from './build-agent-environment.js';

const PARENT = {
  PATH: '/usr/bin',
  HOME: '/home/user',
  LANG: 'en_US.UTF-8',
  LC_ALL: 'C',
  NODE_OPTIONS: '--max-old-space-size=4096',
  NODE_AUTH_TOKEN: 'npm-secret',
  ANTHROPIC_API_KEY: 'sk-ant',
  ANTHROPIC_BASE_URL: 'http://127.0.0.1:9000',
  OPENAI_API_KEY: 'sk-openai',
  AWS_SECRET_ACCESS_KEY: 'aws-secret',
  ENSEMBLE_TOKEN: 'server-token',
  ENSEMBLE_HOME: '/data',
  ENSEMBLE_PROMPT: 'from the parent',
  ENSEMBLE_MESSAGES: '/elsewhere/messages.jsonl',
  ENSEMBLE_CONTEXT: '/elsewhere/context.json',
  GITHUB_TOKEN: 'ghp-secret',
  AIDER_MODEL: 'sonnet',
  AIDER_DARK_MODE: 'true',
};

describe('agent environment', () => {
  it('passes the allow-list and the task variables, and no key, token or ensemble setting', () => {
    const env = buildAgentEnvironment(PARENT, undefined, { ENSEMBLE_TASK_ID: 'build' });
    expect(env).toEqual({ PATH: '/usr/bin', HOME: '/home/user', LANG: 'en_US.UTF-8', LC_ALL: 'C', NODE_OPTIONS: '--max-old-space-size=4096', ENSEMBLE_TASK_ID: 'build' });
  });

  it('adds declared names, prefixes and values; task variables win over everything', () => {
    const env = buildAgentEnvironment(
      PARENT,
      { passThrough: ['ANTHROPIC_API_KEY', 'ANTHROPIC_BASE_URL', 'AIDER_*', 'MISSING'], values: { CI: '1', ENSEMBLE_TASK_ID_COPY: 'x' } },
      { ENSEMBLE_TASK_ID: 'build' },
    );
    expect(env).toMatchObject({ ANTHROPIC_API_KEY: 'sk-ant', ANTHROPIC_BASE_URL: 'http://127.0.0.1:9000', AIDER_MODEL: 'sonnet', AIDER_DARK_MODE: 'true', CI: '1' });
    expect(env['OPENAI_API_KEY']).toBeUndefined();
    expect('MISSING' in env).toBe(false);
  });

  it('"*" passes the whole environment, except task variables ensemble did not set for this task', () => {
    const env = buildAgentEnvironment(PARENT, { passThrough: ['*'], values: {} }, { ENSEMBLE_TASK_ID: 'build' });
    expect(env).toMatchObject({ ENSEMBLE_TOKEN: 'server-token', GITHUB_TOKEN: 'ghp-secret', ENSEMBLE_TASK_ID: 'build' });
    expect(env['ENSEMBLE_PROMPT']).toBeUndefined();
    // An ensemble run inside an agent's process must not hand its own message files to the agents it runs.
    expect(env['ENSEMBLE_MESSAGES']).toBeUndefined();
    expect(env['ENSEMBLE_CONTEXT']).toBeUndefined();
  });
});
