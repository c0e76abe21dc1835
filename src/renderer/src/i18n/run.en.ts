/**
 * English strings of the Configure and Live run screens (merged into en.ts). QEMU's own names
 * (downtime-limit, dirty-sync-count, …) are shown next to these labels and never translated.
 */
const runEn = {
  configure: {
    screen: 'Configure',
    title: 'Configure a migration',
    intro:
      'Describe the guest and what its workload does to memory, the network, and how QEMU migrates it. Every field starts at QEMU’s default; only what you change is saved in the config.',
    preset: 'Start from',
    presetCustom: 'Your own config (edited, pasted or restored from last time).',
    presetCustomOption: 'Your own config',
    presetEdited: '(edited)',
    presets: {
      'qemu-defaults': {
        name: 'QEMU defaults',
        description:
          'Every value at QEMU’s default: downtime-limit 300 ms, max-bandwidth 128 MiB/s, a 4 GiB guest with 2 vCPUs writing 16 MiB/s each.'
      },
      'guestperf-defaults': {
        name: 'guestperf defaults',
        description:
          'QEMU’s own benchmark: 1 vCPU and 1 GiB running its stress program (sequential writes over all memory), downtime-limit 500 ms, unlimited bandwidth.'
      },
      'guestperf-auto-converge': {
        name: 'guestperf auto-converge',
        description:
          'guestperf’s auto-converge scenario: the stress guest is throttled from 20 % in steps of 10 % until the migration converges.'
      },
      'guestperf-xbzrle': {
        name: 'guestperf xbzrle',
        description:
          'The stress guest with XBZRLE and a 64 MiB cache: stress sweeps 1 GiB, 16 pages for each cache slot, so every lookup misses and XBZRLE gains nothing.'
      },
      'xbzrle-small-writes': {
        name: 'XBZRLE, small writes',
        description:
          'A 512 MiB guest rewriting 64 MiB at 64 MiB/s in 8-byte writes over 32 MiB/s: plain pre-copy never converges, XBZRLE completes on a third of the bytes.'
      },
      'guestperf-dirty-limit': {
        name: 'guestperf dirty-limit',
        description:
          'The stress guest with a 4096-entry dirty ring, limited to 1 MB/s per vCPU by dirty-limit instead of auto-converge: compare it with guestperf auto-converge.'
      },
      'guestperf-multifd': {
        name: 'guestperf multifd',
        description:
          'The stress guest sent over 4 multifd channels: compare it with guestperf defaults (one sender thread).'
      },
      'guestperf-multifd-zstd': {
        name: 'guestperf multifd zstd',
        description:
          'guestperf multifd with zstd compression in each of the 4 channels: fewer bytes on the wire, more CPU per page.'
      },
      'guestperf-postcopy': {
        name: 'guestperf postcopy',
        description:
          'The stress guest switched to postcopy after 5 dirty-bitmap syncs (guestperf post_copy_iters): a short downtime, paid for by page faults on the destination.'
      },
      'guestperf-postcopy-preempt': {
        name: 'guestperf postcopy-preempt',
        description:
          'guestperf postcopy with postcopy-preempt: faulted pages skip the background push on their own channel, so the guest waits less (compare postcopy-blocktime).'
      },
      'postcopy-out-dirtying': {
        name: 'Postcopy, guest out-dirtying its link',
        description:
          'A 512 MiB guest on 2 vCPUs rewriting 64 MiB at 64 MiB/s over 32 MiB/s, switched to postcopy after 3 syncs: pre-copy alone never converges; on the destination the vCPUs fault on pages not yet there.'
      },
      'idle-desktop': {
        name: 'Idle desktop',
        description:
          'A 4 GiB desktop that is mostly idle: 60 % of its memory is still zero, light writes over a small working set.'
      },
      'database-hot-set': {
        name: 'Database with a hot set',
        description:
          'An 8 GiB database on 4 vCPUs: 90 % of writes hit a 512 MiB hot set inside a shared 6 GiB working set; max-bandwidth 1 GiB/s.'
      },
      'memory-stress': {
        name: 'Memory stress',
        description:
          'Like guestperf’s stress program: every vCPU sweeps its share of memory at 512 MiB/s. At QEMU’s defaults it never converges.'
      }
    },
    showJson: 'Show JSON',
    hideJson: 'Hide JSON',
    addToSweep: 'Add to sweep',
    sweepBaseName: 'Configured migration',
    run: 'Run',
    starting: 'Starting…',
    // vue-i18n plural forms: the first for one, the second for more.
    problems:
      'The config has 1 problem; fix it to run it. | The config has {count} problems; fix them to run it.',
    allAtFields: 'It is marked at its field below. | They are marked at their fields below.',
    fieldProblems:
      '{count} of them is marked at its field below. | {count} of them are marked at their fields below.',
    goToProblem: 'Go to the first one',
    refused: 'The lab host did not start the run ({kind}).',
    notConnected: 'Not connected to the lab host: the run starts once the connection is back.',
    sections: {
      guest: 'Experiment and guest',
      workloads: 'Workloads',
      capabilities: 'Migration capabilities',
      network: 'Network',
      parameters: 'Migration parameters',
      policy: 'Lab policy',
      host: 'Host cost model'
    },
    sectionHelp: {
      network:
        'The link between source and destination. The final stop-and-copy runs at link speed, not at max-bandwidth.',
      parameters:
        'QEMU’s migrate-set-parameters, in QEMU’s units. The threshold for switchover is bandwidth × downtime-limit.',
      policy:
        'QEMU never gives up on a migration that does not converge; like guestperf, the lab cancels it after a time or a number of dirty syncs.',
      host: 'What QEMU’s own work costs: bitmap syncs under the BQL, stopping the guest, the destination’s load and resume.'
    },
    advanced: 'advanced; the defaults suit most experiments',
    workloadsHelp:
      'What each vCPU does to memory. Each vCPU takes the first entry that names it; a vCPU named by none stays idle.',
    capabilitiesHelp: 'QEMU’s migrate-set-capabilities. They must be chosen before a migration starts.',
    noWorkloads: 'No workload: every vCPU is idle. Add one to make the guest write to memory.',
    addWorkload: 'Add a workload',
    workload: 'Workload {n}',
    drives: 'Drives vCPUs {vcpus}',
    drivesNone: 'Drives no vCPU: earlier entries already claim the ones it names.',
    removeWorkload: 'Remove',
    removeWorkloadNamed: 'Remove workload {n}',
    workloadOrder: 'Entries are matched in order: put specific vCPU lists before an “all” entry.',
    needs: 'used with {capability}',
    needsNotSimulated: 'used with {capability}, which is not simulated yet',
    notSimulated: 'not simulated yet',
    notANumber: 'Enter a number (for example 128 or 1.5).',
    badVcpuList: 'Enter “all” or vCPU numbers such as 0, 2-3.',
    on: 'on',
    off: 'off',
    automatic: 'automatic',
    automaticValue: 'Automatic: {value}',
    defaultValue: 'Default: {value}',
    unitOf: 'Unit of {field}',
    resetField: 'Back to the default',
    resetFieldNamed: 'Set {field} back to its default',
    json: {
      label: 'Config as JSON',
      help: 'What a config file for “migration-lab run” holds: only what differs from QEMU’s defaults. Paste a config here and apply it.',
      apply: 'Apply JSON',
      revert: 'Discard edits',
      applied: 'Applied.',
      syntax: 'This is not valid JSON: {detail}',
      notObject: 'A config is a JSON object: it starts with an opening curly brace.'
    }
  },
  live: {
    screen: 'Live run',
    title: 'Live run',
    untitled: 'Unnamed migration',
    empty: 'No run yet. Configure a migration and press Run; it appears here as it goes.',
    goConfigure: 'Configure a migration',
    openFailed: 'The run could not be opened: {message}',
    runNumber: 'run {id}',
    shape: '{vcpus} vCPUs, {memory}',
    status: {
      idle: 'No run',
      starting: 'Starting',
      running: 'Running',
      cancelling: 'Cancelling…',
      replaying: 'Replaying',
      completed: 'Completed',
      cancelled: 'Cancelled',
      failed: 'Failed'
    },
    cancel: 'Cancel',
    backToConfigure: 'Back to Configure',
    engine: {
      starting: 'Starting the engine: one process per vCPU and one for the migration.',
      running: 'The engine is computing the migration in virtual time; the screen replays it as it arrives.',
      done: 'Computed in {wall} for {virtual} of virtual time.',
      reopened: 'Reopened from the history.'
    },
    failed: 'The run failed ({kind}).',
    failedHelp:
      'Nothing was recorded as a result. Run it again; if it fails again, the lab host’s log names the cause.',
    chartLabel:
      'Timeline of the guest’s vCPUs, the migration thread and the destination, with the migration’s progress over virtual time',
    waiting: 'Waiting for the first telemetry…',
    legendLabel: 'Timeline colours',
    lanesScroll: '{count} vCPUs: scroll the lanes with the bar on the right of the timeline.',
    markersNote:
      'Dashed lines: dirty syncs. Red lines: stop-and-copy, the start of postcopy, end of the migration, destination resume. Drag the bar under the charts to zoom.',
    zoomSwitchover: 'Zoom to the switchover',
    zoomAll: 'Show the whole run',
    time: 'Virtual time',
    lanes: {
      migration: 'Migration thread',
      destination: 'Destination',
      vcpu: 'vCPU {n}'
    },
    states: {
      setup: 'setup',
      iterating: 'iterating',
      syncing: 'syncing (BQL)',
      'stop-and-copy': 'stop-and-copy',
      'postcopy-active': 'postcopy-active (background push)',
      done: 'done',
      running: 'running',
      throttled: 'throttled',
      'bql-wait': 'waiting for the BQL',
      'page-fault': 'waiting for a page (postcopy fault)',
      stopped: 'stopped',
      idle: 'idle',
      loading: 'loading',
      resumed: 'running (resumed)'
    },
    panels: {
      timeline: 'Who runs when',
      memory: 'Remaining memory vs threshold · ram.remaining',
      rates: 'Dirty rate (measured at each sync) and guest writes vs bandwidth estimate',
      downtime: 'Expected downtime vs downtime-limit · expected-downtime',
      throttle: 'Auto-converge throttle · cpu-throttle-percentage',
      throughput: 'Guest memory throughput per vCPU',
      xbzrle: 'XBZRLE cache: hits, misses and overflows · xbzrle-cache',
      multifd: 'Throughput per multifd channel (stacked: the top is their sum)',
      postcopy: 'Postcopy: page requests and vCPU page faults so far · postcopy-requests',
      dirtyLimit: 'Dirty-limit sleep per full dirty ring, per vCPU'
    },
    series: {
      remaining: 'Remaining',
      threshold: 'Threshold',
      transferred: 'Transferred',
      dirtyRate: 'Dirty rate · dirty-pages-rate',
      guestWrites: 'Guest writes (all vCPUs)',
      bandwidth: 'Bandwidth estimate',
      expectedDowntime: 'Expected downtime',
      downtimeLimit: 'downtime-limit',
      throttle: 'Throttle',
      vcpuMin: 'Slowest vCPU',
      vcpuMean: 'Mean of vCPUs',
      vcpuMax: 'Fastest vCPU',
      xbzrleHitRate: 'Cache hit rate',
      xbzrleHits: 'Hits',
      xbzrleMisses: 'Misses',
      xbzrleOverflows: 'Overflows',
      multifdChannel: 'Channel {n}',
      postcopyRequests: 'Page requests',
      postcopyFaults: 'vCPU page faults'
    },
    markers: {
      'stop-and-copy': 'stop-and-copy',
      'postcopy-active': 'postcopy-active',
      done: 'done',
      resumed: 'resumed'
    },
    playback: {
      label: 'Playback speed',
      max: 'max',
      of: 'of {end} virtual time',
      computing: 'virtual time (computing…)',
      skip: 'Skip to the end'
    },
    summary: {
      title: 'Result',
      whyNot: {
        title: 'Why it did not converge'
      },
      downtime: 'Downtime (as QEMU reports it)',
      limit: 'limit {limit}',
      guestPause: 'Guest pause',
      guestPauseHelp: 'last instruction on the source to the first on the destination',
      expectedDowntime: 'Expected downtime',
      versusLimit: 'vs downtime-limit {limit}',
      totalTime: 'Total time',
      setupTime: 'setup {setup}',
      transferred: 'Transferred',
      ofMemory: 'guest memory {total}',
      multifd: 'Multifd channels',
      multifdChannel: 'channel {channel}: {bytes} · {mbps} Mbit/s',
      syncs: 'Dirty syncs',
      converged: 'Converged',
      yes: 'yes',
      no: 'no',
      verified: 'Verified (oracle)',
      verifiedYes: 'memory identical',
      verifiedNo: '{pages} pages differ',
      verifiedHelp: 'destination memory checked against the source at switchover',
      verifiedStoppedYes: 'consistent',
      verifiedStoppedHelp: 'no switchover: checked that the destination lags only by pages known to be dirty',
      bql: 'BQL held by migration',
      bqlDetail: '{holds} holds, longest {longest}; vCPUs waited {wait}',
      breakdownTitle: 'Where the guest’s {pause} pause went',
      parts: {
        stop: 'stop',
        finalSync: 'final sync',
        ram: 'remaining RAM',
        deviceState: 'device state',
        resume: 'destination resume'
      },
      qemuEnds: 'QEMU’s downtime ends here (no return path: the destination’s resume is not counted)',
      qemuEndsReturnPath: 'QEMU’s downtime ends here (return path: it waits for the destination)'
    },
    syncs: {
      title: 'Dirty syncs ({count})',
      help: 'One row per dirty bitmap sync. A new sync happens only when what remains falls below the threshold.',
      time: 'Time',
      trigger: 'Why',
      sent: 'Sent since last',
      dirtied: 'Newly dirty',
      remaining: 'Remaining',
      threshold: 'Threshold',
      expected: 'Expected downtime',
      throttle: 'Throttle',
      bql: 'BQL hold',
      triggers: {
        setup: 'setup',
        lazy: 'below threshold',
        'throttle-timer': 'auto-converge timer',
        final: 'final'
      },
      more: '… and {count} more'
    }
  }
}

export type RunMessages = typeof runEn
export default runEn
