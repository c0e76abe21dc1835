// The engine process as an Electron utility process (desktop app).
import { electronEngineProcess } from './adapters/electron'
import { runEngine } from './runtime'

void runEngine(electronEngineProcess())
