// The engine process under worker_threads (command line, web host, tests).
import { nodeEngineProcess } from './adapters/node'
import { runEngine } from './runtime'

void runEngine(nodeEngineProcess())
