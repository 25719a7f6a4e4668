import { EnsembleError, toInputIssues } from '../../core/index.js';
import { suggestName } from '../../workflows/index.js';
import { meetingTypeSchema, type MeetingCategory, type MeetingType } from '../schema.js';
import { AGILE_MEETINGS } from './agile-meetings.js';
import { ARCHITECTURE_MEETINGS } from './architecture-meetings.js';
import { ENGINEERING_MEETINGS } from './engineering-meetings.js';
import { OPERATIONS_MEETINGS } from './operations-meetings.js';
import { PRODUCT_MEETINGS } from './product-meetings.js';
import { QUALITY_MEETINGS } from './quality-meetings.js';

/**
 * Checks every type through the schema once, when the module loads: a catalogue entry with a bad
 * field fails loudly here (and in its test), naming the type and the field.
 */
function checkCatalogue(types: readonly MeetingType[]): ReadonlyMap<string, MeetingType> {
  const byId = new Map<string, MeetingType>();
  for (const type of types) {
    const parsed = meetingTypeSchema.safeParse(type);
    if (!parsed.success) {
      const problems = toInputIssues(parsed.error, `meeting type "${type.id}"`).map((issue) => `${issue.path}: ${issue.message}`);
      throw new EnsembleError('INTERNAL', `the meeting type catalogue is invalid: ${problems.join('; ')}`);
    }
    if (byId.has(type.id)) throw new EnsembleError('INTERNAL', `the meeting type catalogue defines "${type.id}" twice`);
    byId.set(type.id, parsed.data);
  }
  return byId;
}

const CATALOGUE = checkCatalogue([
  ...ARCHITECTURE_MEETINGS,
  ...ENGINEERING_MEETINGS,
  ...AGILE_MEETINGS,
  ...OPERATIONS_MEETINGS,
  ...PRODUCT_MEETINGS,
  ...QUALITY_MEETINGS,
]);

/** The built-in meeting types, optionally of one category, in catalogue order. */
export function listMeetingTypes(options: { readonly category?: MeetingCategory } = {}): readonly MeetingType[] {
  const types = [...CATALOGUE.values()];
  return options.category === undefined ? types : types.filter((type) => type.category === options.category);
}

/**
 * The meeting type with this id.
 * @throws EnsembleError `INVALID_INPUT` naming the id, with the closest id when one is near.
 */
export function getMeetingType(id: string): MeetingType {
  const type = CATALOGUE.get(id);
  if (type !== undefined) return type;
  const suggestion = suggestName(id, CATALOGUE.keys());
  const hint = suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`;
  throw new EnsembleError('INVALID_INPUT', `unknown meeting type "${id}"${hint}; see \`ensemble meetings types\``, {
    details: { type: id, ...(suggestion === undefined ? {} : { suggestion }) },
  });
}
