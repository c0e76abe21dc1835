import type { TimelineState } from '../../../shared/result'
/**
 * Chart colours for the light and dark themes (the same palette as styles/base.css). ECharts draws
 * on a canvas and cannot read CSS variables, so every option builder takes one of these.
 */
export interface ChartPalette {
  readonly theme: 'light' | 'dark'
  readonly text: string
  readonly muted: string
  readonly axis: string
  readonly grid: string
  readonly surface: string
  readonly tooltipBackground: string
  /** Series colours, in order; distinguishable in both themes. */
  readonly series: readonly string[]
  readonly accent: string
  readonly ok: string
  readonly warn: string
  readonly error: string
  /** Swimlane states (timeline). */
  readonly states: Readonly<Record<TimelineState, string>>
  /** Vertical markers: dirty syncs and phase changes. */
  readonly syncMarker: string
  readonly phaseMarker: string
}

/**
 * Every swimlane state, by lane: a vCPU's, the migration thread's, the destination's. The
 * legend lists them all (it missed setup, done and idle, which are drawn too).
 */
export const TIMELINE_STATES = [
  'running',
  'throttled',
  'bql-wait',
  'stopped',
  'page-fault',
  'setup',
  'iterating',
  'syncing',
  'stop-and-copy',
  'postcopy-active',
  'done',
  'idle',
  'loading',
  'resumed'
] as const satisfies readonly TimelineState[]

const lightStates = {
  setup: '#8e6bd1',
  iterating: '#2f6fd6',
  syncing: '#d9480f',
  'stop-and-copy': '#c92a2a',
  done: '#868e96',
  running: '#2b8a3e',
  throttled: '#e8a317',
  // Each state its own colour: waiting for the BQL is not syncing, a stopped vCPU is not the
  // migration thread's stop-and-copy, the resumed guest on the destination is not the source's.
  'bql-wait': '#e64980',
  stopped: '#343a40',
  // postcopy: a vCPU blocked on a page not yet on the destination; the thread's background push.
  'page-fault': '#f76707',
  'postcopy-active': '#1098ad',
  idle: '#ced4da',
  loading: '#74a9e8',
  resumed: '#0ca678'
}

const darkStates = {
  setup: '#b197fc',
  iterating: '#5c9dff',
  syncing: '#ff8a4c',
  'stop-and-copy': '#ff6b6b',
  done: '#868e96',
  running: '#51cf66',
  throttled: '#ffd43b',
  'bql-wait': '#f783ac',
  stopped: '#dee2e6',
  'page-fault': '#ffa94d',
  'postcopy-active': '#66d9e8',
  idle: '#495057',
  loading: '#4d84c4',
  resumed: '#38d9a9'
}

export const LIGHT_PALETTE: ChartPalette = {
  theme: 'light',
  text: '#1c1f24',
  muted: '#596170',
  axis: '#9aa2af',
  grid: '#e6e9ee',
  surface: '#ffffff',
  tooltipBackground: '#ffffff',
  series: ['#2456c7', '#d9480f', '#2b8a3e', '#ae3ec9', '#e8a317', '#0c8599', '#c2255c', '#5c940d'],
  accent: '#2456c7',
  ok: '#1e7b3a',
  warn: '#a86a00',
  error: '#b42318',
  states: lightStates,
  syncMarker: 'rgba(89, 97, 112, 0.45)',
  phaseMarker: '#b42318'
}

export const DARK_PALETTE: ChartPalette = {
  theme: 'dark',
  text: '#e6e8eb',
  muted: '#a3aab6',
  axis: '#6b7280',
  grid: '#2c313a',
  surface: '#1e2127',
  tooltipBackground: '#262a31',
  series: ['#86a8ff', '#ff8a4c', '#51cf66', '#da77f2', '#ffd43b', '#3bc9db', '#f783ac', '#a9e34b'],
  accent: '#86a8ff',
  ok: '#4cc46f',
  warn: '#e3b341',
  error: '#ff7b72',
  states: darkStates,
  syncMarker: 'rgba(163, 170, 182, 0.45)',
  phaseMarker: '#ff7b72'
}

export function chartPalette(theme: 'light' | 'dark'): ChartPalette {
  return theme === 'dark' ? DARK_PALETTE : LIGHT_PALETTE
}
