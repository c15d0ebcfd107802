import { describe, expect, it } from 'vitest';
import { hasDuplicateKeys } from '../src/antom/json';

describe('hasDuplicateKeys (strict reading of Antom JSON)', () => {
  it('finds a key named twice in any object, not in strings or across objects', () => {
    expect(hasDuplicateKeys('{"a":1,"a":2}')).toBe(true);
    expect(hasDuplicateKeys('{"x":{"a":1,"b":{"c":[1,{"a":2}]},"a":3}}')).toBe(true);
    expect(hasDuplicateKeys('{"a":{"a":1},"b":{"a":2}}')).toBe(false);
    expect(hasDuplicateKeys('{"a":"{\\"a\\":1,\\"a\\":2}","b":["a","a"]}')).toBe(false);
    expect(hasDuplicateKeys('{"a\\u0062":1,"ab":2}')).toBe(true);
    expect(hasDuplicateKeys('[{"a":1},{"a":1}]')).toBe(false);
    expect(hasDuplicateKeys('{}')).toBe(false);
  });
});
