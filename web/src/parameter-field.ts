import { createElement, type ElementChild } from './create-element.js';
import type { WorkflowParameter } from './schema.js';

/** One input of the new-run form, made for a workflow parameter's type. */
export interface ParameterField {
  readonly element: HTMLElement;
  /**
   * The value to send, or undefined to leave the parameter out (its default applies). Text that
   * does not parse (a number, JSON) is sent as typed: the server is the one judge of parameters,
   * and its message names the field.
   */
  read(): unknown;
}

/**
 * Makes the input a parameter's declaration calls for: a checkbox for a boolean, a list of choices
 * for allowed values, a number box with its bounds, one item per line for an array, JSON for an
 * object, text otherwise; prefilled with the default and marked when required.
 */
export function createParameterField(name: string, parameter: WorkflowParameter): ParameterField {
  const inputId = `parameter-${name}`;
  const helpId = `${inputId}-help`;
  const allowed = parameter.values ?? parameter.enum;
  const described = parameter.description === undefined ? {} : { 'aria-describedby': helpId };
  const { control, read } = createControl(inputId, parameter, allowed, described);
  const isRequired = parameter.required === true && parameter.default === undefined;
  const typeHint = parameter.type === 'array' ? `list of ${parameter.items ?? 'string'}` : parameter.type;
  const label = createElement('label', { for: inputId, class: 'field-label' }, [
    name,
    isRequired ? createElement('span', { class: 'required-mark', title: 'required' }, [' *']) : undefined,
    createElement('span', { class: 'field-type' }, [` ${typeHint}${describeBounds(parameter)}`]),
  ]);
  const help: ElementChild =
    parameter.description === undefined ? undefined : createElement('p', { id: helpId, class: 'field-help' }, [parameter.description]);
  const element = createElement('div', { class: `form-field field-${parameter.type}`, 'data-parameter': name }, [label, control, help]);
  if (isRequired) element.classList.add('is-required');
  return { element, read };
}

function createControl(
  inputId: string,
  parameter: WorkflowParameter,
  allowed: readonly string[] | undefined,
  described: Readonly<Record<string, string>>,
): { control: HTMLElement; read: () => unknown } {
  const required = parameter.required === true && parameter.default === undefined ? { 'aria-required': 'true' } : {};
  switch (parameter.type) {
    case 'boolean': {
      const input = createElement('input', { id: inputId, type: 'checkbox', ...described });
      input.checked = parameter.default === true;
      return { control: createElement('div', { class: 'checkbox-line' }, [input]), read: () => input.checked };
    }
    case 'number':
    case 'integer': {
      const input = createElement('input', {
        id: inputId,
        type: 'number',
        step: parameter.type === 'integer' ? '1' : 'any',
        min: parameter.minimum === undefined ? undefined : String(parameter.minimum),
        max: parameter.maximum === undefined ? undefined : String(parameter.maximum),
        value: typeof parameter.default === 'number' ? String(parameter.default) : undefined,
        ...required,
        ...described,
      });
      return { control: input, read: () => (input.value.trim() === '' ? undefined : toNumberOrText(input.value)) };
    }
    case 'array': {
      const defaults = Array.isArray(parameter.default) ? parameter.default.map(String) : [];
      if (allowed !== undefined) return createChoiceList(inputId, allowed, defaults, described);
      const input = createElement('textarea', { id: inputId, rows: '3', placeholder: 'one item per line', ...required, ...described });
      input.value = defaults.join('\n');
      const isNumeric = parameter.items === 'number' || parameter.items === 'integer';
      return {
        control: input,
        read: () => {
          const items = input.value.split('\n').map((line) => line.trim()).filter((line) => line !== '');
          if (items.length === 0 && parameter.default === undefined) return undefined;
          return isNumeric ? items.map(toNumberOrText) : items;
        },
      };
    }
    case 'object': {
      const text = parameter.default === undefined ? '' : JSON.stringify(parameter.default, null, 2);
      const rows = Math.min(10, Math.max(3, text.split('\n').length));
      const input = createElement('textarea', { id: inputId, rows: String(rows), class: 'code-input', placeholder: '{ "key": "value" }', ...required, ...described });
      input.value = text;
      return { control: input, read: () => (input.value.trim() === '' ? undefined : toJsonOrText(input.value)) };
    }
    default: {
      if (allowed !== undefined) {
        const select = createElement('select', { id: inputId, ...required, ...described }, [
          parameter.default === undefined ? createElement('option', { value: '' }, ['— not set —']) : undefined,
          ...allowed.map((value) => createElement('option', { value }, [value])),
        ]);
        if (typeof parameter.default === 'string') select.value = parameter.default;
        return { control: select, read: () => (select.value === '' ? undefined : select.value) };
      }
      // Free text without a default is usually a description of work (a feature, a bug): give it room.
      const input =
        parameter.default === undefined
          ? createElement('textarea', { id: inputId, rows: '2', ...required, ...described })
          : createElement('input', { id: inputId, type: 'text', ...required, ...described });
      if (parameter.default !== undefined) input.value = typeof parameter.default === 'string' ? parameter.default : JSON.stringify(parameter.default);
      return { control: input, read: () => (input.value.trim() === '' ? undefined : input.value) };
    }
  }
}

/** Checkboxes for an array whose items are chosen from allowed values. */
function createChoiceList(inputId: string, allowed: readonly string[], defaults: readonly string[], described: Readonly<Record<string, string>>): { control: HTMLElement; read: () => unknown } {
  const boxes = allowed.map((value, index) => {
    const box = createElement('input', { type: 'checkbox', value, id: index === 0 ? inputId : `${inputId}-${index}` });
    box.checked = defaults.includes(value);
    return box;
  });
  const control = createElement(
    'div',
    { class: 'choice-list', role: 'group', ...described },
    boxes.map((box) => createElement('label', { class: 'choice' }, [box, ` ${box.value}`])),
  );
  return { control, read: () => boxes.filter((box) => box.checked).map((box) => box.value) };
}

function describeBounds(parameter: WorkflowParameter): string {
  const { minimum, maximum } = parameter;
  if (minimum !== undefined && maximum !== undefined) return `, ${minimum}–${maximum}`;
  if (minimum !== undefined) return `, at least ${minimum}`;
  if (maximum !== undefined) return `, at most ${maximum}`;
  return '';
}

function toNumberOrText(text: string): number | string {
  const value = Number(text.trim());
  return Number.isFinite(value) ? value : text;
}

function toJsonOrText(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
