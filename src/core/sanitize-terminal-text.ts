/**
 * Agent output is untrusted text: printed raw, an escape sequence in it could retitle the window
 * (OSC 0), clear the screen, move the cursor over earlier lines or rewrite the clipboard (OSC 52).
 * These patterns follow ECMA-48: 7-bit ESC forms and their 8-bit C1 equivalents.
 */

// OSC, DCS, SOS, PM, APC: a string up to BEL or ST (ESC \ or 0x9C); an unterminated one runs to the end.
// eslint-disable-next-line no-control-regex
const STRING_SEQUENCE = /(?:\u001b[\]PX^_]|[\u0090\u0098\u009d\u009e\u009f])[^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)?/g;
// CSI: parameters, intermediates, one final byte.
// eslint-disable-next-line no-control-regex
const CONTROL_SEQUENCE = /(?:\u001b\[|\u009b)[0-?]*[ -/]*[@-~]?/g;
// Any other escape: intermediates then one final byte (ESC c resets the terminal, ESC 7/8 move the cursor).
// eslint-disable-next-line no-control-regex
const OTHER_ESCAPE = /\u001b[ -/]*[0-~]?/g;
// C0 and C1 controls and DEL, except tab and newline.
// eslint-disable-next-line no-control-regex
const CONTROL_CHARACTER = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/**
 * Removes every terminal escape sequence and control character from text, keeping newlines and
 * tabs. A carriage return that does not end a line ("50%\r100%") becomes a newline, so what it
 * would have overwritten stays readable instead of being hidden.
 */
export function sanitizeTerminalText(text: string): string {
  // eslint-disable-next-line no-control-regex
  if (!/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/.test(text)) return text;
  return text
    .replace(/\r\n/g, '\n')
    .replace(/\r/g, '\n')
    .replace(STRING_SEQUENCE, '')
    .replace(CONTROL_SEQUENCE, '')
    .replace(OTHER_ESCAPE, '')
    .replace(CONTROL_CHARACTER, '');
}

/** {@link sanitizeTerminalText} for one table cell or row: line breaks and tabs become spaces. */
export function sanitizeTerminalLine(text: string): string {
  return sanitizeTerminalText(text).replace(/[\n\t]/g, ' ');
}
