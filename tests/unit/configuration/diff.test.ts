import { documentChanges } from '../../../platform/src/configuration/diff';

describe('changes between two versions of a configuration document', () => {
  const field = (name: string, extra: Record<string, unknown> = {}) => ({ name, type: 'string', label: name, ...extra });

  it('names custom fields by their name, so an insertion does not shift later paths', () => {
    const before = { fields: [field('a'), field('b')], hidden_standard_fields: [] };
    const after = { fields: [field('new'), field('a'), field('b', { required: true })], hidden_standard_fields: ['email'] };
    expect(documentChanges(before, after)).toEqual([
      { path: 'fields.new', change: 'added' },
      { path: 'fields.b.required', change: 'added', after: true },
      { path: 'hidden_standard_fields', change: 'changed', before: [], after: ['email'] },
    ]);
  });

  it('reports removed fields and keys, reordered fields, and nothing for equal documents whatever their key order', () => {
    expect(documentChanges({ fields: [field('a'), field('b')], context_enabled: true }, { fields: [field('b'), field('a')] })).toEqual([
      { path: 'fields', change: 'changed', before: ['a', 'b'], after: ['b', 'a'] },
      { path: 'context_enabled', change: 'removed', before: true },
    ]);
    expect(documentChanges({ fields: [field('a')] }, { fields: [] })).toEqual([{ path: 'fields.a', change: 'removed' }]);
    expect(documentChanges({ zone: 'metropole', reopened: [] }, { reopened: [], zone: 'metropole' })).toEqual([]);
  });

  it('compares other arrays of objects by position', () => {
    expect(documentChanges({ rules: [{ at: 1 }, { at: 2 }] }, { rules: [{ at: 1 }, { at: 3 }] })).toEqual([
      { path: 'rules.1.at', change: 'changed', before: 2, after: 3 },
    ]);
  });
});
