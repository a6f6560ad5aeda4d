/** `writeSchemaSnapshot`: schema.sql for one open database, headed by its newest applied migration. */
import type { Database } from 'better-sqlite3'
import { Ledger } from './ledger'
import { writeSchemaFile } from './schema'

/** Writes the schema of `db` (without the bookkeeping tables) to `file`, headed by the last applied migration. */
export function writeSchemaSnapshot(db: Database, file: string, options: { readonly table?: string } = {}): void {
  const table = options.table ?? 'migrations'
  writeSchemaFile(db, table, file, new Ledger(db, table).appliedIds().at(-1))
}
