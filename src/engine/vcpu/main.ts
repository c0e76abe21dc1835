import type { EngineModule } from '../host'

// Placeholder: the vCPU engine module (guest workload, dirty log) is being written.
export const vcpuMain: EngineModule = () => {}
