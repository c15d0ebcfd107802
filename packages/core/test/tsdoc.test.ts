import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

describe('public API documentation', () => {
  it.each([
    ['@alipay-commerce/core', 'index.ts', 100],
    ['@alipay-commerce/core/lifecycle', 'lifecycle/index.ts', 50],
    ['@alipay-commerce/core/primitives', 'primitives.ts', 40],
  ])('every export of %s has TSDoc', (_name, file, atLeast) => {
    const entry = join(__dirname, '../src', file);
    const program = ts.createProgram([entry], {
      strict: true,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      target: ts.ScriptTarget.ES2022,
    });
    const checker = program.getTypeChecker();
    const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(entry)!)!;
    const exports = checker.getExportsOfModule(moduleSymbol);
    const undocumented = exports
      .map(symbol => (symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol))
      .filter(symbol => {
        const declaration = symbol.declarations?.[0];
        const documented =
          symbol.getDocumentationComment(checker).length > 0 ||
          (declaration !== undefined && ts.getJSDocCommentsAndTags(declaration).length > 0);
        return !documented;
      })
      .map(symbol => symbol.name);
    expect(exports.length).toBeGreaterThan(atLeast);
    expect(undocumented).toEqual([]);
  });
});

describe('browser-safe settings entry (@alipay-commerce/core/settings)', () => {
  it('imports nothing but the core errors, events, status texts and refund statuses (which import nothing else), so admin bundles can use it without Node built-ins', async () => {
    const { readFileSync } = await import('node:fs');
    const imports = (file: string) =>
      [
        ...readFileSync(join(__dirname, '../src', file), 'utf8').matchAll(
          /^(?:import|export)(?! type )[^;]*? from '([^']+)';/gm,
        ),
      ].map(match => match[1]);
    // Type-only imports are erased from the bundle. The one bilingual join (`bilingualLine`) lives with the errors; admin bundles get it from here.
    expect(imports('settings-fields.ts')).toEqual(['./errors', './lifecycle/refund-status', './status-text']);
    expect(imports('status-text.ts')).toEqual(['./events']);
    expect(imports('lifecycle/refund-status.ts')).toEqual([]);
    expect(imports('errors.ts')).toEqual([]);
    expect(imports('events.ts')).toEqual([]);
    const settings = await import('../src/settings-fields');
    expect(settings.INTERFACE_TYPES).toContain('legacy-escrow');
    expect(Object.keys(settings.INTERFACE_TYPE_LABELS)).toEqual([...settings.INTERFACE_TYPES]);
  });
});
