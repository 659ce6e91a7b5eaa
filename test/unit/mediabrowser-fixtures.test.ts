// The Jellyfin/Emby doubles' fixtures `satisfies` the servers' published schemas (@jellyfin/sdk generated models,
// Emby's OpenAPI in test/doubles/emby-schema.ts). Under the project's NodeNext resolution the SDK's extensionless
// internal imports do not resolve, so `tsc --noEmit` checks only the top level of each SDK model. This test
// type-checks the fixture files again with bundler resolution, where nested models (PlayerStateInfo, BaseItemDto,
// enums such as BaseItemKind) resolve too, so a fixture field that drifts from the schema fails here.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const FIXTURES = ['../doubles/mediabrowser-payloads.ts', '../doubles/mediabrowser-activity.ts'].map((f) =>
  fileURLToPath(new URL(f, import.meta.url)),
);

function diagnostics(files: string[]): string[] {
  const program = ts.createProgram(files, {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    strict: true,
    noEmit: true,
    allowImportingTsExtensions: true,
    skipLibCheck: true,
    types: ['node'],
  });
  return ts
    .getPreEmitDiagnostics(program)
    .map(
      (d) => ts.flattenDiagnosticMessageText(d.messageText, '\n') + (d.file ? ` (${d.file.fileName})` : ''),
    );
}

describe('double fixtures against the published schemas', () => {
  it('the fixture files type-check with the SDK models fully resolved', () => {
    assert.deepEqual(diagnostics(FIXTURES), []);
  });

  it('the check is not vacuous: a drifted fixture is reported', () => {
    const probe = fileURLToPath(new URL('../doubles/emby-schema.ts', import.meta.url));
    const host = ts.createCompilerHost({});
    const source = `import type { SessionInfoDto } from '@jellyfin/sdk/lib/generated-client/models/session-info-dto.js';
      import type { EmbySyncJob } from ${JSON.stringify(probe)};
      export const a = { PlayState: { IsPaused: 'no' } } satisfies SessionInfoDto;
      export const b = { NowPlayingItem: { Type: 'NotAKind' } } satisfies SessionInfoDto;
      export const c = { UserId: 'a11ce000a11ce000a11ce000a11ce000' } satisfies EmbySyncJob;`;
    const name = fileURLToPath(new URL('../doubles/__drift-probe.ts', import.meta.url));
    const original = host.getSourceFile;
    host.getSourceFile = (file, lang, ...rest) =>
      file === name ? ts.createSourceFile(file, source, lang) : original(file, lang, ...rest);
    host.fileExists = (
      (exists) => (file: string) =>
        file === name || exists(file)
    )(host.fileExists);
    const program = ts.createProgram(
      [name],
      {
        module: ts.ModuleKind.ESNext,
        moduleResolution: ts.ModuleResolutionKind.Bundler,
        strict: true,
        noEmit: true,
        allowImportingTsExtensions: true,
        skipLibCheck: true,
        types: ['node'],
      },
      host,
    );
    const found = ts.getPreEmitDiagnostics(program).filter((d) => d.file?.fileName === name);
    assert.equal(
      found.length,
      3,
      found.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('\n'),
    );
  });
});
