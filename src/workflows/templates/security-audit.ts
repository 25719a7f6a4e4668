import { z } from 'zod';
import type { TaskInput } from '../../core/index.js';
import { defineWorkflowTemplate } from '../define-workflow-template.js';
import { optionalText, requiredText, textList } from './parameter-fields.js';

const AUDIT_IDS = ['dependency-audit', 'auth-audit', 'injection-audit', 'secrets-config-audit'];
const SEVERITIES = ['critical', 'high', 'medium', 'low'] as const;

/**
 * Four audits side by side (dependencies, authentication and authorisation, input handling and
 * injection, secrets and configuration), then one prioritised report. The audit changes nothing:
 * every agent reads the workspace, and only the secrets audit runs commands (Bash, `--permissions full`).
 */
export const securityAuditTemplate = defineWorkflowTemplate({
  id: 'security-audit',
  name: 'Security Audit',
  description: 'Audits dependencies, auth, input handling and secrets/configuration in parallel, then writes one prioritised security report.',
  category: 'security',
  tags: ['security', 'audit', 'owasp', 'dependencies', 'parallel'],
  // The four audits run side by side (120 s), then the report (60 s).
  estimatedDuration: 180,
  complexity: 'complex',
  parameterSchema: z.strictObject({
    application: requiredText('What the application does, who uses it and what data it holds: the threat model starts here.'),
    target: z.string().trim().min(1).max(1000).default('.').describe('The part of the workspace to audit: a file or folder (. for all of it).'),
    stack: optionalText('Languages, frameworks and hosting, if you want to save the auditors from inferring them.', 2000),
    compliance: textList('Standards the report should map findings to, e.g. PCI-DSS, GDPR, SOC 2.'),
    minimumSeverity: z.enum(SEVERITIES).default('low').describe('Lowest severity reported: critical, high, medium or low.'),
  }),
  // All four audits at once; the report waits for them.
  config: { maxParallelAgents: 4 },
  buildTasks({ application, target, stack, compliance, minimumSeverity }): TaskInput[] {
    const reported = SEVERITIES.slice(0, SEVERITIES.indexOf(minimumSeverity) + 1).join(', ');
    const where = target === '.' ? 'the whole workspace' : `\`${target}\` in the workspace (a file, or a folder: Glob it for its files)`;
    const brief = [
      `Application: ${application}`,
      `Audit scope: ${where}.`,
      ...(stack === undefined ? [] : [`Stack: ${stack}`]),
      ...(compliance.length === 0 ? [] : [`Compliance frameworks: ${compliance.join(', ')}`]),
      `Report findings of severity ${reported}.`,
    ].join('\n');
    const auditRules =
      'This is an audit, not a fix: do not create, edit or delete any file, even if your tools allow it. Find the code with ' +
      'Glob and Grep and Read it before you judge it; cite every finding as `path:line` (the line number Read showed you), and ' +
      'report only what you have read. Never copy a secret value into your output: name the file and line and mask the value ' +
      '(first four characters, then ****).';
    const findingsFormat =
      'Output, for the consolidated report: first one line stating what you covered and anything you could not read or check. ' +
      'Then one entry per finding with: a title; severity (critical, high, medium, low) judged from exploitability and impact ' +
      'on this application; the OWASP Top 10 (2021) category or CWE id; `path:line`; how an attacker would exploit it, in one ' +
      'or two sentences; and the concrete fix (code-level where you can). End with what is done well, so the report can say so.';
    const audit = (id: string, agentName: string, description: string, priority: number, focus: string): TaskInput => ({
      id,
      agentName,
      description,
      prompt: `${brief}\n\n${focus}\n\n${auditRules}\n\n${findingsFormat}`,
      priority,
      maxTokens: 8000,
      estimatedMs: 120_000,
    });
    return [
      audit('dependency-audit', 'security-auditor', 'Audit third-party dependencies', 8,
        'Audit the third-party dependencies. Glob for the manifests and lockfiles (package.json with package-lock.json, ' +
        'pnpm-lock.yaml or yarn.lock; requirements*.txt, pyproject.toml, poetry.lock; go.mod and go.sum; Cargo.toml and ' +
        'Cargo.lock; pom.xml, build.gradle; Gemfile.lock; composer.lock) and Read them. Report dependencies with known ' +
        'vulnerabilities at the pinned version (name the advisory or CVE when you know it), unpinned or wildcard ranges, ' +
        'packages that are abandoned or typosquat-like, install scripts that run code, dependencies fetched from git URLs or ' +
        'unofficial registries, and a missing lockfile.\n\n' +
        'You have no shell, so your vulnerability knowledge stops at your training date: mark each advisory "to confirm", and ' +
        'name the audit command the team should run for each ecosystem you found (`npm audit --omit=dev`, `pip-audit`, ' +
        '`govulncheck ./...`, `cargo audit`, `bundle audit`). Grep the code for where a flagged package is imported, so the ' +
        'report can say whether the vulnerable part is reachable.'),
      audit('auth-audit', 'backend-security-coder', 'Audit authentication and authorisation', 9,
        'Audit authentication and authorisation. Grep for login, session, token, JWT, cookie, password, OAuth, middleware, ' +
        'guard, role and permission handling, and Read the routes or handlers that serve protected data. Check: password ' +
        'storage (a slow salted hash such as argon2, bcrypt or scrypt), session and token lifetime, signature and algorithm ' +
        'checks on JWTs, cookie flags (HttpOnly, Secure, SameSite), logout and revocation, brute-force and rate limiting, ' +
        'multi-factor and password-reset flows, and CSRF protection on state-changing requests.\n\n' +
        'For authorisation, list every route or entry point that reads or changes data and say which check protects it: ' +
        'look for missing checks, checks done only in the client, object-level access (IDOR: can user A fetch user B\'s ' +
        'record by changing an id?), privilege escalation through role fields a user can set, and default-allow logic.'),
      audit('injection-audit', 'security-auditor', 'Audit input handling and injection', 9,
        'Audit input handling and injection. Start from where untrusted input enters (HTTP handlers, CLI arguments, message ' +
        'consumers, file uploads, webhooks, environment read at request time) and follow each value with Grep and Read to where ' +
        'it is used. Check for SQL and NoSQL injection (queries built by string concatenation or template strings instead of ' +
        'parameters), command injection (shell calls, `exec`, `spawn` with the `shell` option set), path traversal in file access, SSRF ' +
        'in outgoing requests to user-given URLs, template and HTML injection (XSS, unsafe `innerHTML` or ' +
        '`dangerouslySetInnerHTML`), unsafe deserialisation, XML external entities, regular expressions open to ReDoS, and ' +
        'open redirects.\n\n' +
        'Say where validation happens (a schema library at the boundary, or ad hoc checks deep inside) and name each input that ' +
        'reaches a dangerous sink unvalidated, with the path from source to sink as a list of `path:line` steps.'),
      audit('secrets-config-audit', 'deployment-engineer', 'Audit secrets and configuration', 8,
        'Audit secrets and configuration. Grep for hard-coded credentials (API keys, tokens, passwords, private keys, ' +
        'connection strings with passwords; patterns such as `AKIA`, `sk-`, `ghp_`, `-----BEGIN`, `password =`), and Read the ' +
        'configuration: .env files and their examples, config folders, Dockerfiles and compose files, CI workflows, ' +
        'Kubernetes manifests and infrastructure as code. Check: debug modes and verbose errors enabled in production, ' +
        'permissive CORS, missing security headers (CSP, HSTS, X-Content-Type-Options), TLS verification turned off, ' +
        'containers running as root, secrets passed as build arguments or printed in CI logs, over-broad cloud permissions, ' +
        'and default credentials.\n\n' +
        'With Bash (under `--permissions full`), check whether secret files are tracked and whether secrets were committed ' +
        'in the past: run `git ls-files` filtered for .env, key and credential files, and `git log --all --oneline -- <file>` ' +
        'for each one found; run nothing that changes the repository or reaches the network. Without Bash, say in your ' +
        'first line that the git history was not checked, and check the working tree and `.gitignore` only.'),
      {
        id: 'security-report',
        agentName: 'security-auditor',
        description: 'Consolidate the prioritised security report',
        prompt:
          `${brief}\n\n` +
          'Consolidate the four audits (dependencies, authentication and authorisation, input handling and injection, secrets and ' +
          'configuration) into one security report. Merge duplicates (the same flaw seen by two auditors is one finding, naming ' +
          'both), drop findings below the reported severities, and re-rate severities consistently across audits for this ' +
          'application\'s threat model. Where a finding looks doubtful or two audits disagree, Read the cited `path:line` ' +
          'yourself before you keep it, and say which findings you could not confirm. Do not change any file, and never repeat ' +
          'a secret value an audit may have quoted.\n\n' +
          'Write the report in this order: an executive summary (overall risk in one sentence and the three most urgent ' +
          'actions); a short threat model (assets, attackers, entry points); the findings grouped by severity, critical first, ' +
          'each with its id (SEC-1, SEC-2, …), title, `path:line`, OWASP or CWE reference, exploit scenario and fix' +
          (compliance.length === 0 ? '' : `, and the ${compliance.join(', ')} requirement it affects`) +
          '; a remediation plan ordered by risk reduced per unit of effort, separating fixes for today from longer work; what ' +
          'each audit could not check (unrun commands, unread files) and how to close that gap; and what is done well.',
        dependencies: [...AUDIT_IDS],
        priority: 10,
        maxTokens: 12_000,
        estimatedMs: 60_000,
      },
    ];
  },
});
