/**
 * The module's repository as the stores hold it: MedusaService's `baseRepository_`, from which
 * `@InjectManager` / `@InjectTransactionManager` take an entity manager or a transaction when the
 * caller passes no context. Medusa does not type it; the decorators only call `getFreshManager` and
 * `transaction` on it.
 */
export type ModuleRepository = unknown;
