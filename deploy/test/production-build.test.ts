/**
 * The production image is built from tsconfig.build.json (Docker is not available here, so the
 * build is checked as data): its program holds no test code, no harness from testing/ except the
 * fleet generator the seeder loads, no devDependency (the image prunes them), and every file it
 * compiles is copied by the Dockerfile.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = new URL('../../', import.meta.url).pathname;

/** The repository files the production build compiles: its roots and everything they import. */
function buildProgramFiles(): string[] {
  const configPath = `${root}tsconfig.build.json`;
  const { config, error } = ts.readConfigFile(configPath, (path) => ts.sys.readFile(path));
  if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(config, ts.sys, root, undefined, configPath);
  // No type check: resolving the imports is enough to know which files are compiled.
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
  return program
    .getSourceFiles()
    .map((file) => relative(root, file.fileName))
    .filter((path) => !path.startsWith('node_modules/') && !path.startsWith('..'))
    .sort();
}

/** Packages a file imports at run time (type-only imports are erased by the compiler). */
function runtimePackages(path: string): string[] {
  const source = readFileSync(`${root}${path}`, 'utf8');
  const specifiers = [...source.matchAll(/^(?:import|export) (?!type )[^;]*?from '([^'.][^']*)'/gm)].map(
    (m) => m[1] as string,
  );
  return specifiers
    .filter((spec) => !spec.startsWith('node:'))
    .map((spec) =>
      spec
        .split('/')
        .slice(0, spec.startsWith('@') ? 2 : 1)
        .join('/'),
    );
}

/** Source paths of the COPY instructions in the Dockerfile's build stage (not `COPY --from`). */
function buildStageCopies(dockerfile: string): string[] {
  const buildStage = dockerfile.split(/^FROM /m)[1] ?? '';
  return [...buildStage.matchAll(/^COPY (?!--)(.+)$/gm)].flatMap((m) =>
    (m[1] as string).trim().split(/\s+/).slice(0, -1),
  );
}

describe('production build', () => {
  const files = buildProgramFiles();

  it('compiles the exporter and the seeder', () => {
    expect(files).toContain('exporter/src/main.ts');
    expect(files).toContain('demo/seeder.ts');
  });

  it('contains no test code', () => {
    const testCode = files.filter(
      (path) =>
        /(^|\/)test\//.test(path) ||
        path.endsWith('.test.ts') ||
        (path.startsWith('testing/') && !path.startsWith('testing/fleet/')),
    );
    expect(testCode).toEqual([]);
  });

  it('imports production dependencies only (the image prunes devDependencies)', () => {
    const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { dependencies: Record<string, string> };
    const devOnly = files
      .filter((path) => path.endsWith('.ts'))
      .flatMap((path) => runtimePackages(path).map((name) => `${path}: ${name}`))
      .filter((entry) => !((entry.split(': ')[1] as string) in pkg.dependencies));
    expect(devOnly).toEqual([]);
  });

  it('is what npm run build compiles and the Dockerfile copies', () => {
    const pkg = JSON.parse(readFileSync(`${root}package.json`, 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.build).toMatch(/tsc -p tsconfig\.build\.json/);
    const dockerfile = readFileSync(`${root}Dockerfile`, 'utf8');
    expect(dockerfile).toMatch(/^RUN npm run build\b/m);
    const copies = buildStageCopies(dockerfile);
    expect(copies).toContain('tsconfig.build.json');
    const notCopied = files.filter(
      (path) => !copies.some((src) => path === src || path.startsWith(`${src.replace(/\/$/, '')}/`)),
    );
    expect(notCopied).toEqual([]);
  });
});
