/**
 * Compiled migration fixtures for tests whose subject is not the TypeScript compile.
 *
 * A cold compile in a fresh `gulp` process costs seconds (TypeScript and @types/node are loaded and parsed);
 * a `gulp migrate` that finds nothing changed costs about half a second, because the compile step stats each
 * source against the compile manifest (`dist/.manifest.json`) and never loads TypeScript. So every fixture
 * source registered with {@link fixture} is compiled together, once per process, by one real
 * `gulp migrate:build`, and {@link compiledProject} assembles a project from them: the sources under the file
 * names the test asks for, their compiled `.js`, the CommonJS marker, and a manifest listing exactly those
 * sources with their checksums and current mtime and size. The tasks then take the no-op compile path unless
 * the test changes a source (which then really compiles).
 *
 * A compiled CommonJS module does not depend on its file name, so one compiled source can appear under any
 * migration name.
 */
import { strict as assert } from 'node:assert'
import { createHash } from 'node:crypto'
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
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

interface Batch {
  readonly distDir: string
  readonly manifest: Manifest
}

const registered = new Map<string, Fixture>()
const batches = new Map<string, Promise<Batch>>()
const compileDirs: TestProject[] = []

process.once('exit', () => {
  for (const project of compileDirs) project.remove()
})

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

/** Compiles every registered fixture not compiled yet, in one real `gulp migrate:build`. */
function compileBatch(): Promise<Batch> {
  const todo = [...registered.values()].filter((f) => !batches.has(f.id))
  const project = new TestProject('fixtures')
  compileDirs.push(project)
  for (const f of todo) project.write(`${f.id}.ts`, f.text)
  const batch = project.gulp(['migrate:build']).then((run): Batch => {
    assert.equal(run.code, 0, `compiling the fixtures failed:\n${run.output}`)
    const manifest = JSON.parse(readFileSync(join(project.distDir, '.manifest.json'), 'utf8')) as Batch['manifest']
    return { distDir: project.distDir, manifest }
  })
  for (const f of todo) batches.set(f.id, batch)
  return batch
}

/** Compiles every fixture registered so far (call it in a `before` hook, so the compile is not charged to one test). */
export async function compileFixtures(): Promise<void> {
  if ([...registered.keys()].some((id) => !batches.has(id))) compileBatch()
  await Promise.all(new Set(batches.values()))
}

function batchOf(f: Fixture): Promise<Batch> {
  return batches.get(f.id) ?? compileBatch()
}

/**
 * Adds `files` (file name → fixture) to `project`'s migrations: each source, its compiled `.js`, and its entry
 * in the compile manifest (replacing a file of the same name), so the next compile finds nothing to do.
 */
export async function addCompiled(project: TestProject, files: Readonly<Record<string, Fixture>>): Promise<void> {
  const entries = Object.entries(files)
  const compiled = await Promise.all(entries.map(([, f]) => batchOf(f)))
  if (!compiled[0]) return
  mkdirSync(project.distDir, { recursive: true })
  const manifestPath = join(project.distDir, '.manifest.json')
  const existing = existsSync(manifestPath) ? (JSON.parse(readFileSync(manifestPath, 'utf8')) as Partial<Manifest>) : {}
  const migrations: Record<string, string> = { ...existing.migrations }
  const stats: Record<string, unknown> = { ...existing.stats }
  entries.forEach(([file, f], i) => {
    const id = file.replace(/\.ts$/, '')
    const batch = compiled[i]
    const source = project.write(file, f.text)
    copyFileSync(join(batch.distDir, `${f.id}.js`), join(project.distDir, `${id}.js`))
    const checksum = batch.manifest.migrations[f.id]
    assert.ok(checksum, `no checksum for fixture ${f.id} in the compile manifest`)
    migrations[id] = checksum
    const { mtimeMs, size } = statSync(source)
    stats[id] = [mtimeMs, size]
  })
  // Everything else in the manifest (its version, the compiler key) is what the real compile wrote.
  writeFileSync(manifestPath, JSON.stringify({ ...compiled[0].manifest, migrations, stats }) + '\n')
  copyFileSync(join(compiled[0].distDir, 'package.json'), join(project.distDir, 'package.json'))
}

/** A new project whose migrations are `files` (file name → fixture), compiled as by {@link addCompiled}. No database yet. */
export async function compiledProject(label: string, files: Readonly<Record<string, Fixture>>): Promise<TestProject> {
  const project = new TestProject(label)
  await addCompiled(project, files)
  return project
}
