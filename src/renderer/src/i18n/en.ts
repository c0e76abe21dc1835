/** English messages: the reference catalogue; every other language must have every key. */
import historyEn from './history.en'
import measureEn from './measure.en'
import reportEn from './report.en'
import runEn from './run.en'
const en = {
  history: historyEn,
  measure: measureEn,
  report: reportEn,
  ...runEn,
  app: {
    name: 'Migration Lab',
    tagline: 'A laboratory for QEMU/KVM live migration'
  },
  a11y: {
    skipToContent: 'Skip to content',
    screens: 'Screens'
  },
  screens: {
    overview: 'Overview'
  },
  preferences: {
    label: 'Preferences',
    language: 'Language',
    theme: 'Theme',
    themes: {
      system: 'System',
      light: 'Light',
      dark: 'Dark'
    }
  },
  connection: {
    label: 'Connection to the lab host',
    connected: 'Connected to the lab host',
    connecting: 'Connecting to the lab host…',
    lost: 'Disconnected: the connection to the lab host was lost.',
    hostStopped: 'Disconnected: the lab host was shut down.',
    unreachable: 'Disconnected: the lab host cannot be reached.',
    closed: 'Disconnected.',
    retryIn: 'Reconnecting in {seconds} s…',
    retrying: 'Reconnecting…',
    retryNow: 'Reconnect now',
    hostStopping: 'The lab host is shutting down.',
    host: 'Host: {host}',
    hosts: {
      electron: 'desktop app',
      web: 'web browser'
    }
  },
  overview: {
    title: 'Overview',
    intro:
      'Migration Lab simulates QEMU/KVM live migration: the guest keeps running while its memory is copied to the destination, then pauses briefly for the final switchover.',
    about: 'About this lab',
    appVersion: 'Version',
    host: 'Host',
    platform: 'Platform',
    engineVersion: 'Simulation engine',
    apiVersion: 'LabApi version',
    waiting: 'Waiting for the lab host…',
    start: {
      title: 'Start here',
      configure:
        'Configure a guest, its workload and QEMU’s migration parameters, or start from a preset below.',
      watch:
        'Watch the migration live: each dirty-bitmap sync, the guest’s write rate against the bandwidth, the expected downtime and the switchover.',
      compare: 'Keep every run in History, compare runs and sweeps of a parameter, and export reports.',
      firstRun: 'Run {preset} now',
      starting: 'Starting…',
      configureOwn: 'Configure your own'
    },
    presets: {
      title: 'Presets',
      run: 'Run',
      open: 'Open in Configure',
      runNamed: 'Run {preset}',
      openNamed: 'Open {preset} in Configure'
    },
    recent: {
      title: 'Recent runs',
      none: 'No runs yet: your first run will appear here.',
      run: 'Run {id}: {label}',
      downtime: 'downtime {ms} ms',
      all: 'See all in History ({count})',
      failed: 'The recent runs could not be listed: {message}'
    },
    helloFailed: 'The lab host did not answer: {message}',
    hosts: {
      electron: 'Desktop app (Electron)',
      web: 'Web browser (local web host)'
    }
  },
  platforms: {
    linux: 'Linux',
    darwin: 'macOS',
    win32: 'Windows',
    other: 'Other ({name})'
  }
}

export type MessageSchema = typeof en
export default en
