// What a database error means, on both drivers (PGlite and postgres.js put the SQLSTATE on `code`; drizzle wraps
// either in DrizzleQueryError with the driver's error as `cause`).

/** Whether `err` (or what it wraps) is a unique-constraint violation (SQLSTATE 23505), optionally on `index`. */
export function isUniqueViolation(err: unknown, index?: string): boolean {
  for (let e: unknown = err, depth = 0; e && typeof e === 'object' && depth < 4; depth++) {
    const { code, constraint, constraint_name } = e as {
      code?: unknown;
      constraint?: unknown;
      constraint_name?: unknown;
    };
    if (code === '23505') {
      const name = constraint ?? constraint_name;
      return index === undefined || name === undefined || name === index;
    }
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
