/**
 * For users' own test suites: a fresh in-memory database with every migration applied, in milliseconds.
 * The migrations run once per process; every further database is a copy of that result
 * (`serialize()` / `new Database(buffer)`), so a test suite can give each test its own database.
 */
import Database from 'better-sqlite3'
import { resolve } from 'node:path'
import { compileMigrations, writeCommonJsMarker } from './io/compile'
import { listCompiledMigrations } from './io/migration-files'
import { DEFAULT_OPTIONS, resolvePaths, type MigrationTaskOptions } from './options'
import { applyMigrations } from './api'

export type MigratedDatabaseOptions = Pick<
  MigrationTaskOptions,
  'migrationsDir' | 'distDir' | 'tsconfig' | 'table' | 'compiler' | 'typescript'
> & {
  /** Compile changed sources first (incremental; nothing is compiled when nothing changed). Default `true`. */
  readonly compile?: boolean
}

const images = new Map<string, Promise<Buffer>>()

async function migratedImage(options: MigratedDatabaseOptions): Promise<Buffer> {
  const { sourceDir, distDir, tsconfig } = resolvePaths(options)
  if (options.compile !== false) {
    await compileMigrations({ sourceDir, distDir, tsconfig, compiler: options.compiler, typescript: options.typescript })
    writeCommonJsMarker(distDir)
  }
  const db = new Database(':memory:')
  try {
    await applyMigrations(db, listCompiledMigrations({ sourceDir, distDir }), { table: options.table })
    return db.serialize()
  } finally {
    db.close()
  }
}

/**
 * Returns a new in-memory better-sqlite3 database with every migration applied.
 *
 * @example
 * ```ts
 * import { createMigratedDatabase } from 'gulp-sqlite-migrate'
 *
 * let db: Database
 * beforeEach(async () => {
 *   db = await createMigratedDatabase() // migrations/ → a fresh copy each time, ~1 ms after the first
 * })
 * afterEach(() => db.close())
 * ```
 */
export async function createMigratedDatabase(options: MigratedDatabaseOptions = {}): Promise<Database.Database> {
  const key = JSON.stringify([
    resolve(options.migrationsDir ?? DEFAULT_OPTIONS.migrationsDir),
    options.distDir,
    options.tsconfig,
    options.compiler,
    options.typescript,
    options.table,
  ])
  let image = images.get(key)
  if (!image) {
    image = migratedImage(options)
    images.set(key, image)
    image.catch(() => images.delete(key)) // a failed first attempt is retried next time
  }
  return new Database(await image)
}
