import { EnsembleError } from '../core/index.js';
import { suggestName } from '../workflows/index.js';

/**
 * The error for an agent name nobody knows, with the closest known name when one is near
 * (`unknown agent "reviwer" (did you mean "reviewer"?)`), so a typo is not silently an empty result.
 */
export function unknownAgentError(agentName: string, knownNames: Iterable<string>): EnsembleError {
  const suggestion = suggestName(agentName, knownNames);
  const hint = suggestion === undefined ? ' (see `ensemble agents list`)' : ` (did you mean "${suggestion}"? see \`ensemble agents list\`)`;
  return new EnsembleError('UNKNOWN_AGENT', `unknown agent "${agentName}"${hint}`, {
    details: { agentName, ...(suggestion === undefined ? {} : { suggestion }) },
  });
}
