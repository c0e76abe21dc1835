import type { EngineModule } from '../host'

// Placeholder: the migration engine module (QEMU's migration thread, wire, destination) is being written.
export const migrationMain: EngineModule = () => {}
