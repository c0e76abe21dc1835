/**
 * English messages of the History, Compare and Sweep screens (merged into en.ts under `history`).
 * QEMU's own names (downtime-limit, max-bandwidth, dirty-sync-count…) stay as they are, next to
 * a plain label.
 */
const historyEn = {
  screens: {
    history: 'History',
    compare: 'Compare'
  },
  title: 'History',
  intro: 'Every run and sweep is kept here. Filter, annotate and compare them, or start a sweep.',
  tabs: {
    label: 'What to list',
    runs: 'Runs',
    experiments: 'Experiments (sweeps)',
    sweep: 'New sweep'
  },
  actions: {
    openLive: 'Open in Live run',
    import: 'Import…',
    importHint: 'A Migration Lab export or a guestperf report (JSON)',
    exportSelected: 'Export selected',
    compareSelected: 'Compare selected ({count})',
    deleteSelected: 'Delete selected',
    refresh: 'Refresh',
    open: 'Open',
    compare: 'Compare',
    delete: 'Delete',
    rerun: 'Re-run',
    useAsSweepBase: 'Use as sweep base',
    showRuns: 'Show runs',
    save: 'Save',
    dismiss: 'Dismiss',
    undo: 'Undo',
    backToHistory: 'Back to History'
  },
  filter: {
    label: 'Filter runs',
    text: 'Search',
    experimentTextPlaceholder: 'name, description, notes, tags',
    textPlaceholder: 'label, notes, tags, host, experiment',
    status: 'Status',
    tags: 'Tags (all of)',
    tagsPlaceholder: 'e.g. baseline, 10GbE',
    source: 'Source',
    anySource: 'Simulated or measured',
    starred: 'Starred only',
    conditions: 'Config conditions',
    conditionsHint: 'One per line: parameter, operator (= != > >= < <=), value.',
    conditionsPlaceholder: 'migration.parameters.downtime-limit >= 300',
    apply: 'Apply filter',
    clear: 'Clear',
    experiment: 'Runs of experiment #{id}',
    problems: 'Fix these conditions to filter:',
    problem: {
      'not-a-condition':
        '"{text}" is not a condition; write parameter, operator, value, e.g. migration.parameters.downtime-limit >= 300',
      'not-a-path': '"{path}" is not a dotted config path',
      'unknown-parameter': '{path} is not a config parameter',
      group: '{path} is a group of parameters; compare one of its fields',
      'bad-operator': '"{op}" is not one of = != < > <= >=',
      'no-value': '{path} {op}: give a value to compare with',
      'null-order': '{path} {op} null: null can only be compared with = or !=',
      'not-a-number': '{path} is a number; compare it with a number'
    }
  },
  statuses: {
    running: 'Running',
    completed: 'Completed',
    cancelled: 'Cancelled',
    failed: 'Failed',
    interrupted: 'Interrupted',
    draft: 'Draft'
  },
  sources: {
    simulated: 'Simulated',
    measured: 'Measured'
  },
  table: {
    caption: 'Runs, {from}–{to} of {total}',
    captionEmpty: 'Runs',
    select: 'Select run #{id}',
    selectAll: 'Select all runs on this page',
    star: 'Star run #{id}',
    unstar: 'Remove the star of run #{id}',
    label: 'Label',
    status: 'Status',
    started: 'Started',
    downtime: 'Downtime (ms)',
    guestPause: 'Guest pause (ms)',
    totalTime: 'Total time (s)',
    transferred: 'Transferred (MiB)',
    syncs: 'Syncs',
    syncsTitle: 'dirty-sync-count: dirty bitmap syncs',
    actions: 'Actions',
    sortBy: 'Sort by {column}',
    experiment: 'in {name}',
    notVerified: 'Memory not verified',
    loading: 'Loading…'
  },
  experiments: {
    caption: 'Experiments',
    name: 'Name',
    varied: 'Varied',
    repetitions: 'Repetitions',
    runs: 'Runs',
    runsValue: '{finished} of {total} finished',
    created: 'Created',
    status: 'Status',
    nothingVaried: 'nothing (repetitions)',
    empty: 'No experiment yet. Start a sweep with "New sweep" to vary a parameter and compare the runs.'
  },
  pager: {
    label: 'Pages',
    previous: 'Previous page',
    next: 'Next page',
    page: 'Page {page} of {count}',
    pageSize: 'Rows per page',
    total: '{total} runs'
  },
  empty: {
    noRuns:
      'No runs yet. Run a migration on the Configure screen, start a sweep under "New sweep", or import a guestperf report.',
    noMatch: 'No run matches the filter.',
    clearFilter: 'Clear the filter'
  },
  undo: {
    deleted: 'Moved {runs} run to the bin. | Moved {runs} runs to the bin.',
    deletedExperiment: 'Moved {experiments} experiment(s) and {runs} run(s) to the bin.'
  },
  notices: {
    imported: 'Imported {count} run from {file}. | Imported {count} runs from {file}.',
    importedGuestperf: 'Imported {file} as a measured run.',
    restored: 'Restored {runs} run. | Restored {runs} runs.'
  },
  errors: {
    title: 'Something went wrong',
    fileTooLarge:
      '{file} is {size} MiB; the lab accepts files up to {max} MiB. Import it with the command line instead.',
    fileUnreadable: '{file} could not be read: {message}'
  },
  detail: {
    title: 'Run #{id}',
    close: 'Close the run',
    summary: 'Summary',
    status: 'Status',
    reason: 'Why it ended',
    source: 'Source',
    host: 'Ran on',
    seed: 'Seed',
    engine: 'Engine version',
    started: 'Started',
    downtime: 'Downtime (downtime, source-reported)',
    guestPause: 'Guest pause (as the guest felt it)',
    totalTime: 'Total time (total-time)',
    setupTime: 'Setup time (setup-time)',
    expectedDowntime: 'Expected downtime (expected-downtime)',
    transferred: 'Transferred (ram.transferred)',
    syncs: 'Dirty bitmap syncs (dirty-sync-count)',
    throttle: 'Highest throttle (cpu-throttle-percentage)',
    verified: 'Memory verified at switchover',
    yes: 'yes',
    no: 'no',
    notes: 'Notes',
    notesPlaceholder: 'What this run shows, what to try next…',
    tags: 'Tags',
    tagsLabel: '{tags} ({hint})',
    tagsHint: 'Comma-separated',
    saved: 'Saved',
    noSyncs: 'No sync was recorded for this run.',
    noResult: 'This run has no result: {reason}',
    loadFailed: 'The run could not be opened: {message}'
  },
  compare: {
    title: 'Compare',
    predicted: {
      title: 'Predicted vs measured',
      note: 'Each measured run beside the simulated run of the same config (the same label). Error = simulated ÷ measured − 1.',
      pair: '{measured} (measured) against {simulated} (simulated)',
      figure: 'Figure',
      measured: 'Measured',
      simulated: 'Simulated',
      error: 'Error',
      figures: {
        totalTime: 'Total time',
        transferred: 'Transferred',
        dirtySyncs: 'Dirty syncs',
        setupTime: 'Setup time',
        downtime: 'Downtime',
        guestPause: 'Guest pause'
      }
    },
    experimentTitle: 'Experiment: {name}',
    runsTitle: 'Comparing {count} runs',
    empty:
      'Nothing to compare yet. Select runs in History and choose "Compare selected", or open an experiment.',
    goToHistory: 'Go to History',
    varied: 'Varied: {params}',
    repetitions: '{count} repetition per configuration | {count} repetitions per configuration',
    nothingVaried: 'Repetitions of one config',
    truncated: 'Only the first {shown} runs are compared ({left} more were selected).',
    groupBy: 'Group by',
    groupByNone: 'Each run on its own',
    spread: 'Spread',
    spreadRange: 'min – max',
    spreadStddev: '± standard deviation',
    charts: 'Charts',
    tables: 'Tables',
    loading: 'Loading the comparison…',
    metrics: {
      downtimeMs: 'Downtime',
      guestPauseMs: 'Guest pause',
      totalTimeMs: 'Total time',
      transferredBytes: 'Transferred'
    },
    chartTitles: {
      downtimePerRun: 'Downtime per run',
      totalTimePerRun: 'Total time per run',
      transferredPerRun: 'Transferred per run',
      downtime: 'Downtime per configuration',
      totalTime: 'Total time per configuration',
      transferred: 'Transferred per configuration',
      downtimeVsParameter: 'Downtime against {param}',
      progress: 'Remaining dirty memory over time'
    },
    chartLabels: {
      mean: 'mean',
      range: 'min–max',
      stddev: '±sd',
      runs: 'runs',
      runsAxis: 'Run',
      measured: '(measured)',
      noValue: 'no completed run',
      time: 'Time',
      remaining: 'Remaining',
      run: 'run {id}',
      runNamed: 'run {id} · {label}',
      downtimeLimit: 'downtime-limit'
    },
    progressNote: 'One curve per configuration (its first run). Dashed: measured runs.',
    summaryTable: 'Per configuration',
    summary: {
      configuration: 'Configuration',
      runs: 'Runs',
      source: 'Source',
      downtime: 'Downtime (ms)',
      guestPause: 'Guest pause (ms)',
      totalTime: 'Total time (s)',
      transferred: 'Transferred (MiB)',
      meanSpread: 'mean (min–max, ±sd)',
      statusCounts: '{completed} completed of {total}'
    },
    configTable: 'Config',
    parameter: 'Parameter',
    differencesOnly: 'Show differences only',
    noDifferences: 'The configs are identical (seed aside, repetitions of one config).',
    allSame:
      '{count} parameter is the same everywhere; uncheck "Show differences only" to see it. | {count} parameters are the same everywhere; uncheck "Show differences only" to see them.',
    missing: '(absent)',
    series: '{param} = {value}'
  },
  sweep: {
    title: 'New sweep',
    intro:
      "A sweep runs one base config many times, varying one or two parameters (like guestperf's comparisons), and repeats each point to show the spread.",
    base: 'Base config',
    baseDefault: 'Default config (QEMU defaults)',
    baseRun: 'Config of run #{id} {label}',
    baseProvided: 'Config from {label}',
    baseConfigure: "Use the Configure screen's config",
    baseSelected: "Use the selected run's config",
    baseReset: 'Use the default config',
    configureLabel: 'the Configure screen',
    parameters: 'Varied parameters',
    parameter: 'Parameter {index}',
    path: 'Config parameter',
    mode: 'Values as',
    modeValues: 'a list',
    modeRange: 'a range',
    values: 'Values (comma-separated)',
    range: 'Range (start..end:step)',
    rangeHint: 'e.g. 100..500:100 gives 100, 200, 300, 400, 500',
    remove: 'Remove parameter {index}',
    add: 'Add a second parameter',
    repeat: 'Repetitions per point',
    repeatHint: 'Each repetition uses another seed, the same at every point.',
    parallel: 'Runs at the same time',
    parallelHint: '0 = as many as the lab host has cores',
    name: 'Name',
    plan: '{points} point(s) × {repeat} repetition(s) = {runs} run(s)',
    start: 'Start sweep',
    starting: 'Starting…',
    cancel: 'Cancel sweep',
    progress: 'Sweep "{name}": {done} of {total} runs done',
    failed: '{failed} failed',
    running: '{running} running',
    finished: 'Sweep "{name}" finished: {done} of {total} runs.',
    finishedCancelled:
      'Sweep "{name}" was cancelled after {done} of {total} runs; the finished runs are kept.',
    finishedFailed: 'Sweep "{name}" failed: {message}',
    openComparison: 'Open its comparison',
    problems: 'Fix these to start the sweep:',
    otherSweeps: 'Other sweeps running on this lab host',
    group: {
      config: 'Config',
      guest: 'Guest',
      network: 'Network',
      migration_capabilities: 'Migration capabilities (migrate-set-capabilities)',
      migration_parameters: 'Migration parameters (migrate-set-parameters)',
      migration_policy: 'Lab policy',
      host: 'Host cost model',
      workload: 'Workload {index}'
    }
  }
}

export type HistoryMessages = typeof historyEn
export default historyEn
