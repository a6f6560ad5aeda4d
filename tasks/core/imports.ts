/**
 * The relative imports of a TypeScript source (`import … from './x'`, `export … from '../y'`, `require('./z')`,
 * `import('./w')`), so that the helpers migrations share can be compiled with them and watched. Pure; a reading of
 * the text, not a parse: an import inside a comment or a string counts too, which at worst compiles one more file.
 */
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)(['"])(\.{1,2}\/[^'"\n]+)\1/gm

export function relativeImports(source: string): string[] {
  return [...new Set([...source.matchAll(SPECIFIER)].map((match) => match[2]))]
}

/** The files an import specifier may name, in TypeScript's order: `./x` → `./x.ts`, `./x/index.ts`; `./x.js` → `./x.ts`. */
export function importCandidates(specifier: string): string[] {
  if (/\.[cm]?js$/.test(specifier)) return [specifier.replace(/\.([cm]?)js$/, '.$1ts')]
  if (/\.[cm]?ts$/.test(specifier)) return [specifier]
  return [`${specifier}.ts`, `${specifier}/index.ts`]
}
