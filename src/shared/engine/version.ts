/**
 * Version of the simulation engine. It is stored in every result (`lab['engine-version']`) so that
 * a history entry says which model produced it. Bump it whenever a rule change can change a result
 * for the same config and seed (determinism is per engine version, DESIGN.md §2).
 *
 * 2.0.0: XBZRLE, multifd and postcopy(-preempt) join dirty-limit as simulated capabilities
 * (issue 9); results of configs that 1.2.0 accepted are unchanged (test/engine/equality.test.ts).
 */
export const ENGINE_VERSION = '2.0.0'
