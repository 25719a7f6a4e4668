import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { EnsembleError, toInputIssues } from '../core/index.js';
import { ensembleConfigFileSchema } from './schema.js';
import type { EnsembleConfigFile } from './schema.js';

/**
 * Reads and validates a config file (YAML; JSON is YAML too). Every problem is reported at once,
 * as INVALID_CONFIG naming the file and the field: `ensemble.config.yaml: providers.openai.apiKye: unknown field "apiKye"`.
 */
export function readConfigFile(path: string, displayName: string): EnsembleConfigFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (error as Error).message;
    throw new EnsembleError('INVALID_CONFIG', `${displayName}: ${reason}`, { details: { file: path } });
  }
  const document = parseDocument(text, { prettyErrors: true });
  if (document.errors.length > 0) {
    const problems = document.errors.map((error) => error.message.split('\n')[0] ?? error.message);
    throw new EnsembleError('INVALID_CONFIG', `${displayName}: invalid YAML: ${problems.join('; ')}`, { details: { file: path, problems } });
  }
  const data: unknown = document.toJS() ?? {};
  const parsed = ensembleConfigFileSchema.safeParse(data);
  if (!parsed.success) {
    const issues = toInputIssues(parsed.error);
    throw new EnsembleError('INVALID_CONFIG', issues.map((issue) => `${displayName}: ${issue.path}: ${issue.message}`).join('\n'), {
      details: { file: path, issues },
    });
  }
  return parsed.data;
}
