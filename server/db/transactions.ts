/**
 * Options of every interactive transaction that takes a tenant's lock (ingestion, the Unattributed queue's
 * actions, delivery records): long enough to wait behind a burst of ingestion on the same tenant, short enough
 * that a stuck transaction is given up and its 451 lets the sender retry.
 */
export const TRANSACTION_OPTIONS = { maxWait: 15_000, timeout: 30_000 } as const;
