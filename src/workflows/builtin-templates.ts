import {
  bugfixTemplate,
  codeReviewSwarmTemplate,
  codeReviewTemplate,
  devopsSetupTemplate,
  featureTemplate,
  fullstackDevTemplate,
  performanceOptimizationTemplate,
  securityAuditTemplate,
  testingSuiteTemplate,
} from './templates/index.js';
import type { WorkflowSummary, WorkflowTemplate } from './types.js';

/** Every built-in template; to add one, write `templates/<id>.ts` and list it here. */
export const BUILTIN_TEMPLATES: readonly WorkflowTemplate[] = Object.freeze([
  fullstackDevTemplate,
  featureTemplate,
  bugfixTemplate,
  codeReviewTemplate,
  codeReviewSwarmTemplate,
  securityAuditTemplate,
  testingSuiteTemplate,
  performanceOptimizationTemplate,
  devopsSetupTemplate,
]);

const templatesById: ReadonlyMap<string, WorkflowTemplate> = new Map(BUILTIN_TEMPLATES.map((template) => [template.id, template]));

/** Filters for {@link listTemplates}; both are case-insensitive. */
export interface TemplateFilter {
  readonly category?: string;
  /** A template matches when it has all of these tags. */
  readonly tags?: readonly string[];
}

/** Template summaries, optionally filtered by category and tags, in catalogue order. */
export function listTemplates(filter: TemplateFilter = {}): WorkflowSummary[] {
  const category = filter.category?.trim().toLowerCase();
  const wantedTags = (filter.tags ?? []).map((tag) => tag.trim().toLowerCase()).filter((tag) => tag !== '');
  return BUILTIN_TEMPLATES.filter((template) => {
    if (category !== undefined && category !== '' && template.category.toLowerCase() !== category) return false;
    const tags = new Set(template.tags.map((tag) => tag.toLowerCase()));
    return wantedTags.every((tag) => tags.has(tag));
  }).map(toWorkflowSummary);
}

/** The built-in template with this id, if any. */
export function getTemplate(id: string): WorkflowTemplate | undefined {
  return templatesById.get(id);
}

/** The listing form of a template: its metadata without parameters or the build function. */
export function toWorkflowSummary(template: WorkflowTemplate): WorkflowSummary {
  return {
    id: template.id,
    name: template.name,
    description: template.description,
    category: template.category,
    tags: [...template.tags],
    estimatedDuration: template.estimatedDuration,
    complexity: template.complexity,
  };
}
