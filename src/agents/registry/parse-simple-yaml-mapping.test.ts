import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseSimpleYamlMapping } from './parse-simple-yaml-mapping.js';

describe('parseSimpleYamlMapping', () => {
  it('gives exactly what yaml.parse gives for the shapes it accepts', () => {
    const samples = [
      'name: a\ndescription: Reviews code, and docs (quickly) - with care\ncategory: quality',
      "name: a-b_c\ndescription: The team's reviewer; strict/fair\nmodel: sonnet\ntools: Read, Grep, Glob",
      'name: x\ntimeoutMs: 600000\nmodel:\n\ncolor: blue   ',
      'name: x\r\ndescription: windows line endings\r\n',
      'zero: 0\nbig: 123456789012345',
      '',
    ];
    for (const sample of samples) {
      const simple = parseSimpleYamlMapping(sample);
      expect(simple, sample).toBeDefined();
      expect(simple, sample).toEqual(parseYaml(sample) ?? {});
    }
  });

  it('leaves everything else to the YAML parser', () => {
    const samples = [
      'name: x\ndescription: has: a colon',
      'name: x\ntools: [Read, Grep]',
      'name: x\ntools:\n  - Read',
      'name: "quoted"',
      'name: x # comment',
      '# comment\nname: x',
      'flag: true',
      'nothing: null',
      'version: 1.5',
      'octal: 012',
      'name: x\nname: y',
      'name:\tx',
      'anchor: &a value',
      'description: >\n  folded',
    ];
    for (const sample of samples) expect(parseSimpleYamlMapping(sample), sample).toBeUndefined();
  });
});
