/**
 * Compiled migration fixtures for tests whose subject is not the TypeScript compile.
 *
 * A cold compile in a fresh `gulp` process costs seconds (TypeScript and @types/node are loaded and parsed);
 * a `gulp migrate` that finds nothing changed costs about half a second, because the compile step checks each
 * source against the compile manifest (`dist/.manifest.json`) and never loads TypeScript. So the fixture
 * sources registered with {@link fixture} are compiled in this process by the built package's own compile step
 * (`compileMigrations` of `gulp-sqlite-migrate`, as the gulpfile uses it: TypeScript 7's tsc with the projects'
 * tsconfig), all in one folder, and a later batch (a test file loaded later by a parallel worker) compiles only
 * its new sources.
 *
 * {@link compiledProject} then assembles a project: the sources under the file names the test asks for, their
 * compiled `.js`, the CommonJS marker, and a manifest listing exactly those sources with the checksums the
 * compile recorded. The manifest has no stat identities (mtime, size, ...) for them, so the next compile
 * reads and hashes the sources once, finds every checksum known and every `.js` present, and compiles nothing.
 * A test that changes a source really compiles.
 *
 * A compiled CommonJS module does not depend on its file name, so one compiled source can appear under any
 * migration name. Every fixture must compile: they are compiled together.
 */
import { strict as assert } from 'node:assert'
import { createHash } from 'node:crypto'
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { compileMigrations, writeCommonJsMarker } from 'gulp-sqlite-migrate' // the built package (lib/), as the gulpfile loads it
import { TestProject, migrationSource } from './project'

/** A migration source, compiled on first use together with every other fixture registered in this process. */
export interface Fixture {
  readonly id: string
  readonly text: string
}

interface Manifest {
  readonly migrations: Record<string, string>
  readonly stats?: Record<string, unknown>
  readonly [key: string]: unknown
}

const registered = new Map<string, Fixture>()
/** Fixture id → the manifest of the compile that included it. */
const batches = new Map<string, Promise<Manifest>>()
let compileFolder: TestProject | undefined
let lastBatch: Promise<unknown> = Promise.resolve()

process.once('exit', () => compileFolder?.remove())

/** Registers a migration source (call it at module level, so one compile covers every test file). */
export function fixture(text: string): Fixture {
  const id = `100_f${createHash('sha256').update(text).digest('hex').slice(0, 16)}`
  const existing = registered.get(id)
  if (existing) return existing
  const created = { id, text }
  registered.set(id, created)
  return created
}

/** A fixture whose `up` runs `sql` and whose `down` runs `downSql` (see `TestProject.migration`). */
export function sqlFixture(sql: string, downSql?: string): Fixture {
  return fixture(migrationSource(sql, downSql))
}

/** Compiles every registered fixture not compiled yet, after the batches before it, in this process's folder. */
function compileBatch(): Promise<Manifest> {
  const todo = [...registered.values()].filter((f) => !batches.has(f.id))
  const folder = (compileFolder ??= new TestProject('fixtures'))
  const batch = lastBatch.then(async (): Promise<Manifest> => {
    for (const f of todo) folder.write(`${f.id}.ts`, f.text)
    // Compiled by the compiler of this repository's gulpfile (TypeScript 7), so that its runs find nothing to compile.
    await compileMigrations({ sourceDir: folder.migrationsDir, distDir: folder.distDir, typescript: 'typescript-7' })
    writeCommonJsMarker(folder.distDir)
    return JSON.parse(readFileSync(join(folder.distDir, '.manifest.json'), 'utf8')) as Manifest
  })
  lastBatch = batch.catch(() => undefined)
  for (const f of todo) batches.set(f.id, batch)
  return batch
}

/** Compiles every fixture registered so far (call it in a `before` hook, so the compile is not charged to one test). */
export async function compileFixtures(): Promise<void> {
  if ([...registered.keys()].some((id) => !batches.has(id))) compileBatch()
  await Promise.all(new Set(batches.values()))
}

function batchOf(f: Fixture): Promise<Manifest> {
  return batches.get(f.id) ?? compileBatch()
}

/**
 * Adds `files` (file name → fixture) to `project`'s migrations: each source, its compiled `.js`, and its entry
 * in the compile manifest (replacing a file of the same name), so the next compile finds nothing to do.
 */
export async function addCompiled(project: TestProject, files: Readonly<Record<string, Fixture>>): Promise<void> {
  const entries = Object.entries(files)
  const compiled = await Promise.all(entries.map(([, f]) => batchOf(f)))
  if (!compiled[0] || !compileFolder) return
  const { distDir } = compileFolder
  mkdirSync(project.distDir, { recursive: true })
  const manifestPath = join(project.distDir, '.manifest.json')
  const existing = existsSync(manifestPath) ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as Partial<Manifest>) : {}
  const migrations: Record<string, string> = { ...existing.migrations }
  const stats: Record<string, unknown> = { ...existing.stats }
  entries.forEach(([file, f], i) => {
    const id = file.replace(/\.ts$/, '')
    project.write(file, f.text)
    delete stats[id] // the stat identity the compile step compares is its own business: it hashes this source instead
    copyFileSync(join(distDir, `${f.id}.js`), join(project.distDir, `${id}.js`))
    const checksum = compiled[i].migrations[f.id]
    assert.ok(checksum, `no checksum for fixture ${f.id} in the compile manifest`)
    migrations[id] = checksum
  })
  // Everything else in the manifest (its version, the compiler key) is what the real compile wrote.
  writeFileSync(manifestPath, JSON.stringify({ ...compiled[0], migrations, stats }) + '\n')
  copyFileSync(join(distDir, 'package.json'), join(project.distDir, 'package.json'))
}

/** A new project whose migrations are `files` (file name → fixture), compiled as by {@link addCompiled}. No database yet. */
export async function compiledProject(label: string, files: Readonly<Record<string, Fixture>>): Promise<TestProject> {
  const project = new TestProject(label)
  await addCompiled(project, files)
  return project
}
