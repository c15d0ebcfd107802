/**
 * What the stores share: the module's repository and one way to run SQL on it. The stores write SQL
 * of their own (conditional updates, `on conflict`, `for update skip locked`) that the generated CRUD
 * cannot express.
 *
 * @packageDocumentation
 */
import type { SqlEntityManager } from '@medusajs/framework/mikro-orm/knex';
import type { Context } from '@medusajs/framework/types';
import { InjectManager, MedusaContext } from '@medusajs/framework/utils';

/**
 * The module's repository as the stores hold it: MedusaService's `baseRepository_`, from which
 * `@InjectManager` / `@InjectTransactionManager` take an entity manager or a transaction when the
 * caller passes no context. Medusa does not type it; the decorators only call `getFreshManager` and
 * `transaction` on it.
 */
export type ModuleRepository = unknown;

/** The rows of a reconciliation pass: those of a time window (each query says which timestamp), at most `limit`. */
export interface RowWindow {
  from: Date;
  to: Date;
  limit: number;
}

/** A store of the module: SQL run with the caller's context, or a fresh entity manager without one. */
export abstract class SqlStore {
  /**
   * @param baseRepository_ the module's repository (MedusaService's `baseRepository_`): where
   *   `@InjectManager` takes a fresh entity manager when the caller passes no context.
   */
  constructor(protected readonly baseRepository_: ModuleRepository) {}

  /**
   * Runs one statement: its rows (`all`), or nothing (`run`). With the context's entity manager when the
   * caller passed one, else a fresh one (`@InjectManager`, as Medusa's own services do).
   */
  @InjectManager()
  protected async execute<T = unknown>(
    sql: string,
    params: readonly unknown[],
    @MedusaContext() sharedContext: Context = {},
    method: 'all' | 'run' = 'all',
  ): Promise<T> {
    const result = await (sharedContext.manager as SqlEntityManager).execute(sql, [...params], method);
    return result as unknown as T;
  }

  /** The first row a statement returns, or `null`. */
  protected async first<T>(sql: string, params: readonly unknown[], context?: Context): Promise<T | null> {
    return (await this.execute<T[]>(sql, params, context))[0] ?? null;
  }
}
