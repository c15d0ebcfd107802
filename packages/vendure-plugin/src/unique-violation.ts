/** True for a TypeORM error caused by a unique index (SQLite, PostgreSQL, MySQL/MariaDB). */
export function isUniqueViolation(error: unknown): boolean {
  const driverError = (error as { driverError?: { code?: string; errno?: number } } | undefined)?.driverError;
  const code = driverError?.code ?? (error as { code?: string } | undefined)?.code;
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
    return true;
  }
  if (code === '23505' || code === 'ER_DUP_ENTRY') {
    return true;
  }
  return /UNIQUE constraint failed|duplicate key value|Duplicate entry/i.test(
    error instanceof Error ? error.message : '',
  );
}
