/**
 * Version of the simulation engine. It is stored in every result (`lab['engine-version']`) so that
 * a history entry says which model produced it. Bump it whenever a rule change can change a result
 * for the same config and seed (determinism is per engine version, DESIGN.md §2).
 */
export const ENGINE_VERSION = '1.2.0'
