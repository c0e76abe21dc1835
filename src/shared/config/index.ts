export { LIMITS, labConfigSchema } from './schema'
export type { LabConfig, LabConfigInput, WorkloadConfig } from './schema'
export {
  parseConfig,
  defaultConfig,
  configJsonSchema,
  canonicalConfigJson,
  configUnit,
  ENGLISH_CONFIG_MESSAGES
} from './parse'
export { formatPath, splitConfigPath, dottedPath, valueAtPath, setValueAtPath } from './paths'
export type { ConfigPath } from './paths'
export type { ParseConfigResult, ParseConfigOptions, ConfigMessages } from './parse'
export { estimateRunMemory, checkRunResources } from './resources'
export type { MemoryEstimate } from './resources'
