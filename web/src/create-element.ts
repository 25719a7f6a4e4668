/** A child of {@link createElement}: text is added as a text node, never parsed as HTML; empty values are left out. */
export type ElementChild = Node | string | undefined | null | false;

/** Attributes to set; an undefined value is left out. */
export type ElementAttributes = Readonly<Record<string, string | undefined>>;

const SVG_NAMESPACE = 'http://www.w3.org/2000/svg';

/**
 * Builds an HTML element with attributes and children. Agent output, prompts and names only ever
 * reach the page through here as text nodes: the dashboard never assigns `innerHTML`.
 */
export function createElement<Tag extends keyof HTMLElementTagNameMap>(
  tag: Tag,
  attributes: ElementAttributes = {},
  children: readonly ElementChild[] = [],
): HTMLElementTagNameMap[Tag] {
  const element = document.createElement(tag);
  setAttributes(element, attributes);
  appendChildren(element, children);
  return element;
}

/** Builds an SVG element (the task graph) with attributes and children, like {@link createElement}. */
export function createSvgElement<Tag extends keyof SVGElementTagNameMap>(
  tag: Tag,
  attributes: ElementAttributes = {},
  children: readonly ElementChild[] = [],
): SVGElementTagNameMap[Tag] {
  const element = document.createElementNS(SVG_NAMESPACE, tag);
  setAttributes(element, attributes);
  appendChildren(element, children);
  return element;
}

/** Replaces the children of `parent`. */
export function replaceChildren(parent: Element, children: readonly ElementChild[]): void {
  parent.replaceChildren();
  appendChildren(parent, children);
}

/** Sets `textContent` only when it changed, so a live update does not disturb a reader's text selection. */
export function setText(element: Element, text: string): void {
  if (element.textContent !== text) element.textContent = text;
}

/** Sets an attribute only when it changed. */
export function setAttribute(element: Element, name: string, value: string): void {
  if (element.getAttribute(name) !== value) element.setAttribute(name, value);
}

function setAttributes(element: Element, attributes: ElementAttributes): void {
  for (const [name, value] of Object.entries(attributes)) if (value !== undefined) element.setAttribute(name, value);
}

function appendChildren(parent: Element, children: readonly ElementChild[]): void {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    parent.append(typeof child === 'string' ? document.createTextNode(child) : child);
  }
}
