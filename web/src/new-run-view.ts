import { isEnsembleError } from '../../src/core/index.js';
import { createElement, replaceChildren, setText } from './create-element.js';
import { createParameterField, type ParameterField } from './parameter-field.js';
import { executeAcceptedSchema, workflowListResponseSchema, type WorkflowListItem } from './schema.js';
import type { UnmountView, ViewContext } from './view-context.js';

/** The engine's limit on `maxParallelAgents` (DESIGN.md). */
const MAX_PARALLEL_AGENTS = 1000;

/**
 * The new-run form: a template from `GET /api/workflows/list`, inputs made from its parameters, a
 * concurrency, then `POST /api/workflows/execute` (answered at once with the run id) and on to the
 * run. The server validates everything; its message is shown beside the form.
 */
export function mountNewRunView(container: HTMLElement, context: ViewContext): UnmountView {
  const aborter = new AbortController();
  const select = createElement('select', { id: 'template', 'data-testid': 'template-select', required: '' });
  const about = createElement('div', { class: 'template-about' });
  const parameterBox = createElement('fieldset', { class: 'parameter-fields' });
  const concurrency = createElement('input', {
    id: 'concurrency',
    type: 'number',
    min: '1',
    max: String(MAX_PARALLEL_AGENTS),
    step: '1',
    placeholder: 'template default',
    'data-testid': 'concurrency',
  });
  const concurrencyField = createElement('div', { class: 'form-field' }, [
    createElement('label', { for: 'concurrency', class: 'field-label' }, ['Concurrency', createElement('span', { class: 'field-type' }, [` agents at once, 1–${MAX_PARALLEL_AGENTS}`])]),
    concurrency,
  ]);
  const error = createElement('p', { class: 'form-error', role: 'alert', 'data-testid': 'form-error', hidden: '' });
  const start = createElement('button', { type: 'submit', class: 'button button-primary', 'data-testid': 'start-run' }, ['Start run']);
  // The server is the judge of the input (its 400 names the field), so the browser's own checks are off.
  const form = createElement('form', { class: 'new-run-form', 'data-testid': 'new-run-form', novalidate: '' }, [
    createElement('div', { class: 'form-field' }, [createElement('label', { for: 'template', class: 'field-label' }, ['Workflow template']), select]),
    about,
    parameterBox,
    concurrencyField,
    error,
    createElement('div', { class: 'form-actions' }, [start]),
  ]);
  container.replaceChildren(createElement('section', { class: 'new-run-view' }, [createElement('div', { class: 'view-heading' }, [createElement('h1', {}, ['New run'])]), form]));

  let workflows: readonly WorkflowListItem[] = [];
  let fields = new Map<string, ParameterField>();

  function showError(message: string, code?: string): void {
    setText(error, message);
    if (code === undefined) error.removeAttribute('data-code');
    else error.setAttribute('data-code', code);
    error.hidden = false;
    // The server's message names the field by its path (`parameters.target: required`): mark that input.
    const named = [...fields.keys()].filter((name) => [':', '.', '['].some((next) => message.includes(`parameters.${name}${next}`)));
    for (const [name, field] of fields) field.element.classList.toggle('is-invalid', named.includes(name));
    concurrencyField.classList.toggle('is-invalid', message.includes('maxParallelAgents'));
    error.scrollIntoView({ block: 'nearest' });
  }

  function clearError(): void {
    error.hidden = true;
    for (const field of fields.values()) field.element.classList.remove('is-invalid');
    concurrencyField.classList.remove('is-invalid');
  }

  function showTemplate(): void {
    const workflow = workflows.find((candidate) => candidate.id === select.value);
    clearError();
    if (workflow === undefined) {
      replaceChildren(about, []);
      replaceChildren(parameterBox, []);
      fields = new Map();
      return;
    }
    replaceChildren(about, [
      createElement('p', {}, [workflow.description]),
      createElement('p', { class: 'muted' }, [
        `${workflow.category} · ${workflow.complexity} · ${describeEstimate(workflow.estimatedDuration)}${workflow.tags.length === 0 ? '' : ` · ${workflow.tags.join(', ')}`}`,
      ]),
    ]);
    fields = new Map(Object.entries(workflow.parameters).map(([name, parameter]) => [name, createParameterField(name, parameter)]));
    replaceChildren(parameterBox, [
      createElement('legend', {}, [fields.size === 0 ? 'No parameters' : 'Parameters']),
      ...[...fields.values()].map((field) => field.element),
    ]);
  }

  async function submit(): Promise<void> {
    const workflowId = select.value;
    if (workflowId === '') return showError('Choose a workflow template.');
    const parameters: Record<string, unknown> = {};
    for (const [name, field] of fields) {
      const value = field.read();
      if (value !== undefined) parameters[name] = value;
    }
    const concurrencyText = concurrency.value.trim();
    const body = {
      workflowId,
      parameters,
      ...(concurrencyText === '' ? {} : { config: { maxParallelAgents: Number.isFinite(Number(concurrencyText)) ? Number(concurrencyText) : concurrencyText } }),
    };
    start.disabled = true;
    clearError();
    try {
      const accepted = await context.api.post('api/workflows/execute', body, executeAcceptedSchema, { signal: aborter.signal });
      context.navigate({ view: 'run', runId: accepted.runId });
    } catch (failure) {
      if (aborter.signal.aborted) return;
      if (isEnsembleError(failure)) showError(failure.message, failure.code);
      else showError(failure instanceof Error ? failure.message : String(failure));
    } finally {
      start.disabled = false;
    }
  }

  select.addEventListener('change', showTemplate);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void submit();
  });

  async function load(): Promise<void> {
    start.disabled = true;
    try {
      ({ workflows } = await context.api.get('api/workflows/list', workflowListResponseSchema, { signal: aborter.signal }));
      const categories = [...new Set(workflows.map((workflow) => workflow.category))];
      replaceChildren(
        select,
        categories.map((category) =>
          createElement(
            'optgroup',
            { label: category },
            workflows.filter((workflow) => workflow.category === category).map((workflow) => createElement('option', { value: workflow.id }, [`${workflow.name} (${workflow.id})`])),
          ),
        ),
      );
      showTemplate();
      start.disabled = false;
    } catch (failure) {
      if (aborter.signal.aborted) return;
      showError(`Could not read the workflow templates: ${failure instanceof Error ? failure.message : String(failure)}`);
    }
  }

  void load();
  return () => aborter.abort();
}

/** A template's estimate, as loosely as it is meant: `about 3 min`. */
function describeEstimate(estimatedSeconds: number): string {
  return estimatedSeconds < 90 ? `about ${Math.max(1, Math.round(estimatedSeconds))} s` : `about ${Math.round(estimatedSeconds / 60)} min`;
}
